"""受付一覧 additions: the requester filter (name or login), and which tickets the requester answered last."""
from sqlalchemy import func, select

from models import Comment, User, db
from models.querying import person_matches

MAX_REQUESTER = 100


def parse_requester(value) -> str:
    """The 相談者 filter text, trimmed and bounded."""
    return str(value or "").strip()[:MAX_REQUESTER]


def requester_clause(text: str, ticket_requester_id):
    """Tickets whose requester's name contains `text` (spaces ignored) or whose login is `text`."""
    people = select(User.id).where(person_matches(User.name, User.login, text))
    return ticket_requester_id.in_(people)


def replied_by_requester(tickets) -> set[int]:
    """Ids of the open tickets whose latest public message is not from DX staff (「相談者から返信あり」); two queries."""
    ids = [t.id for t in tickets if t.is_open]
    if not ids:
        return set()
    last = (select(func.max(Comment.id)).where(Comment.ticket_id.in_(ids), Comment.internal.is_(False))
            .group_by(Comment.ticket_id))
    stmt = (select(Comment.ticket_id).join(User, User.id == Comment.author_id)
            .where(Comment.id.in_(last), User.role == "requester"))
    return set(db.session.scalars(stmt))
