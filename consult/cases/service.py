"""Case operations: draft from a ticket, write, edit, publish, archive; one transaction each.

Every operation writes an audit event, queues the index update in the same transaction
(`sync.enqueue`) and applies it after the commit (`sync.drain`).
"""
import re

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult import audit, transactions
from consult.errors import ConflictError, DomainError, NotFound
from consult.search import sync
from models import CASE_RESOLUTION_TYPES, Case, CaseHelpful, CaseRevision, Category, Department, Ticket, db, utcnow

from . import anonymize

EDITABLE = ("title", "department_label", "department_id", "category_id", "problem", "cause", "solution", "effect",
            "tools", "tags", "resolution_type", "hours_saved_per_year")
AUDITED = EDITABLE + ("status", "published_at", "acknowledged_findings")
SCANNED = ("title", "department_label", "problem", "cause", "solution", "effect", "tools", "tags")
CONFLICT_MESSAGE = transactions.conflict_message("この事例")
NOT_CASEABLE = "対応不可"


def _commit_and_index(case: Case) -> None:
    """Commit (turning a concurrent update into ConflictError) and apply the index update."""
    transactions.commit(CONFLICT_MESSAGE)
    sync.drain()


def _conflict_on_stale(operation):
    """A concurrent update found by any flush of the operation (not only the final commit) is a ConflictError (409)."""

    return transactions.conflicts(CONFLICT_MESSAGE)(operation)


def _check_version(case: Case, expected_version) -> None:
    """Optimistic locking: refuse when the form was made from an older version."""
    if expected_version is not None and int(expected_version) != case.version:
        raise ConflictError(CONFLICT_MESSAGE, current=case)


def split_list(value) -> list[str]:
    """Split a comma-separated input (, 、 ，) into distinct trimmed items; lists pass through."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,、，\n]", value or "")
    out = []
    for item in (str(i).strip() for i in items):
        if item and item not in out:
            out.append(item[:50])
    return out


def generic_label(department: Department | None) -> str:
    """The generic department label shown instead of the real 所属, e.g. 「本庁 総務部」."""
    if department is None:
        return "本庁"
    return f"本庁 {department.top.name}"


def department_label(mode: str, department: Department | None, custom: str = "") -> str:
    """The label for a display choice: `actual` 所属 name, `generic` 部局 label or `custom` text."""
    if mode == "actual" and department is not None:
        return department.full_name
    if mode == "custom":
        if not (custom or "").strip():
            raise DomainError("所属の表示で「自由入力」を選んだときは、表示する名前を入力してください。")
        return custom.strip()[:100]
    return generic_label(department)


def _next_ref(year: int) -> str:
    """The next free reference of the year: C-2026-0001, C-2026-0002 …"""
    prefix = f"C-{year}-"
    refs = db.session.scalars(select(Case.ref).where(Case.ref.like(prefix + "%"))).all()
    numbers = [int(r[len(prefix):]) for r in refs if r[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _add_with_ref(case: Case, actor) -> Case:
    """Insert a new case under the next free ref (retrying when another writer took it) and audit it."""
    for attempt in range(5):
        case.ref = _next_ref(utcnow().year)
        db.session.add(case)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if attempt == 4:
                raise
            continue
        audit.record("case.created", "case", case.id, actor, None, audit.snapshot(case, AUDITED))
        db.session.commit()
        return case
    raise AssertionError("unreachable")


def scan_context(case: Case) -> anonymize.ScanContext:
    """Names of the people of the source ticket and, when flagged, the ticket's own sentences."""
    ticket = case.source_ticket
    if ticket is None:
        return anonymize.ScanContext()
    people = [ticket.requester, ticket.main_handler, ticket.backup_handler]
    names = [p.name for p in people if p is not None and p.name]
    texts = [ticket.purpose, ticket.current_process, ticket.problem] if ticket.contains_personal_info else []
    return anonymize.ScanContext(names=names, ticket_texts=texts)


def findings(case: Case, values: dict | None = None) -> list:
    """Anonymisation findings of the case (or of edited `values` not yet saved)."""
    values = values or {}
    fields = {name: values.get(name, getattr(case, name)) for name in SCANNED}
    return anonymize.scan(fields, scan_context(case))


