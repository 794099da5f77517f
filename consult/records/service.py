"""Per-record retention: the 保存期間満了 due list, 延長, 保留 (hold), and the two-step proposal/approval."""
from dataclasses import dataclass
from datetime import date
from functools import wraps

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from consult import audit, transactions
from consult.errors import ConflictError, DomainError, NotAllowed, NotFound
from models import Category, Department, RecordRetention, Ticket, db, utcnow
from models.records import ACTION_LABELS, STATE_LABELS, years_label

from . import rules, schedule

STATE_TEXT = STATE_LABELS
CONFLICT = transactions.conflict_message("この記録の保存期間の状態")


@dataclass
class RecordRow:
    """A record (ticket) with its retention figures, for the due list and the ファイル管理簿."""

    ticket_id: int
    number: str
    title: str
    status: str
    category: str
    department: str
    created_at: object
    completed: date | None
    years: int | None
    action: str
    extension_years: int
    expiry: date | None
    held: bool
    hold_reason: str
    state: str | None
    version: int  # retention row version; 0 = no row yet

    @property
    def years_label(self) -> str:
        """保存期間 (with the extension) in Japanese."""
        label = years_label(self.years)
        return f"{label}（{self.extension_years}年延長）" if self.extension_years and self.years is not None else label

    @property
    def action_label(self) -> str:
        """廃棄 or 移管."""
        return ACTION_LABELS.get(self.action, self.action)


def _rows_select():
    """Tickets not disposed, with category, department and retention state (one query)."""
    return (
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Category.name, Department.name, Ticket.created_at,
               Ticket.closed_at, Ticket.withdrawn_at, Ticket.category_id, RecordRetention)
        .select_from(Ticket)
        .join(Department, Department.id == Ticket.department_id)
        .outerjoin(Category, Category.id == Ticket.category_id)
        .outerjoin(RecordRetention, RecordRetention.ticket_id == Ticket.id)
        .where(or_(RecordRetention.state.is_(None), RecordRetention.state != "disposed"))
        .order_by(Ticket.id)
        .execution_options(populate_existing=True)  # the retention state as stored now, not as first loaded
    )


def _row(r, rule_map) -> RecordRow:
    """Turn a result row into a RecordRow with the computed 満了日."""
    tid, number, title, status, cat, dept, created, closed, withdrawn, cat_id, ret = r
    years, action = rules.rule_for(rule_map, cat_id)
    ext = ret.extension_years if ret else 0
    done = schedule.completed_on(status, closed, withdrawn)
    return RecordRow(tid, number, title, status, cat or "未分類", dept, created, done, years,
                     ret.action if ret and ret.action else action, ext, schedule.expires_on(done, years, ext),
                     bool(ret and ret.held), ret.hold_reason if ret else "", ret.state if ret else None,
                     ret.version if ret else 0)


def current_records(only_completed: bool = False):
    """Yield every record not disposed, as RecordRow (streamed in chunks)."""
    rule_map = rules.rule_map()
    stmt = _rows_select()
    if only_completed:
        stmt = stmt.where(Ticket.status.in_(schedule.COMPLETED_STATUSES))
    for r in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield _row(r, rule_map)


def due_records(as_of: date) -> list[RecordRow]:
    """Records whose 保存期間 ended before `as_of` (holds included, marked), oldest 満了日 first. Changes nothing."""
    rows = [row for row in current_records(only_completed=True) if schedule.is_due(row.expiry, as_of)]
    return sorted(rows, key=lambda row: (row.expiry, row.number))


def record_row(ticket_id: int) -> RecordRow:
    """One record's RecordRow (NotFound when disposed or missing)."""
    r = db.session.execute(_rows_select().where(Ticket.id == ticket_id)).first()
    if r is None:
        raise NotFound("記録が見つからないか、すでに廃棄されています。")
    return _row(r, rules.rule_map())


def _retention(ticket_id: int) -> RecordRetention:
    """The retention row of a ticket, created (not yet flushed) when missing."""
    ret = db.session.get(RecordRetention, ticket_id, populate_existing=True)
    if ret is None:
        if db.session.get(Ticket, ticket_id) is None:
            raise NotFound("記録が見つかりません。")
        ret = RecordRetention(ticket_id=ticket_id, extension_years=0, held=False)  # added once the checks pass
    return ret


