"""「同じ所属で対応中の似た相談」 while filing: only open tickets of the filer's own 所属, never a title from another one;
the fragment for suggest.js, and the panel without JavaScript (the 「似た相談・事例を確認する」 button, a kept form)."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from consult.tickets.similar import similar_open
from models import Ticket, db
from tests import factories

from .helpers import intake_data

TRAVEL = dict(title="出張旅費の精算に時間がかかる", purpose="職員に出張旅費を正しく支給するため",
              current_process="距離と日当を電卓で計算して精算書に手で書いている", problem="月末に精算書がたまり、計算ミスもある")
TYPED = "旅費の計算を手でしている\n出張が多く、月末に精算書がたまる"


def _travel(requester, status="in_progress", **kw):
    return factories.make_ticket(requester, status=status, **{**TRAVEL, **kw})


def test_open_ticket_of_the_own_department_is_found_and_others_are_not(app, users):
    """A colleague's open ticket on the same work is found; the same text in another 所属 never is."""
    mine = _travel(users["colleague"], title="出張旅費の精算書づくり（人事課）")
    _travel(users["other"], title="道路課の出張旅費の精算")
    factories.make_ticket(users["colleague"], status="in_progress")  # another subject: Excelの集計
    found = similar_open(TYPED, users["requester"])
    assert [s.ticket.id for s in found] == [mine.id]
    assert {"旅費", "精算"} <= set(found[0].shared)
    assert [s.ticket.title for s in similar_open(TYPED, users["other"])] == ["道路課の出張旅費の精算"]


@pytest.mark.parametrize("status", ["resolved", "closed", "withdrawn"])
def test_only_open_consultations_are_shown(app, users, status):
    """解決・完了・取り下げ are not open: nothing to add to."""
    _travel(users["colleague"], status=status)
    assert similar_open(TYPED, users["requester"]) == []


def test_merged_tickets_generic_text_and_no_department_give_nothing(app, users):
    """A merged duplicate is not offered; a few generic words match nothing; a filer without 所属 gets nothing."""
    target = _travel(users["colleague"], title="統合先")
    _travel(users["colleague"], title="統合済みの重複", merged_into_id=target.id)
    assert [s.ticket.title for s in similar_open(TYPED, users["requester"])] == ["統合先"]
    assert similar_open("Excelで作業している。時間がかかる", users["requester"]) == []
    assert similar_open(TYPED, users["dx_staff"]) == []  # DX staff without a 所属
    assert similar_open("旅費", users["requester"]) == []  # too short to say anything


def test_fragment_for_the_intake_form_is_permission_checked(client, auth, users):
    """/tickets/similar: the filer's 所属 only, titles escaped; other 所属, anonymous and a filer without 所属 get nothing."""
    ours = _travel(users["colleague"], title="<b>出張旅費</b>の精算書")
    theirs = _travel(users["other"], title="道路課の出張旅費の精算")
    assert client.get("/tickets/similar", query_string={"q": TYPED}).status_code == 302  # login first
    auth.login("req")
    html = client.get("/tickets/similar", query_string={"q": TYPED}).get_data(as_text=True)
    assert "同じ所属で対応中の似た相談があります" in html and ours.number in html
    assert "&lt;b&gt;出張旅費&lt;/b&gt;の精算書" in html and "<b>" not in html
    assert theirs.number not in html and "道路課" not in html
    assert client.get("/tickets/similar", query_string={"q": "Excelで作業"}).get_data(as_text=True).strip() == ""
    auth.logout()
    auth.login("req_other")
    html = client.get("/tickets/similar", query_string={"q": TYPED}).get_data(as_text=True)
    assert theirs.number in html and ours.number not in html and "出張旅費</b>" not in html
    auth.logout()
    auth.login("admin")  # may file like anyone (roles_required lets admins in), but has no 所属 here
    assert client.get("/tickets/similar", query_string={"q": TYPED}).get_data(as_text=True).strip() == ""


def test_own_ticket_is_marked(client, auth, users):
    """The filer's own earlier consultation says あなたの相談, with its status and date."""
    t = _travel(users["requester"], status="waiting", created_at=datetime(2026, 11, 2, 1))
    auth.login("req")
    html = client.get("/tickets/similar", query_string={"q": TYPED}).get_data(as_text=True)
    assert t.number in html and "（回答待ち・2026年11月2日受付・あなたの相談）" in html


def test_without_javascript_the_button_shows_the_panel_and_keeps_the_form(client, auth, users):
    """「似た相談・事例を確認する」 re-renders the form (nothing filed, nothing validated) with the panel."""
    t = _travel(users["colleague"])
    auth.login("req")
    page = client.get("/tickets/new").get_data(as_text=True)
    assert 'name="action" value="similar"' in page and t.number not in page
    response = client.post("/tickets/new", data=intake_data(
        action="similar", title="旅費の計算を手でしている", purpose="", current_process="", problem="出張が多く、月末に精算書がたまる"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert t.number in html and 'value="旅費の計算を手でしている"' in html and "出張が多く、月末に精算書がたまる" in html
    assert "error-summary" not in html and "aria-invalid" not in html  # not validated
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_refused_form_and_a_restored_draft_show_the_panel_too(client, auth, users):
    """The 422 page (a missing field) and the page with a saved draft already list the similar consultation."""
    t = _travel(users["colleague"])
    auth.login("req")
    refused = client.post("/tickets/new", data=intake_data(title="旅費の計算を手でしている", problem="出張が多く、月末に精算書がたまる",
                                                           frequency=""))
    assert refused.status_code == 422 and t.number in refused.get_data(as_text=True)
    client.post("/tickets/new", data=intake_data(action="draft", title="出張旅費の精算書がたまる", problem="計算ミスが多い"))
    assert t.number in client.get("/tickets/new").get_data(as_text=True)
