"""「電話・対面で受けた相談」: DX staff file a consultation for a named requester."""
from sqlalchemy import select
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired

from consult.tickets.forms import IntakeForm
from models import CHANNEL_LABELS, User, db
from models.querying import person_matches

STAFF_CHANNELS = [(code, label) for code, label in CHANNEL_LABELS.items() if code != "web"] + [("web", "画面（代理で入力）")]
SEARCH_LIMIT = 20


class OnBehalfForm(IntakeForm):
    """The intake form plus the requester (login) and how the consultation reached the desk."""

    requester = HiddenField(validators=[DataRequired(message="相談者を選んでください")])
    channel = RadioField("受付方法", choices=STAFF_CHANNELS, default="phone",
                         validators=[DataRequired(message="受付方法を選んでください")])


def find_requesters(q: str) -> list[User]:
    """Active requesters whose login is `q` or whose name contains it (spaces ignored), at most SEARCH_LIMIT."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    stmt = (select(User).where(User.active.is_(True), User.role == "requester", User.department_id.is_not(None),
                               person_matches(User.name, User.login, q))
            .order_by(User.name, User.login).limit(SEARCH_LIMIT))
    return list(db.session.scalars(stmt))


def requester_by_login(login: str) -> User | None:
    """The active requester with this login, or None."""
    if not login:
        return None
    user = db.session.scalar(select(User).where(User.login == login.strip()))
    return user if user is not None and user.active and user.role == "requester" else None
