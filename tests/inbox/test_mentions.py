"""@mentions in internal notes: a link to the person's row in 担当状況 and an お知らせ for them; never for unknown
names, requesters or inactive staff, never inside code or links, and never in a public reply."""
import re
from html.parser import HTMLParser

from sqlalchemy import select

from consult.desk import service
from models import Notification, db
from tests import factories
from tests.desk.conftest import login


def _mention_kinds(user):
    return [n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "mention"))]


def _links(html):
    """(href, text) of every mention link on a page."""
    return re.findall(r'<a class="mention" href="([^"]+)" title="[^"]*" rel="[^"]*">([^<]+)</a>', html)


class _Tags(HTMLParser):
    """Every start tag of a fragment with its attributes, as a browser would parse them."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_login_and_name_link_to_the_person_in_workload_and_notify(app, users):
    """「@dx2」 and 「@高橋三郎さん」 (a name followed by さん) become links to their 担当状況 rows; both are told."""
    dx, dx2, admin = users["dx_staff"], users["dx_staff2"], users["admin"]
    t = factories.make_ticket(users["requester"], status="in_progress")
    service.add_note(t, "@dx2 さん、確認をお願いします。@高橋三郎さんも見てください。", True, admin)
    assert _mention_kinds(dx2) == ["mention"] and _mention_kinds(dx) == ["mention"]
    html = login(app, "dx").get(f"/tickets/{t.number}").get_data(as_text=True)
    assert _links(html) == [(f"/desk/workload#staff-{dx2.id}", "@dx2"), (f"/desk/workload#staff-{dx.id}", "@高橋三郎")]
    assert "@高橋三郎</a>さんも" in html
    assert f'title="{dx2.name}（担当状況）"' in html
    workload = login(app, "dx2").get("/desk/workload").get_data(as_text=True)
    assert f'<tr id="staff-{dx2.id}">' in workload and f'<tr id="staff-{dx.id}">' in workload  # the targets exist


def test_unknown_names_requesters_inactive_staff_and_mail_addresses_are_plain_text(app, users):
    """Nobody is linked or told for an unknown word, a requester's login, an inactive account or a mail address."""
    gone = factories.make_user("gone", role="dx_staff", name="退職 六郎", active=False)
    t = factories.make_ticket(users["requester"], status="in_progress")
    service.add_note(t, "@nobody @req @gone @退職六郎 連絡先は info@dx2 です", True, users["dx_staff"])
    assert db.session.scalars(select(Notification).where(Notification.kind == "mention")).all() == []
    html = login(app, "dx").get(f"/tickets/{t.number}").get_data(as_text=True)
    assert _links(html) == [] and "@nobody @req @gone @退職六郎 連絡先は info@dx2 です" in html
    assert gone.id and f"staff-{gone.id}" not in html


def test_mentions_in_code_and_links_are_not_linked_but_still_notify_only_once(app, users):
    """`@dx2` in code and [@dx2](https://…) stay as they are; the person is told once for the whole note."""
    t = factories.make_ticket(users["requester"], status="in_progress")
    service.add_note(t, "`@dx2` と [@dx2](https://example.jp/) と @dx2", True, users["dx_staff"])
    assert _mention_kinds(users["dx_staff2"]) == ["mention"]
    html = login(app, "dx").get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "<code>@dx2</code>" in html and ">@dx2</a>" in html
    assert len(_links(html)) == 1


def test_script_and_attribute_injection_around_a_mention_is_escaped(app, users):
    """Markup typed next to a mention and markup in a staff member's name come out as text."""
    evil = factories.make_user("evil", role="dx_staff", name='山田"><script>alert(1)</script>')
    t = factories.make_ticket(users["requester"], status="in_progress")
    service.add_note(t, '@dx2<script>alert(2)</script> @evil"><img src=x onerror=alert(3)> [x](javascript:alert(4))',
                     True, users["dx_staff"])
    html = login(app, "dx").get(f"/tickets/{t.number}").get_data(as_text=True)
    body = html.split('class="comment-body">', 1)[1].split("</div>", 1)[0]
    tags = _Tags(body).tags
    assert {tag for tag, _ in tags} <= {"p", "a"}, tags  # no script, no img
    assert all(set(attrs) <= {"href", "title", "class", "rel"} for _, attrs in tags), tags  # no on* attribute
    assert [a.get("href") for _, a in tags if _ == "a"] == [
        f"/desk/workload#staff-{users['dx_staff2'].id}", f"/desk/workload#staff-{evil.id}", None]  # javascript: dropped
    assert [a["title"] for _, a in tags if _ == "a" and "title" in a][1] == f"{evil.name}（担当状況）"  # text, not markup
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body and "onerror=alert(3)&gt;" in body
    assert _mention_kinds(evil) == ["mention"]


def test_public_reply_never_links_or_notifies_and_requesters_never_see_workload_links(app, users):
    """A public reply is read by the requester: @dx2 there stays text for everyone, and nobody is told."""
    t = factories.make_ticket(users["requester"], status="in_progress")
    service.add_note(t, "担当の @dx2 から改めてご連絡します。", False, users["dx_staff"])
    service.add_note(t, "内部：@dx2 お願いします", True, users["dx_staff"])
    staff_html = login(app, "dx").get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "担当の @dx2 から改めてご連絡します。" in staff_html and len(_links(staff_html)) == 1  # only the note
    requester_html = login(app, "req").get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "担当の @dx2 から改めてご連絡します。" in requester_html
    assert "/desk/workload" not in requester_html and "内部：" not in requester_html
    assert _mention_kinds(users["dx_staff2"]) == ["mention"]  # from the internal note only


def test_one_directory_query_for_a_page_of_notes(app, users, count_queries):
    """Six notes with mentions cost no more queries than one (the staff directory is loaded once per page)."""
    one_note = factories.make_ticket(users["requester"], status="in_progress")
    six_notes = factories.make_ticket(users["requester"], status="in_progress")
    factories.make_comment(one_note, users["dx_staff"], body="メモ @dx2 @高橋三郎", internal=True)
    for i in range(6):
        factories.make_comment(six_notes, users["dx_staff"], body=f"メモ{i} @dx2 @高橋三郎", internal=True)
    client = login(app, "dx")
    counts = {}
    for t, links in ((one_note, 2), (six_notes, 12)):
        client.get(f"/tickets/{t.number}")
        with count_queries() as counter:
            assert len(_links(client.get(f"/tickets/{t.number}").get_data(as_text=True))) == links
        counts[links] = counter.count
    assert counts[12] == counts[2], counts
