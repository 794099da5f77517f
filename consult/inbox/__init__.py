"""お知らせ: in-app notifications. `add_*` put rows in the caller's transaction (the caller commits); the
header shows the unread count and /notifications lists them; opening one marks it read."""
from flask import Blueprint
from sqlalchemy import func, select, update

from models import STATUS_LABELS, Notification, User, db, utcnow

from .mentions import mentioned_users

bp = Blueprint("inbox", __name__)
PER_PAGE = 50


def _add(users, kind: str, ticket, text: str, actor=None) -> None:
    """One unread notice per distinct active user, never to the actor themself."""
    seen = set()
    for user in users:
        if user is None or not user.active or user.id in seen or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, kind=kind, ticket_id=ticket.id, text=text[:300], created_at=utcnow()))


def add_assigned(ticket, handlers, actor=None) -> None:
    """「担当になりました」 for newly assigned handlers."""
    _add(handlers, "assigned", ticket, f"{ticket.number}「{ticket.title}」の担当になりました", actor)


def add_requester_reply(ticket, comment) -> None:
    """「相談者から返信」 for the ticket's handlers."""
    _add([ticket.main_handler, ticket.backup_handler], "requester_reply", ticket,
         f"{ticket.number}「{ticket.title}」に相談者から返信がありました", comment.author)


def add_status_changed(ticket, old_status: str, actor=None) -> None:
    """For the requester: their consultation changed status (changes made by the desk)."""
    if actor is not None and not actor.is_staff:
        return
    _add([ticket.requester], "status_changed", ticket,
         f"{ticket.number}「{ticket.title}」の状態が「{STATUS_LABELS.get(old_status, old_status)}」から「{ticket.status_label}」になりました",
         actor)


def add_mentions(ticket, comment) -> list[User]:
    """「メモで呼ばれました」 for the people @mentioned in an internal note; returns them."""
    people = mentioned_users(comment.body)
    _add(people, "mention", ticket, f"{ticket.number}「{ticket.title}」の内部メモで{comment.author.name}さんから呼ばれました",
         comment.author)
    return people


def unread_count(user) -> int:
    """Unread notices of the user (one indexed COUNT)."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def latest(user, limit: int = PER_PAGE) -> list[Notification]:
    """The user's newest notices."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def open_notice(notice_id: int, user) -> Notification | None:
    """Mark one of the user's notices read (commit) and return it; None when it is not theirs."""
    notice = db.session.get(Notification, notice_id)
    if notice is None or notice.user_id != user.id:
        return None
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.commit()
    return notice


def mark_all_read(user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0


from . import views  # noqa: E402,F401
