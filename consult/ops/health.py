"""What /healthz checks: the database answers, and this host's search index can serve.

The index is healthy when a reader opens, the host is at most ``MAX_LAG`` seconds behind the
index log, and, once caught up, it holds as many documents as the database has published
cases.  The body reports the position, the lag and both counts."""
import os

from flask import current_app
from sqlalchemy import select

from models import User, db

MAX_LAG = 60.0


def checks() -> dict:
    """Run the checks; every failure is reported as a value, never raised."""
    result = {}
    try:
        # Read a real table: `SELECT 1` succeeds even while SQLite is exclusively locked by another process.
        db.session.execute(select(User.id).limit(1))
        result["database"] = "ok"
    except Exception as exc:  # report, never raise
        db.session.rollback()
        result["database"] = f"error: {type(exc).__name__}"
    result["index"] = "error: database unavailable"
    if result["database"] == "ok":
        try:
            result["index"], result["search"] = index_check()
        except Exception as exc:
            db.session.rollback()
            result["index"] = f"error: {type(exc).__name__}"
    if result["database"] == "ok":
        try:
            from consult.tickets.store import get_store

            store = get_store()
            store.check()
            result["attachments"] = f"ok ({store.kind})"
        except Exception as exc:
            db.session.rollback()
            result["attachments"] = f"error: {getattr(exc, 'message', type(exc).__name__)}"
    result["index_path_writable"] = os.access(current_app.config["CONSULT_SEARCH_INDEX"], os.W_OK)
    return result


def index_check() -> tuple[str, dict]:
    """("ok" or "error: why", figures) for this host's index."""
    from consult.search import sync

    sync.drain(timeout=0.5)  # catch up first: report what is still behind after trying
    status = sync.status()
    max_lag = float(current_app.config.get("CONSULT_SEARCH_MAX_LAG") or MAX_LAG)
    if status["lag_seconds"] > max_lag:
        return f"error: {status['lag_seconds']:.0f} s behind the index log", status
    if status.get("pending") == 0 and status["index_documents"] != status["db_published"]:
        return (f"error: index has {status['index_documents']} documents, "
                f"database {status['db_published']} published cases"), status
    return "ok", status