def _check(ret: RecordRetention, expected_version: int | None) -> None:
    """Optimistic check: the page showed `expected_version` of the retention row."""
    if expected_version is None or (ret.version or 0) != expected_version:
        raise ConflictError(CONFLICT)
    if ret.state == "disposed":
        raise DomainError("この記録はすでに廃棄されています。")


def _commit() -> None:
    """Commit; a concurrent change of the same retention row is a ConflictError."""
    transactions.commit(CONFLICT, also=(IntegrityError,))


def _atomic(operation):
    """One transaction: a refused operation leaves nothing behind in the session."""

    @wraps(operation)
    def wrapped(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            raise

    return wrapped


def _snapshot(ret: RecordRetention) -> dict:
    """Audit view of a retention row."""
    return audit.snapshot(ret, ("extension_years", "held", "hold_reason", "state", "action"))


@_atomic
def extend(ticket_id: int, years: int, reason: str, expected_version: int, actor) -> RecordRetention:
    """延長: add `years` to the 保存期間 with a reason; a pending proposal is withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("延長の理由を入力してください。")
    if not 1 <= years <= 30:
        raise DomainError("延長する年数は1〜30年で入力してください。")
    ret = _retention(ticket_id)
    _check(ret, expected_version)
    if ret.state in ("packaged", "confirmed"):
        raise DomainError("移管済みの記録は延長できません。")
    before = _snapshot(ret)
    ret.extension_years = (ret.extension_years or 0) + years
    ret.extension_reason = reason
    ret.state, ret.action, ret.updated_at = None, None, utcnow()
    db.session.add(ret)
    db.session.flush()
    audit.record("retention.extended", "ticket", ticket_id, actor, before=before,
                 after={**_snapshot(ret), "years_added": years, "reason": reason})
    _commit()
    return ret


@_atomic
def hold(ticket_id: int, reason: str, expected_version: int, actor) -> RecordRetention:
    """保留 (e.g. 開示請求): stop disposal until released; a pending proposal or approval is withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("保留の理由（例：開示請求中）を入力してください。")
    ret = _retention(ticket_id)
    _check(ret, expected_version)
    if ret.held:
        raise DomainError("この記録はすでに保留中です。")
    before = _snapshot(ret)
    ret.held, ret.hold_reason, ret.updated_at = True, reason, utcnow()
    if ret.state in ("proposed", "approved"):
        ret.state, ret.action = None, None
    db.session.add(ret)
    db.session.flush()
    audit.record("retention.held", "ticket", ticket_id, actor, before=before, after=_snapshot(ret))
    _commit()
    return ret


@_atomic
def release(ticket_id: int, expected_version: int, actor) -> RecordRetention:
    """Release a hold: the record can be proposed for disposal again."""
    ret = _retention(ticket_id)
    _check(ret, expected_version)
    if not ret.held:
        raise DomainError("この記録は保留されていません。")
    before = _snapshot(ret)
    ret.held, ret.updated_at = False, utcnow()
    db.session.flush()
    audit.record("retention.released", "ticket", ticket_id, actor, before=before, after=_snapshot(ret))
    _commit()
    return ret


@_atomic
def propose(selected: dict[int, int], as_of: date, actor) -> int:
    """Step 1 (DX staff): propose disposal/transfer of due records {ticket_id: version seen}; all or nothing."""
    if not selected:
        raise DomainError("提案する記録を選んでください。")
    rule_map = rules.rule_map()
    for ticket_id, version in selected.items():
        r = db.session.execute(_rows_select().where(Ticket.id == ticket_id)).first()
        if r is None:
            raise NotFound("記録が見つからないか、すでに廃棄されています。")
        row = _row(r, rule_map)
        ret = _retention(ticket_id)
        _check(ret, version)
        if ret.held:
            raise DomainError(f"{row.number} は保留中のため提案できません（{ret.hold_reason}）。")
        if ret.state is not None:
            raise DomainError(f"{row.number} はすでに「{ret.state_label}」です。")
        if not schedule.is_due(row.expiry, as_of):
            raise DomainError(f"{row.number} は{as_of:%Y年%m月%d日}の時点で保存期間が満了していません。")
        before = _snapshot(ret)
        ret.state, ret.action = "proposed", row.action
        ret.proposed_by_id, ret.proposed_at, ret.updated_at = actor.id, utcnow(), utcnow()
        ret.approved_by_id = ret.approved_at = None
        db.session.add(ret)
        db.session.flush()
        audit.record("retention.proposed", "ticket", ticket_id, actor, before=before,
                     after={**_snapshot(ret), "expires_on": row.expiry.isoformat(), "as_of": as_of.isoformat()})
    _commit()
    return len(selected)


def _pending(ticket_id: int, expected_version: int, state: str) -> RecordRetention:
    """The retention row in `state` at `expected_version`, else a Conflict/DomainError."""
    ret = db.session.get(RecordRetention, ticket_id, populate_existing=True)
    if ret is None:
        raise NotFound("記録が見つかりません。")
    _check(ret, expected_version)
    if ret.state != state:
        raise DomainError(f"この記録は「{ret.state_label or '提案なし'}」のため、この操作はできません。")
    return ret


@_atomic
def approve(ticket_id: int, expected_version: int, actor) -> RecordRetention:
    """Step 2 (admin, 文書管理者): approve a proposal; another person than the proposer must approve."""
    if getattr(actor, "role", None) != "admin":
        raise NotAllowed("承認できるのは文書管理者（管理者）だけです。")
    ret = _pending(ticket_id, expected_version, "proposed")
    if ret.held:
        raise DomainError("保留中の記録は承認できません。")
    if ret.proposed_by_id == actor.id:
        raise NotAllowed("提案した人とは別の文書管理者が承認してください。")
    before = _snapshot(ret)
    ret.state, ret.approved_by_id, ret.approved_at, ret.updated_at = "approved", actor.id, utcnow(), utcnow()
    db.session.flush()
    audit.record("retention.approved", "ticket", ticket_id, actor, before=before, after=_snapshot(ret))
    _commit()
    return ret


@_atomic
def reject(ticket_id: int, expected_version: int, actor) -> RecordRetention:
    """Send a proposal back (差戻し): the record stays as it is."""
    if getattr(actor, "role", None) != "admin":
        raise NotAllowed("差し戻しできるのは文書管理者（管理者）だけです。")
    ret = _pending(ticket_id, expected_version, "proposed")
    before = _snapshot(ret)
    ret.state, ret.action, ret.updated_at = None, None, utcnow()
    db.session.flush()
    audit.record("retention.rejected", "ticket", ticket_id, actor, before=before, after=_snapshot(ret))
    _commit()
    return ret


@_atomic
def confirm_transfer(ticket_id: int, expected_version: int, actor) -> RecordRetention:
    """The archives confirmed receipt of the package: the local copy is disposed by the next `jobs run`."""
    if getattr(actor, "role", None) != "admin":
        raise NotAllowed("受領確認できるのは文書管理者（管理者）だけです。")
    ret = _pending(ticket_id, expected_version, "packaged")
    before = _snapshot(ret)
    ret.state, ret.updated_at = "confirmed", utcnow()
    db.session.flush()
    audit.record("retention.transfer_confirmed", "ticket", ticket_id, actor, before=before, after=_snapshot(ret))
    _commit()
    return ret


def pending(states=("proposed", "approved", "packaged", "confirmed")) -> list[tuple[RecordRetention, RecordRow]]:
    """Records under way (proposal, approval, package, confirmation), with their figures."""
    rets = list(db.session.scalars(select(RecordRetention).where(RecordRetention.state.in_(states))
                                   .order_by(RecordRetention.proposed_at, RecordRetention.ticket_id)
                                   .execution_options(populate_existing=True)))
    rule_map = rules.rule_map()
    rows = {r[0]: _row(r, rule_map) for r in db.session.execute(
        _rows_select().where(Ticket.id.in_([ret.ticket_id for ret in rets])))} if rets else {}
    return [(ret, rows[ret.ticket_id]) for ret in rets if ret.ticket_id in rows]
