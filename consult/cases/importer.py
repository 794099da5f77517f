"""Import and export of published cases as JSON Lines (format of shared/data/cases.jsonl).

Import validates every line first and then stores the whole file in one transaction, so a
bad line stores nothing; `id` becomes the case's ref and re-importing a ref updates it.
"""
import json
from pathlib import Path

from sqlalchemy import select

from consult import audit
from consult.errors import DomainError
from consult.search import sync
from models import CASE_RESOLUTION_TYPES, Case, CaseRevision, Category, db, utcnow

REQUIRED = ("id", "title", "problem", "solution")
TEXT_KEYS = ("title", "department", "problem", "cause", "solution", "effect")
FIELD_MAP = {"title": "title", "department": "department_label", "problem": "problem", "cause": "cause",
             "solution": "solution", "effect": "effect", "tools": "tools", "tags": "tags",
             "resolution_type": "resolution_type", "hours_saved_per_year": "hours_saved_per_year"}
CHUNK = 500


class ImportFileError(DomainError):
    """A file that cannot be imported; `message` names the file and line."""


def _fail(path, lineno: int, problem: str):
    """Raise an ImportFileError for one line."""
    raise ImportFileError(f"{path}:{lineno}: {problem}")


def _list(value, key, path, lineno) -> list[str]:
    """A list of strings (a single string is split on commas)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.replace("、", ",").split(",")) if v]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        _fail(path, lineno, f"「{key}」は文字列の配列にしてください")
    out = []
    for v in (str(v).strip() for v in value):
        if v and v not in out:
            out.append(v)
    return out


def _validate(record, path, lineno: int) -> dict:
    """Check one parsed line and return the case values it holds."""
    if not isinstance(record, dict):
        _fail(path, lineno, "1行に1つのJSONオブジェクトを書いてください")
    missing = [k for k in REQUIRED if record.get(k) in (None, "")]
    if missing:
        _fail(path, lineno, "必須の項目がありません: " + ", ".join(missing))
    values = {"ref": str(record["id"]).strip()}
    if not values["ref"] or len(values["ref"]) > 64:
        _fail(path, lineno, "「id」は1〜64文字にしてください")
    for key in TEXT_KEYS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            _fail(path, lineno, f"「{key}」は文字列にしてください")
        values[FIELD_MAP[key]] = (value or "").strip()
    if len(values["title"]) > 200:
        _fail(path, lineno, "「title」は200文字以内にしてください")
    values["department_label"] = values["department_label"][:100]
    values["tools"] = _list(record.get("tools"), "tools", path, lineno)
    values["tags"] = _list(record.get("tags"), "tags", path, lineno)
    rtype = record.get("resolution_type") or None
    if rtype is not None and rtype not in CASE_RESOLUTION_TYPES:
        _fail(path, lineno, f"「resolution_type」は {' / '.join(CASE_RESOLUTION_TYPES)} のいずれかにしてください")
    values["resolution_type"] = rtype
    hours = record.get("hours_saved_per_year")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0 or hours != int(hours)):
        _fail(path, lineno, "「hours_saved_per_year」は0以上の整数か null にしてください")
    values["hours_saved_per_year"] = int(hours) if hours is not None else None
    category = record.get("category")
    if category is not None and not isinstance(category, str):
        _fail(path, lineno, "「category」は文字列にしてください")
    values["category"] = (category or "").strip() or None
    return values


def read_file(path) -> list[dict]:
    """Parse and validate every line of a case file (raises ImportFileError naming file:line)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: ファイルが見つかりません") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: ファイルを読めません ({exc.strerror})") from None
    records: dict[str, dict] = {}
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8").lstrip("\ufeff").strip()
        except UnicodeDecodeError:
            _fail(path, lineno, "UTF-8 として読めません")
        if not text:
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            _fail(path, lineno, f"JSONとして読めません（{exc.msg}、{exc.colno}文字目）")
        values = _validate(record, path, lineno)
        records.pop(values["ref"], None)  # a ref repeated in the file: the last line wins
        records[values["ref"]] = values
    return list(records.values())


