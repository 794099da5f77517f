"""Reply and change the status in one step: 「送信して回答待ちにする」「送信して解決にする」 under the reply box."""
from consult import notify
from consult.errors import ConflictError, DomainError, NotAllowed
from consult.tickets import lifecycle, transitions
from consult.tickets.service import add_attachments
from consult.tickets.workflow import can_transition
from models import STATUS_LABELS, Comment, utcnow

from .forms import ResolveForm as _PanelResolveForm
from .service import CONFLICT_MESSAGE, check_resolution, write_resolution


class ResolveForm(_PanelResolveForm):
    """The panel's resolution fields under their own labels (both forms are on the ticket page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("root_cause", "原因（送信して解決）"), ("resolution_type", "解決方法の種類（送信して解決）"),
                            ("resolution_summary", "解決内容（送信して解決）"),
                            ("hours_saved_per_year", "年間削減時間（時間）（送信して解決）")):
            self[name].label.text = label


TARGETS = {"waiting": "送信して回答待ちにする", "resolved": "送信して解決にする"}
PREFIX = "reply-resolve"


def reply_and_set_status(ticket, body: str, uploads, target: str, actor, version: int | None = None,
                         resolution: dict | None = None) -> Comment:
    """Send a public reply and move the ticket to 回答待ち or 解決 in one transaction (both audited)."""
    if not actor.is_staff:
        raise NotAllowed("DX担当職員だけが操作できます。")
    if target not in TARGETS:
        raise DomainError("変更後の状態が正しくありません。")
    if version is not None and version != ticket.version:
        raise ConflictError(CONFLICT_MESSAGE, current=ticket)
    body = (body or "").strip()
    if not body:
        raise DomainError("返信の内容を入力してください。")
    if not can_transition(ticket.status, target, "dx_staff"):
        raise DomainError(f"「{ticket.status_label}」から「{STATUS_LABELS[target]}」には変更できません。返信だけを送る場合は「返信を送信する」を押してください。")
    if target == "resolved":
        resolution = resolution or {}
        cause, summary = check_resolution(resolution.get("root_cause"), resolution.get("resolution_type"),
                                          resolution.get("resolution_summary"), resolution.get("hours_saved_per_year"))
    now = utcnow()
    written: list[str] = []
    with lifecycle._transaction(written):
        comment = transitions.add_message(ticket, body, actor, now=now)
        written.extend(add_attachments(ticket, uploads, actor, comment=comment))
        if target == "resolved":
            write_resolution(ticket, cause, resolution["resolution_type"], summary,
                             resolution.get("hours_saved_per_year"), actor)
        transitions.apply(ticket, target, actor, now)
    notify.send_pending()
    return comment


def resolve_form(ticket, posted: bool = False) -> ResolveForm:
    """The resolution fields shown under 「送信して解決にする」 (own prefix: the panel has its own resolve form)."""
    no_csrf = {"csrf": False}  # part of the reply form, whose own token is checked
    if posted:
        return ResolveForm(prefix=PREFIX, meta=no_csrf)
    return ResolveForm(formdata=None, prefix=PREFIX, meta=no_csrf, data={"version": ticket.version, "resolution_type": ""})


def reply_then_context(ticket) -> dict:
    """What `desk/_reply_then.html` needs: the targets allowed now and the resolution form (kept after an error)."""
    from flask import request

    posted = request.method == "POST" and request.endpoint == "desk.reply_then"
    targets = {t: label for t, label in TARGETS.items() if can_transition(ticket.status, t, "dx_staff")}
    return {"targets": targets, "form": resolve_form(ticket, posted), "open": posted and request.form.get("then") == "resolved"}
