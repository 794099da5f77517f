"""The 履歴 tab: every audit event of a ticket, readable by an auditor: Japanese field names, names instead of
ids, dates in the app's format, long text changes as a marked before/after."""
import difflib
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape
from sqlalchemy import and_, or_, select

from consult.jdates import format_date, format_datetime
from models import (
    PRIORITY_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Attachment,
    AuditEvent,
    Category,
    Comment,
    Department,
    User,
    db,
)

ACTION_LABELS = {
    "ticket.created": "相談の受付",
    "ticket.triaged": "分類・優先度の設定",
    "ticket.assigned": "担当者の割当",
    "ticket.status_changed": "状態の変更",
    "ticket.resolution_recorded": "解決内容の記録",
    "ticket.note_added": "内部メモの追加",
    "ticket.replied": "DX推進担当からの返信",
    "ticket.requester_replied": "相談者からの返信",
    "comment.added": "返信（以前の記録）",  # written by the ticket page before ticket.replied / ticket.requester_replied
    "attachment.added": "添付ファイルの追加",
    "attachment.downloaded": "添付ファイルのダウンロード",
    "attachment.viewed": "添付ファイルの表示",
    "case.drafted_from_ticket": "解決事例の下書き作成",
    "ticket.sla_paused": "解決期限の停止（回答待ち）",
    "ticket.sla_resumed": "解決期限の再開",
    "ticket.reminder_sent": "相談者への催促",
    "ticket.auto_closed": "自動で完了",
}
KEY_LABELS = {
    "number": "受付番号", "ticket": "受付番号", "title": "件名", "department_id": "所属", "requester_id": "相談者",
    "purpose": "業務の目的", "current_process": "現在のやり方", "problem": "困っていること", "desired_state": "目指したい状態",
    "frequency": "頻度", "hours_per_month": "月あたりの作業時間", "urgency": "緊急度", "desired_timing": "希望時期",
    "contains_personal_info": "個人情報", "status": "状態", "category": "分類", "category_id": "分類", "priority": "優先度",
    "first_response_due": "初回回答期限", "resolution_due": "解決期限",
    "main_handler": "主担当", "backup_handler": "副担当", "root_cause": "原因",
    "resolution_type": "解決方法の種類", "resolution_summary": "解決内容", "hours_saved_per_year": "年間削減時間",
    "comment_id": "やりとり", "internal": "内部メモ", "filename": "ファイル名", "original_name": "ファイル名",
    "name": "ファイル名", "size": "大きさ", "sha256": "ハッシュ値（SHA-256）", "reason": "理由", "body": "本文",
    "paused_on": "停止した日", "paused_days": "停止した営業日数",
    "waiting_since": "回答待ちにした日", "business_days": "経過した営業日数",
}
_VALUE_LABELS = {"status": STATUS_LABELS, "priority": PRIORITY_LABELS, "urgency": URGENCY_LABELS}
_DATE_KEYS = ("first_response_due", "resolution_due")
LONG_TEXT = 30  # characters: longer values (or several lines) are shown as blocks with the changes marked


@dataclass
class Change:
    """One field of an audit event: Japanese label, before and after as display text, and a marked diff."""

    label: str
    before: str | None
    after: str | None
    long: bool = False
    diff: Markup | None = None


def ticket_events(ticket) -> list[AuditEvent]:
    """Audit events of the ticket and of its comments and attachments, oldest first (one query)."""
    comment_ids = select(Comment.id).where(Comment.ticket_id == ticket.id)
    attachment_ids = select(Attachment.id).where(Attachment.ticket_id == ticket.id)
    stmt = select(AuditEvent).where(or_(
        and_(AuditEvent.object_type == "ticket", AuditEvent.object_id == ticket.id),
        and_(AuditEvent.object_type == "comment", AuditEvent.object_id.in_(comment_ids)),
        and_(AuditEvent.object_type == "attachment", AuditEvent.object_id.in_(attachment_ids)),
    )).order_by(AuditEvent.created_at, AuditEvent.id)
    return list(db.session.scalars(stmt))


def action_label(action: str) -> str:
    """Japanese name of an audit action (the raw name when unknown)."""
    return ACTION_LABELS.get(action, action)


