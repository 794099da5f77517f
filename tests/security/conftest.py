"""Fixtures of the security tests: a small world of tickets, notes, attachments and cases, and fast logins."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from models import Attachment, Case, User, db
from tests import factories

MARKER = "SECRET-INTERNAL-7f3a9c"  # only ever written into internal notes
ROLES = ("anonymous", "requester", "other", "dx_staff", "admin")


def login_as(client, user: User | None):
    """Log `client` in as `user` by writing the Flask-Login session directly (argon2 logins cost ~0.7 s each)."""
    with client.session_transaction() as sess:
        sess.clear()
        if user is not None:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
    return client


@dataclass
class World:
    """What the matrix and leak tests act upon."""

    users: dict
    ticket: object
    public_comment: object
    internal_note: object
    attachment: object
    draft_case: object
    published_case: object
    archived_case: object
    category: object

    def user(self, role: str) -> User | None:
        """The user acting as `role` (None for anonymous)."""
        return None if role == "anonymous" else self.users[role]


def attach(ticket, uploader, name="集計表.txt", data=b"hello, attachment\n", comment=None) -> Attachment:
    """Store a real file for `ticket` through the attachments module and add its row."""
    from consult.tickets.attachments import Upload, write_file

    upload = Upload(name=name, data=data, content_type="text/plain")
    row = Attachment(ticket=ticket, comment_id=comment.id if comment else None, original_name=name,
                     stored_name=write_file(upload), content_type="text/plain", size=upload.size,
                     sha256=upload.sha256, uploaded_by_id=uploader.id)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(app, users):
    """A ticket of department A (public reply, internal note with MARKER, attachment) and three cases."""
    category = factories.make_category("集計・データ処理")
    ticket = factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff"],
                                   category=category)
    public = factories.make_comment(ticket, users["dx_staff"], body="公開の返信です。")
    note = factories.make_comment(ticket, users["dx_staff"], body=f"内部メモ {MARKER} 担当者だけが見る", internal=True)
    attachment = attach(ticket, users["requester"])
    draft = factories.make_case(ref="SEC-DRAFT", title="下書きの事例", status="draft")
    published = factories.make_case(ref="SEC-PUB", title="公開の事例", status="published")
    archived = factories.make_case(ref="SEC-ARCH", title="保管の事例", status="archived")
    return World(users, ticket, public, note, attachment, draft, published, archived, category)


@pytest.fixture
def as_role(app, world):
    """Factory: a new test client logged in as a role of the matrix."""

    def make(role: str):
        return login_as(app.test_client(), world.user(role))

    return make


def snapshot() -> dict:
    """Every row of every table, to prove that a refused request changed nothing."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name == "search_hosts":  # each host's index heartbeat (every few seconds): not a record
            continue
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    db.session.rollback()
    return state


def case_by_ref(ref: str) -> Case:
    """Reload a case."""
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.ref == ref))