def create_from_ticket(number: str, actor) -> tuple[Case, bool]:
    """Draft a case from a resolved ticket; returns (case, created) — an existing draft is reused."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise NotFound("相談が見つかりません。")
    existing = db.session.scalar(select(Case).where(Case.source_ticket_id == ticket.id).order_by(Case.id))
    if existing is not None:
        return existing, False
    if ticket.status not in ("resolved", "closed"):
        raise DomainError("事例にできるのは「解決」または「完了」の相談だけです。")
    if ticket.resolution_type == NOT_CASEABLE:
        raise DomainError("解決方法の種類が「対応不可」の相談は事例にできません。")
    sections = [("そもそも何のための業務か", ticket.purpose), ("これまでのやり方", ticket.current_process),
                ("困っていたこと", ticket.problem)]
    problem = "\n\n".join(f"**{label}**\n{text.strip()}" for label, text in sections if (text or "").strip())
    hours = ticket.hours_saved_per_year
    case = Case(
        source_ticket_id=ticket.id, title=ticket.title, department_id=ticket.department_id,
        department_label=generic_label(ticket.department), category_id=ticket.category_id,
        problem=problem, cause=ticket.root_cause or "", solution=ticket.resolution_summary or "",
        effect=f"年間約{hours:,}時間の削減" if hours else "", tools=[], tags=[],
        resolution_type=ticket.resolution_type if ticket.resolution_type in CASE_RESOLUTION_TYPES else None,
        hours_saved_per_year=hours, status="draft", author_id=actor.id, acknowledged_findings=[],
    )
    return _add_with_ref(case, actor), True


def _apply(case: Case, data: dict) -> None:
    """Copy edited values onto the case (the department label from the chosen display mode)."""
    department = db.session.get(Department, data["department_id"]) if data.get("department_id") else None
    if data.get("category_id") and db.session.get(Category, data["category_id"]) is None:
        raise DomainError("選んだ分類が見つかりません。")
    if data.get("resolution_type") and data["resolution_type"] not in CASE_RESOLUTION_TYPES:
        raise DomainError("解決方法の種類を一覧から選んでください。")
    case.title = data["title"].strip()
    case.department_id = department.id if department else None
    case.department_label = department_label(data.get("department_mode") or "generic", department,
                                             data.get("department_custom") or "")
    case.category_id = data.get("category_id") or None
    for name in ("problem", "cause", "solution", "effect"):
        case.__setattr__(name, (data.get(name) or "").strip())
    case.tools = split_list(data.get("tools"))
    case.tags = split_list(data.get("tags"))
    case.resolution_type = data.get("resolution_type") or None
    case.hours_saved_per_year = data.get("hours_saved_per_year")
    case.updated_at = utcnow()


def create(data: dict, actor) -> Case:
    """Write a new draft case from scratch."""
    case = Case(status="draft", author_id=actor.id, acknowledged_findings=[], tools=[], tags=[])
    _apply(case, data)
    return _add_with_ref(case, actor)


def _revise(case: Case, actor) -> CaseRevision:
    """Keep a snapshot of the case as published now (revision numbers count up)."""
    last = db.session.scalar(select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case.id)) or 0
    snap = audit.snapshot(case, ("ref",) + AUDITED)
    snap["category"] = case.category.name if case.category else None
    revision = CaseRevision(case_id=case.id, number=last + 1, snapshot=snap, published_by_id=actor.id if actor else None)
    db.session.add(revision)
    return revision


def _refuse_unacknowledged(pending: list) -> None:
    """Raise a DomainError listing findings that are neither fixed nor acknowledged."""
    if pending:
        listed = "、".join(f"{f.kind}「{f.text}」" for f in pending[:10])
        more = f" ほか{len(pending) - 10}件" if len(pending) > 10 else ""
        raise DomainError(f"個人情報の可能性がある箇所が{len(pending)}件あります。修正するか、1件ずつ確認済みにしてください: {listed}{more}")


@_conflict_on_stale
def update(case: Case, data: dict, actor, expected_version=None, acknowledged=None) -> Case:
    """Save edits; a published case must stay free of unacknowledged findings and gets a new revision."""
    _check_version(case, expected_version)
    before = audit.snapshot(case, AUDITED)
    _apply(case, data)
    if acknowledged is not None:
        case.acknowledged_findings = sorted(set(acknowledged))
    if case.status == "published":
        db.session.flush()
        db.session.refresh(case, ["category"])
        try:
            _refuse_unacknowledged(anonymize.unacknowledged(findings(case), case.acknowledged_findings))
        except DomainError:
            db.session.rollback()
            raise
        _revise(case, actor)
        sync.enqueue(case.ref, "upsert")
    old, new = audit.diff(before, audit.snapshot(case, AUDITED))
    audit.record("case.updated", "case", case.id, actor, old, new)
    _commit_and_index(case)
    return case


@_conflict_on_stale
def publish(case: Case, actor, expected_version=None, acknowledged=()) -> Case:
    """Publish (or re-publish) the case once every finding is fixed or acknowledged; keeps a revision."""
    _check_version(case, expected_version)
    if case.status == "published":
        raise DomainError("この事例はすでに公開中です。")
    for name, label in (("title", "件名"), ("problem", "困りごと"), ("solution", "解決策")):
        if not (getattr(case, name) or "").strip():
            raise DomainError(f"公開するには「{label}」を入力してください。")
    acks = sorted(set(case.acknowledged_findings or []) | set(acknowledged or ()))
    _refuse_unacknowledged(anonymize.unacknowledged(findings(case), acks))
    before = audit.snapshot(case, AUDITED)
    case.acknowledged_findings = acks
    case.status = "published"
    case.published_at = utcnow()
    case.updated_at = case.published_at
    revision = _revise(case, actor)
    old, new = audit.diff(before, audit.snapshot(case, AUDITED))
    new["revision"] = revision.number
    audit.record("case.published", "case", case.id, actor, old, new)
    sync.enqueue(case.ref, "upsert")
    _commit_and_index(case)
    return case


@_conflict_on_stale
def archive(case: Case, actor, expected_version=None) -> Case:
    """End the publication of a case (nothing is deleted; it can be published again)."""
    _check_version(case, expected_version)
    if case.status != "published":
        raise DomainError("公開中の事例だけを公開終了にできます。")
    case.status = "archived"
    case.updated_at = utcnow()
    audit.record("case.archived", "case", case.id, actor, {"status": "published"}, {"status": "archived"})
    sync.enqueue(case.ref, "delete")
    _commit_and_index(case)
    return case


def mark_helpful(case: Case, user) -> bool:
    """Count one 「役に立った」 vote per user; returns False when the user already voted."""
    if case.status != "published":
        raise NotFound("事例が見つかりません。")
    if db.session.get(CaseHelpful, (case.id, user.id)) is not None:
        return False
    db.session.add(CaseHelpful(case_id=case.id, user_id=user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.execute(sql_update(Case).where(Case.id == case.id).values(helpful_count=Case.helpful_count + 1)
                       .execution_options(synchronize_session=False))
    sync.enqueue(case.ref, "upsert")
    db.session.commit()
    sync.drain()
    return True


def has_voted(case: Case, user) -> bool:
    """Whether the user already said the case helped."""
    return db.session.get(CaseHelpful, (case.id, user.id)) is not None


def record_view(case: Case) -> None:
    """Add one view atomically (UPDATE … SET view_count = view_count + 1)."""
    db.session.execute(sql_update(Case).where(Case.id == case.id).values(view_count=Case.view_count + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def revisions(case: Case) -> list[CaseRevision]:
    """The publications of a case, newest first."""
    return list(db.session.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id)
                                   .order_by(CaseRevision.number.desc())))


def get_case(ref: str, user, for_update: bool = False) -> Case:
    """The case `ref` as the user may see it: requesters only published ones (else NotFound)."""
    stmt = select(Case).where(Case.ref == ref).options(selectinload(Case.source_ticket))
    case = db.session.scalar(stmt)
    if case is None or (not user.is_staff and case.status != "published"):
        raise NotFound("事例が見つかりません。公開が終了したか、URLが間違っている可能性があります。")
    return case


def case_for_ticket(ticket) -> Case | None:
    """The case drafted from a ticket, if any."""
    return db.session.scalar(select(Case).where(Case.source_ticket_id == ticket.id).order_by(Case.id))