def lookups(events) -> dict[str, dict]:
    """Names for the ids and logins the events mention: handlers, requesters, departments, categories (one query each)."""
    wanted: dict[str, set] = {"login": set(), "user": set(), "department": set(), "category": set()}
    keys = {"main_handler": "login", "backup_handler": "login", "requester_id": "user",
            "department_id": "department", "category_id": "category"}
    for e in events:
        for part in (e.before or {}, e.after or {}):
            for key, value in part.items():
                if key in keys and value not in (None, ""):
                    wanted[keys[key]].add(value)
    found: dict[str, dict] = {k: {} for k in wanted}
    if wanted["login"]:
        found["login"] = dict(db.session.execute(select(User.login, User.name).where(User.login.in_(wanted["login"]))).all())
    if wanted["user"]:
        found["user"] = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted["user"]))).all())
    if wanted["department"]:
        rows = db.session.scalars(select(Department).where(Department.id.in_(wanted["department"])))
        found["department"] = {d.id: d.full_name for d in rows}
    if wanted["category"]:
        found["category"] = dict(db.session.execute(select(Category.id, Category.name).where(Category.id.in_(wanted["category"]))).all())
    return found


def login_names(events) -> dict[str, dict]:
    """Kept for callers of the former API: the same as `lookups`."""
    return lookups(events)


def _size(n) -> str:
    """A file size in KB/MB."""
    return f"{n / 1024:.1f} KB" if n < 1048576 else f"{n / 1048576:.1f} MB"


def _date_text(value: str, wareki: bool) -> str:
    """An ISO date or datetime from the audit log in the app's format (JST, 和暦 when chosen)."""
    try:
        if len(value) <= 10:
            return format_date(date.fromisoformat(value), wareki=wareki)
        return format_datetime(datetime.fromisoformat(value), wareki=wareki)
    except ValueError:
        return value


def value_text(key: str, value, names: dict, wareki: bool = False) -> str:
    """One audit value as Japanese display text: names instead of ids, app date format, labels for codes."""
    if value is None or value == "":
        return "（なし）"
    if key in _VALUE_LABELS:
        return _VALUE_LABELS[key].get(value, value)
    if key in ("main_handler", "backup_handler"):
        return names.get("login", {}).get(value, value)
    if key == "requester_id":
        return names.get("user", {}).get(value, "（不明な利用者）")
    if key == "department_id":
        return names.get("department", {}).get(value, "（不明な所属）")
    if key == "category_id":
        return names.get("category", {}).get(value, "（不明な分類）")
    if isinstance(value, bool):
        return ("含む" if value else "含まない") if key == "contains_personal_info" else ("はい" if value else "いいえ")
    if key in _DATE_KEYS and isinstance(value, str):
        return _date_text(value, wareki)
    if key == "size" and isinstance(value, int):
        return _size(value)
    if key == "comment_id":
        return f"投稿 {value}"
    if key in ("hours_per_month", "hours_saved_per_year"):
        return f"{value:g}時間" if isinstance(value, (int, float)) else str(value)
    return str(value)


def _is_long(text: str | None) -> bool:
    """Whether a value is better read as a block than inline."""
    return text is not None and (len(text) > LONG_TEXT or "\n" in text)


def text_diff(before: str, after: str) -> Markup:
    """The after-text with deleted parts in <del> and inserted parts in <ins> (escaped)."""
    out = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(before[a1:a2]))
        if op in ("delete", "replace"):
            out.append(Markup("<del>{}</del>").format(before[a1:a2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>{}</ins>").format(after[b1:b2]))
    return Markup("").join(out)


def changes(event, names: dict, wareki: bool = False) -> list[Change]:
    """The fields of one audit event as Japanese before/after pairs (category_id hidden when a name is there)."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    if "category" in keys and "category_id" in keys:
        keys.remove("category_id")
    rows = []
    for key in keys:
        old = value_text(key, before[key], names, wareki) if key in before else None
        new = value_text(key, after[key], names, wareki) if key in after else None
        long = _is_long(old) or _is_long(new)
        diff = text_diff(old, new) if long and old is not None and new is not None else None
        rows.append(Change(KEY_LABELS.get(key, key), old, new, long, diff))
    return rows


def describe(values: dict | None, names: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's before or after in Japanese."""
    names = names if "login" in names else {"login": names}
    return [(KEY_LABELS.get(k, k), value_text(k, v, names)) for k, v in (values or {}).items()]
