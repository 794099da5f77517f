"""自分の相談: filters, scope, keyword, paging that never fails, no N+1."""
import pytest

from tests import factories


@pytest.fixture
def tickets(users):
    """Mine, a colleague's, and another department's tickets."""
    mine = [factories.make_ticket(requester=users["requester"], title=f"自分の相談{i}") for i in range(3)]
    colleague = factories.make_ticket(requester=users["colleague"], title="同僚の押印廃止の相談", status="resolved")
    other = factories.make_ticket(requester=users["other"], title="他所属の相談")
    return {"mine": mine, "colleague": colleague, "other": other}


def test_department_scope_shows_department_only(client, auth, users, tickets):
    auth.login("req")
    html = client.get("/tickets/mine").get_data(as_text=True)
    assert "同僚の押印廃止の相談" in html and "自分の相談2" in html
    assert "他所属の相談" not in html
    assert '<span class="badge status-resolved">解決</span>' in html
    assert "<caption>" in html and 'scope="col"' in html


def test_mine_scope_status_and_keyword(client, auth, users, tickets):
    auth.login("req")
    html = client.get("/tickets/mine?scope=mine").get_data(as_text=True)
    assert "同僚の押印廃止の相談" not in html and "自分の相談1" in html
    html = client.get("/tickets/mine?status=resolved").get_data(as_text=True)
    assert "同僚の押印廃止の相談" in html and "自分の相談1" not in html
    html = client.get("/tickets/mine?status=open").get_data(as_text=True)
    assert "同僚の押印廃止の相談" not in html and "自分の相談1" in html
    html = client.get("/tickets/mine?q=押印").get_data(as_text=True)
    assert "同僚の押印廃止の相談" in html and "自分の相談1" not in html
    html = client.get(f"/tickets/mine?q={tickets['mine'][0].number}").get_data(as_text=True)
    assert "自分の相談0" in html and "自分の相談1" not in html
    html = client.get("/tickets/mine?q=%25").get_data(as_text=True)
    assert "条件に合う相談はありません" in html


@pytest.mark.parametrize("page", ["-5", "0", "abc", "99999999999999999999999", "2", ""])
def test_bad_page_numbers_are_clamped(client, auth, users, tickets, page):
    auth.login("req")
    response = client.get(f"/tickets/mine?page={page}&status=bogus&scope=bogus")
    assert response.status_code == 200
    assert "自分の相談0" in response.get_data(as_text=True)


def test_paging(client, auth, users):
    for i in range(25):
        factories.make_ticket(requester=users["requester"], title=f"ページ{i:02d}")
    auth.login("req")
    first = client.get("/tickets/mine").get_data(as_text=True)
    assert "1 / 2 ページ（全25件）" in first and "page=2" in first
    last = client.get("/tickets/mine?page=2").get_data(as_text=True)
    assert "2 / 2 ページ" in last and last.count("ページ0") + last.count("ページ1") + last.count("ページ2") >= 5
    assert client.get("/tickets/mine?page=999").status_code == 200


def test_no_query_per_row(client, auth, users, count_queries):
    handler = users["dx_staff"]
    for _ in range(15):
        factories.make_ticket(requester=users["requester"], main_handler_id=handler.id)
    auth.login("req")
    with count_queries() as counter:  # the once-a-second search index check is not counted
        assert client.get("/tickets/mine").status_code == 200
    assert counter.count < 10
