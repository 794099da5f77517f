"""満足度: one optional rating (5 levels) and comment per 完了 consultation, POST only; figures for 実績."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult import audit
from consult.errors import DomainError, NotAllowed
from models import SATISFACTION_LABELS, TicketSatisfaction, db, utcnow

from .transitions import roles_of

MAX_COMMENT = 2000


def rating_of(ticket) -> TicketSatisfaction | None:
    """The rating given for the ticket, if any."""
    return db.session.scalar(select(TicketSatisfaction).where(TicketSatisfaction.ticket_id == ticket.id))


def can_rate(ticket, user) -> bool:
    """A requester of the ticket's department, on a 完了 ticket not rated yet."""
    return (ticket.status == "closed" and "requester" in roles_of(ticket, user) and not user.is_staff
            and rating_of(ticket) is None)


def record_rating(ticket, rating, comment: str, actor) -> TicketSatisfaction:
    """Store the rating and comment (audited); only once, only for a 完了 ticket, only by its department."""
    if "requester" not in roles_of(ticket, actor) or actor.is_staff:
        raise NotAllowed("満足度は相談した所属の方だけが回答できます。")
    if ticket.status != "closed":
        raise DomainError("満足度は、相談が完了してから回答できます。")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise DomainError("満足度を5段階から選んでください。") from None
    if rating not in SATISFACTION_LABELS:
        raise DomainError("満足度を5段階から選んでください。")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"コメントは{MAX_COMMENT}文字以内で入力してください。")
    if rating_of(ticket) is not None:
        raise DomainError("この相談の満足度は回答済みです。ありがとうございました。")
    row = TicketSatisfaction(ticket_id=ticket.id, user_id=actor.id, rating=rating, comment=comment, created_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
        audit.record("ticket.satisfaction_recorded", "ticket", ticket.id, actor, after={"rating": rating, "comment": comment})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("この相談の満足度は回答済みです。ありがとうございました。") from None
    return row


def summary(period) -> dict:
    """Ratings given in the period: count, average and count per level (for 実績)."""
    stmt = (select(TicketSatisfaction.rating, func.count()).where(
        TicketSatisfaction.created_at >= period.utc_start, TicketSatisfaction.created_at < period.utc_end)
        .group_by(TicketSatisfaction.rating))
    per = {level: 0 for level in sorted(SATISFACTION_LABELS, reverse=True)}
    per.update({rating: n for rating, n in db.session.execute(stmt)})
    count = sum(per.values())
    average = sum(r * n for r, n in per.items()) / count if count else None
    return {"count": count, "average": average, "per_level": per, "labels": SATISFACTION_LABELS}


def page_state(ticket, user) -> dict:
    """What the ticket page shows of 満足度: whether `user` may rate now, the rating given, the level labels."""
    rating = rating_of(ticket) if ticket.status == "closed" else None
    return {"can_rate": rating is None and can_rate(ticket, user), "rating": rating, "labels": SATISFACTION_LABELS}
