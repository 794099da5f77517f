"""Who sees which ticket: other departments get 404 everywhere; internal notes stay with staff."""
import pytest
from sqlalchemy import select

from consult.errors import NotFound
from consult.tickets.access import get_visible_ticket, visible_comments, visible_tickets_filter
from models import Comment, Ticket, db
from tests import factories


@pytest.fixture
def ticket(users):
    """A ticket of the requester's department with a public reply and an internal note."""
    t = factories.make_ticket(requester=users["requester"], status="waiting")
    factories.make_comment(t, users["dx_staff"], body="公開の回答です")
    factories.make_comment(t, users["dx_staff"], body="ひみつの内部メモ", internal=True)
    return t


def test_helpers(users, ticket):
    assert get_visible_ticket(ticket.number, users["colleague"]).id == ticket.id
    assert get_visible_ticket(ticket.number, users["dx_staff"]).id == ticket.id
    with pytest.raises(NotFound):
        get_visible_ticket(ticket.number, users["other"])
    with pytest.raises(NotFound):
        get_visible_ticket("DX-1999-9999", users["admin"])
    assert db.session.scalars(select(Ticket).where(visible_tickets_filter(users["other"]))).all() == []
    assert [c.body for c in visible_comments(ticket, users["requester"])] == ["公開の回答です"]
    assert len(visible_comments(ticket, users["admin"])) == 2


def test_requester_never_sees_internal_notes(client, auth, users, ticket):
    auth.login("req")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "公開の回答です" in html
    assert "ひみつの内部メモ" not in html
    assert "内部メモ" not in html


def test_staff_see_internal_notes_labelled(client, auth, users, ticket):
    auth.login("dx")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "ひみつの内部メモ" in html
    assert 'class="comment internal"' in html
    assert "内部メモ（所属には表示されません）" in html


def test_ticket_page_shows_the_request(client, auth, users, ticket):
    auth.login("req_colleague")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    for text in (ticket.number, ticket.title, ticket.purpose, ticket.current_process, ticket.problem, ticket.desired_state, "毎月", "16時間", "回答待ち"):
        assert text in html
    assert "style=" not in html and "<script>" not in html


def test_comment_markdown_is_rendered_safely(client, auth, users, ticket):
    factories.make_comment(ticket, users["dx_staff"], body="**太字** <script>alert(1)</script>")
    auth.login("req")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "<strong>太字</strong>" in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "/withdraw"), ("post", "/reply"), ("post", "/withdraw"), ("post", "/reopen"), ("post", "/close"),
     ("get", "/attachments/1")],
)
def test_other_department_gets_404(client, auth, users, ticket, method, path):
    auth.login("req_other")
    response = getattr(client, method)(f"/tickets/{ticket.number}{path}", data={"body": "割り込み", "version": "1"})
    assert response.status_code == 404
    assert db.session.scalar(select(Comment).where(Comment.body == "割り込み")) is None
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "waiting"


def test_unknown_ticket_is_404(client, auth, users):
    auth.login("admin")
    assert client.get("/tickets/DX-2000-0001").status_code == 404
    assert client.get("/tickets/" + "x" * 300).status_code == 404


@pytest.mark.parametrize("path", ["/tickets/new", "/tickets/mine", "/tickets/DX-2026-0001"])
def test_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_panel_include_is_optional(client, auth, users, ticket):
    auth.login("dx")
    assert client.get(f"/tickets/{ticket.number}").status_code == 200


def test_pages_have_unique_ids_and_ordered_headings(client, auth, users, ticket):
    import re

    auth.login("req")
    for url in ("/tickets/new", "/tickets/mine", f"/tickets/{ticket.number}", f"/tickets/{ticket.number}/withdraw"):
        html = client.get(url).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), url
        levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), url
