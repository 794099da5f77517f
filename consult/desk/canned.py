"""定型文 (canned replies): shared templates with placeholders, filled in for a ticket; links to published cases."""
import re

from flask import url_for
from sqlalchemy import select

from consult.audit import record
from consult.errors import DomainError, NotFound
from models import CannedReply, Case, db, utcnow

PLACEHOLDERS = {
    "相談者名": lambda t: t.requester.name if t.requester else "",
    "番号": lambda t: t.number,
    "件名": lambda t: t.title,
    "主担当": lambda t: t.main_handler.name if t.main_handler else "（未割当）",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def fill(body: str, ticket) -> str:
    """The template text with {相談者名} {番号} {件名} {主担当} replaced from the ticket (other braces kept)."""
    return _PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)](ticket), body or "")


def active_replies() -> list[CannedReply]:
    """The templates offered on the ticket page, by title."""
    return list(db.session.scalars(select(CannedReply).where(CannedReply.active.is_(True)).order_by(CannedReply.title, CannedReply.id)))


def all_replies() -> list[CannedReply]:
    """Every template (retired ones last) for the management page."""
    return list(db.session.scalars(select(CannedReply).order_by(CannedReply.active.desc(), CannedReply.title, CannedReply.id)))


def get_reply(reply_id: int) -> CannedReply:
    """The template with this id, or NotFound."""
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("定型文が見つかりません。")
    return reply


def _clean(title: str, body: str) -> tuple[str, str]:
    """Stripped title and body, or a Japanese DomainError."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 100:
        raise DomainError("定型文の名前は1〜100文字で入力してください。")
    if not body or len(body) > 10000:
        raise DomainError("定型文の本文は1〜10000文字で入力してください。")
    return title, body


def save_reply(reply: CannedReply | None, title: str, body: str, active: bool, actor) -> CannedReply:
    """Create (reply=None) or change a template; audited. Retiring is active=False (nothing is deleted)."""
    if not actor.is_staff:
        raise DomainError("定型文はDX担当職員だけが編集できます。")
    title, body = _clean(title, body)
    if reply is None:
        reply = CannedReply(title=title, body=body, active=True, created_by_id=actor.id, created_at=utcnow(), updated_at=utcnow())
        db.session.add(reply)
        db.session.flush()
        record("canned_reply.created", "canned_reply", reply.id, actor, after={"title": title, "body": body})
    else:
        before = {"title": reply.title, "body": reply.body, "active": reply.active}
        reply.title, reply.body, reply.active, reply.updated_at = title, body, bool(active), utcnow()
        after = {"title": reply.title, "body": reply.body, "active": reply.active}
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            db.session.rollback()
            return reply
        record("canned_reply.updated", "canned_reply", reply.id, actor,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.commit()
    return reply


def case_link(case) -> str:
    """A Markdown link to a published case, for a reply."""
    return f"[{case.title}]({url_for('cases.show', ref=case.ref, _external=True)})"


def find_cases(q: str, user, limit: int = 8) -> list[Case]:
    """Published cases for a ref or words (the same search as the suggestions)."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    exact = db.session.scalar(select(Case).where(Case.ref == q, Case.status == "published"))
    if exact is not None:
        return [exact]
    from consult.search import query, sync

    refs = [h.ref for h in query.search(sync.get_index(), q, limit=limit).hits][:limit]
    if not refs:
        return []
    by_ref = {c.ref: c for c in db.session.scalars(select(Case).where(Case.ref.in_(refs), Case.status == "published"))}
    return [by_ref[r] for r in refs if r in by_ref]