def _store(records: list[dict], progress=None) -> int:
    """Insert or update the cases (published), with revisions, audit and outbox; commits once.
    ``progress(done)`` is called after every chunk."""
    categories = {c.name: c.id for c in db.session.scalars(select(Category))}
    now = utcnow()
    for start in range(0, len(records), CHUNK):
        chunk = records[start:start + CHUNK]
        existing = {c.ref: c for c in db.session.scalars(select(Case).where(Case.ref.in_([r["ref"] for r in chunk])))}
        revs = {}
        if existing:
            rows = db.session.execute(select(CaseRevision.case_id, db.func.max(CaseRevision.number))
                                      .where(CaseRevision.case_id.in_([c.id for c in existing.values()]))
                                      .group_by(CaseRevision.case_id))
            revs = dict(rows.all())
        pending = []
        for values in chunk:
            fields = {k: v for k, v in values.items() if k not in ("ref", "category")}
            fields["category_id"] = categories.get(values["category"]) if values["category"] else None
            case = existing.get(values["ref"])
            if case is None:
                case = Case(ref=values["ref"], status="published", published_at=now, created_at=now, updated_at=now,
                            acknowledged_findings=[], **fields)
                db.session.add(case)
                pending.append((case, fields, "case.created", None, 1))
                continue
            if case.status == "published" and all(getattr(case, k) == v for k, v in fields.items()):
                continue
            before = audit.snapshot(case, ("status",) + tuple(fields))
            for k, v in fields.items():
                setattr(case, k, v)
            case.status, case.updated_at = "published", now
            case.published_at = case.published_at or now
            pending.append((case, fields, "case.updated", before, revs.get(case.id, 0) + 1))
        db.session.flush()
        for case, fields, action, before, number in pending:
            after = audit.snapshot(case, ("status",) + tuple(fields))
            old, new = audit.diff(before, after) if before else (None, after)
            new["source"] = "import"
            audit.record(action, "case", case.id, None, old, new)
            db.session.add(CaseRevision(case_id=case.id, number=number, snapshot={"ref": case.ref, **after}))
            sync.enqueue(case.ref, "upsert")
        if progress:
            progress(min(start + CHUNK, len(records)))
    db.session.commit()
    return len(records)


REBUILD_FROM = 5000  # an import of this many cases rebuilds the index (two processes) instead of
                     # applying thousands of outbox rows one batch at a time with one writer


def import_file(path, progress=None, index_progress=None) -> int:
    """Import a JSON Lines case file (all or nothing) and index it; returns the number of cases read.
    ``progress(done)`` follows the storing, ``index_progress(done)`` the rebuild of a large import."""
    records = read_file(path)
    try:
        count = _store(records, progress)
    except Exception:
        db.session.rollback()
        raise
    if count >= REBUILD_FROM:
        sync.reindex(progress=index_progress)
    else:
        sync.drain()
    return count


def case_record(case: Case) -> dict:
    """One case in the file format."""
    record = {"id": case.ref, "title": case.title, "department": case.department_label, "problem": case.problem,
              "cause": case.cause, "solution": case.solution, "effect": case.effect, "tools": list(case.tools or []),
              "tags": list(case.tags or []), "resolution_type": case.resolution_type,
              "hours_saved_per_year": case.hours_saved_per_year}
    if case.category is not None:
        record["category"] = case.category.name
    return record


def export_file(path) -> int:
    """Write every published case to a JSON Lines file (ref order); returns the count."""
    stmt = select(Case).where(Case.status == "published").order_by(Case.ref).execution_options(yield_per=1000)
    count = 0
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as out:
            for case in db.session.scalars(stmt):
                out.write(json.dumps(case_record(case), ensure_ascii=False) + "\n")
                count += 1
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ImportFileError(f"{path}: 書き込めません ({exc.strerror})") from None
    return count
