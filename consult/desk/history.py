"""The 履歴 tab: every audit event of a ticket, with Japanese labels."""
from sqlalchemy import and_, or_, select

from models import PRIORITY_LABELS, STATUS_LABELS, URGENCY_LABELS, Attachment, AuditEvent, Comment, User, db

ACTION_LABELS = {
    "ticket.created": "相談の受付",
    "ticket.updated": "相談内容の変更",
    "ticket.triaged": "分類・優先度の設定",
    "ticket.assigned": "担当者の割当",
    "ticket.status_changed": "状態の変更",
    "ticket.resolution_recorded": "解決内容の記録",
    "ticket.note_added": "内部メモの追加",
    "ticket.replied": "DX担当からの返信",
    "ticket.comment_added": "返信",
    "ticket.requester_replied": "依頼者からの返信",
    "ticket.withdrawn": "取下げ",
    "ticket.reopened": "再開",
    "ticket.closed": "完了",
    "ticket.attachment_added": "添付ファイルの追加",
    "ticket.viewed": "閲覧",
    "comment.created": "返信・メモの追加",
    "comment.added": "返信・メモの追加",
    "attachment.created": "添付ファイルの追加",
    "attachment.added": "添付ファイルの追加",
    "attachment.downloaded": "添付ファイルのダウンロード",
    "case.drafted_from_ticket": "解決事例の下書き作成",
    "ticket.sla_paused": "解決期限の停止（回答待ち）",
    "ticket.sla_resumed": "解決期限の再開",
    "ticket.reminder_sent": "相談者への催促",
    "ticket.auto_closed": "自動で完了",
}
KEY_LABELS = {
    "status": "状態", "category": "分類", "category_id": "分類ID", "priority": "優先度",
    "first_response_due": "初回回答期限", "resolution_due": "解決期限",
    "main_handler": "主担当", "backup_handler": "副担当", "root_cause": "原因",
    "resolution_type": "解決方法の種類", "resolution_summary": "解決内容", "hours_saved_per_year": "年間削減時間",
    "comment_id": "コメント番号", "internal": "内部メモ", "title": "件名", "urgency": "緊急度",
    "filename": "ファイル名", "original_name": "ファイル名", "size": "サイズ", "number": "相談番号",
    "reason": "理由", "body": "本文", "ticket": "相談番号",
    "paused_on": "停止した日", "paused_days": "停止した営業日数",
    "waiting_since": "回答待ちにした日", "business_days": "経過した営業日数",
}
_VALUE_LABELS = {"status": STATUS_LABELS, "priority": PRIORITY_LABELS, "urgency": URGENCY_LABELS}


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


def login_names(events) -> dict[str, str]:
    """login → name for the handler logins mentioned in the events (one query)."""
    logins = {v for e in events for part in (e.before or {}, e.after or {})
              for k, v in part.items() if k in ("main_handler", "backup_handler") and v}
    if not logins:
        return {}
    return {login: name for login, name in db.session.execute(select(User.login, User.name).where(User.login.in_(logins)))}


def describe(values: dict | None, names: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's before/after in Japanese."""
    rows = []
    for key, value in (values or {}).items():
        if key in _VALUE_LABELS:
            text = _VALUE_LABELS[key].get(value, value)
        elif key in ("main_handler", "backup_handler"):
            text = f"{names.get(value, value)}（{value}）" if value else "なし"
        elif isinstance(value, bool):
            text = "はい" if value else "いいえ"
        elif value is None or value == "":
            text = "（なし）"
        else:
            text = str(value)
        rows.append((KEY_LABELS.get(key, key), text))
    return rows
