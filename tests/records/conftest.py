"""Helpers for the 公文書 lifecycle tests: completed tickets with a conversation and a stored attachment."""
from datetime import datetime

import pytest
from freezegun import freeze_time

from consult.tickets.attachments import Upload, write_file
from models import Attachment, db
from tests.factories import make_category, make_comment, make_ticket


def make_completed(requester, closed_at: datetime, category=None, with_file=True, status="closed", **kw):
    """A ticket completed at `closed_at` (naive UTC) with a public reply, an internal note and one stored file."""
    stamps = {"closed_at": closed_at} if status == "closed" else {"withdrawn_at": closed_at}
    ticket = make_ticket(requester=requester, status=status, category_id=category.id if category else None,
                         created_at=closed_at.replace(month=1, day=10) if closed_at.month > 1 else closed_at,
                         problem="山田花子（内線1234）が毎月手で集計している", **stamps, **kw)
    make_comment(ticket, requester, body="よろしくお願いします（山田）")
    make_comment(ticket, requester, body="内部メモ", internal=True)
    if with_file:
        upload = Upload(name="集計表.csv", data="氏名,件数\n山田,3\n".encode(), content_type="text/csv")
        stored = write_file(upload)
        db.session.add(Attachment(ticket_id=ticket.id, original_name=upload.name, stored_name=stored,
                                  content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
                                  uploaded_by_id=requester.id))
        db.session.commit()
    return ticket


@pytest.fixture
def category(app):
    """A category for the records."""
    return make_category("集計・データ処理")


@pytest.fixture
def frozen():
    """Freeze the clock at a JST date: frozen("2027-04-01") (09:00 JST)."""
    freezers = []

    def at(day: str):
        while freezers:
            freezers.pop().stop()
        freezer = freeze_time(f"{day} 00:00:00")  # 09:00 JST
        freezer.start()
        freezers.append(freezer)

    yield at
    while freezers:
        freezers.pop().stop()
