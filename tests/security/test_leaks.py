"""Internal notes never leak to requesters: pages, JSON, search, suggestions, mails and exports."""
import io
import zipfile

import pytest
from sqlalchemy import select

from models import MailOutbox, User, db

from .conftest import MARKER
from .test_matrix import MATRIX, _fill

NOTE_WORD = "担当者だけが見る"  # in the world's internal note only


@pytest.fixture
def app_config():
    """Queue mail (to a port nobody listens on: nothing is sent, the outbox rows are what we read)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9, "CONSULT_DESK_EMAIL": ""}


def _get_urls(world) -> list[str]:
    """Every GET of the matrix plus searches aimed at the marker."""
    urls = [_fill(url, world) for _e, method, url, _d, _x in MATRIX if method == "GET"]
    # searches for a word that only the internal note contains (the marker itself would be echoed back)
    return urls + [f"/tickets/mine?q={NOTE_WORD}", "/tickets/mine?scope=dept&status=open", f"/cases/?q={NOTE_WORD}",
                   f"/cases/suggest?q={NOTE_WORD}", f"/cases/suggest?q={world.ticket.title}"]


def _staff_workflow(as_role, world):
    """Staff add another internal note, reply publicly, resolve, and publish a case from the ticket."""
    dx = as_role("dx_staff")
    number = world.ticket.number

    def version():
        db.session.expire_all()
        return str(world.ticket.version)

    assert dx.post(f"/desk/tickets/{number}/note", data={"note-version": version(), "note-kind": "internal",
                                                        "note-body": f"二つ目の {MARKER}"}).status_code == 302
    assert dx.post(f"/desk/tickets/{number}/note", data={"note-version": version(), "note-kind": "public",
                                                        "note-body": "公開の回答です"}).status_code == 302
    assert dx.post(f"/desk/tickets/{number}/resolve", data={
        "resolve-version": version(), "resolve-root_cause": "原因", "resolve-resolution_type": "情報提供",
        "resolve-resolution_summary": "Excelのピボットテーブルで集計する", "resolve-hours_saved_per_year": "10",
    }).status_code == 302
    created = dx.post(f"/cases/from-ticket/{number}")
    assert created.status_code == 302
    ref = created.headers["Location"].rstrip("/").split("/")[-2]
    assert dx.post(f"/cases/{ref}/publish", data={"version": "1", "acknowledged": ["personal", "names"]}).status_code \
        in (302, 400)


def test_staff_see_the_marker(as_role, world):
    """Sanity: the marker is on the staff's ticket page, so its absence elsewhere means something."""
    page = as_role("dx_staff").get(f"/tickets/{world.ticket.number}").get_data(as_text=True)
    assert MARKER in page


@pytest.mark.parametrize("role", ["requester", "other"])
def test_no_page_or_json_shows_internal_notes(as_role, world, role):
    """Every GET (HTML and JSON) a requester can make is free of the internal note, before and after the workflow."""
    _staff_workflow(as_role, world)
    client = as_role(role)
    for url in _get_urls(world):
        for accept in ("text/html", "application/json"):
            response = client.get(url, headers={"Accept": accept})
            body = response.get_data()
            response.close()
            assert MARKER.encode() not in body, (url, accept)
            assert response.status_code < 500, url
            if "q=" in url and "/tickets/mine" in url:
                assert world.ticket.number not in body.decode(), "the search matched an internal note"


def test_mails_to_requesters_have_no_internal_notes(as_role, world):
    """No queued mail to a non-staff recipient mentions an internal note."""
    _staff_workflow(as_role, world)
    requester = as_role("requester")
    db.session.expire_all()
    assert requester.post(f"/tickets/{world.ticket.number}/reply", data={"body": "ありがとうございます"}).status_code == 302
    rows = db.session.scalars(select(MailOutbox)).all()
    staff = {u.email for u in db.session.scalars(select(User).where(User.role != "requester"))}
    to_requesters = [r for r in rows if r.recipient not in staff]
    assert to_requesters, "expected mail to the requester (public reply, status change)"
    for row in to_requesters:
        assert MARKER not in row.subject and MARKER not in row.body


def _xlsx_text(data: bytes) -> str:
    """All XML of a workbook as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


def test_exports_include_internal_notes_only_when_asked(as_role, world):
    """Staff exports hold internal notes only with include_internal; the case exports never do."""
    client = as_role("dx_staff")
    _staff_workflow(as_role, world)
    for url in ("/reports/export/tickets.csv?f=1", "/reports/export/cases.csv", "/reports/export/cases.xlsx",
                "/reports/export/tickets.xlsx?f=1"):
        response = client.get(url)
        data = response.get_data()
        response.close()
        text = _xlsx_text(data) if ".xlsx" in url else data.decode("utf-8-sig")
        assert world.ticket.title in text and MARKER not in text, url
    response = client.get("/reports/export/tickets.csv?f=1&include_internal=y")
    assert MARKER in response.get_data().decode("utf-8-sig")
    response.close()
