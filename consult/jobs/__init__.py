"""Scheduled work: a small registry of job functions that `flask --app app jobs run` calls in turn.

A job is a plain function `job(now: datetime) -> str` (naive UTC `now`, so tests can freeze the clock) that
does its own transactions and returns a one-line summary. Jobs must be idempotent: the command runs every
15 minutes (docs/deploy.md) and may run twice, or on two hosts at once. `claim(job, key)` records in the
caller's transaction that `key` was done, and answers False when it already was (a unique row, so two
concurrent runs cannot both claim it).

Register a job from its own module, and list the module in MODULES (one line per area):

    from consult.jobs import register

    @register("records.retention", "保存期間の過ぎた公文書を一覧に載せる")
    def retention(now): ...
"""
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from consult.ops import cluster
from models import JobMark, db, utcnow

log = logging.getLogger(__name__)

#: Modules whose import registers jobs (other areas add their line here).
MODULES = [
    "consult.desk.jobs",
    "consult.reports.jobs",
]


@dataclass(frozen=True)
class Job:
    """A registered job: its name (area.what), a Japanese description and the function."""

    name: str
    help: str
    func: Callable[[datetime], str | None]


_REGISTRY: dict[str, Job] = {}


def register(name: str, help: str = "") -> Callable:
    """Decorator: register `func(now)` under `name` (a second registration of a name replaces the first)."""
    def decorator(func):
        _REGISTRY[name] = Job(name, help, func)
        return func
    return decorator


def load() -> dict[str, Job]:
    """Import the job modules and return the registry, in registration order."""
    for module in MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


@dataclass
class Result:
    """What one job did: its summary, or the error that stopped it."""

    name: str
    summary: str = ""
    error: str | None = None


def run_all(now: datetime | None = None, only: list[str] | None = None) -> list[Result]:
    """Run every registered job (or those named in `only`) once; a failing job is logged and the others still run."""
    now = now or utcnow()
    results = []
    for name, job in load().items():
        if only and name not in only:
            continue
        try:
            with cluster.once(f"job:{name}") as mine:  # one host of the cluster at a time
                summary = (job.func(now) or "") if mine else "他のホストで実行中のため省略"
            results.append(Result(name, str(summary)))
        except Exception as exc:  # one broken job must not stop the others
            db.session.rollback()
            log.exception("job %s failed", name)
            results.append(Result(name, error=f"{type(exc).__name__}: {exc}"))
    return results


def claim(job: str, key: str, now: datetime | None = None) -> bool:
    """Record that `job` did `key`, in a savepoint of the current transaction; False if it was already done."""
    try:
        with db.session.begin_nested():
            db.session.add(JobMark(job=job, key=key[:200], created_at=now or utcnow()))
    except IntegrityError:
        return False
    return True
