"""Sessions end after 30 minutes without a request (idle) and 12 hours after login (absolute), both configurable
(audit finding 11): a copied session cookie stops working; the person reads 「再度ログインしてください」 and an
unsent 相談 is kept as their draft."""
import time

import pytest

from models import TicketDraft, db
from tests.factories import PASSWORD


def _age(client, idle_s=0, since_login_s=0):
    """Pretend the last request was idle_s ago and the login since_login_s ago."""
    with client.session_transaction() as sess:
        now = time.time()
        sess["_seen_at"] = now - idle_s
        sess["_login_at"] = now - since_login_s


def _assert_logged_out(client, response, path):
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and path.split("?")[0] in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "再度ログインしてください" in page
    assert client.get("/tickets/mine").status_code == 302  # anonymous now


def test_idle_timeout(client, auth, users):
    auth.login("req")
    _age(client, idle_s=31 * 60, since_login_s=31 * 60)
    _assert_logged_out(client, client.get("/tickets/mine"), "/tickets/mine")


def test_absolute_timeout_even_when_active(client, auth, users):
    auth.login("req")
    _age(client, idle_s=10, since_login_s=12 * 3600 + 60)
    _assert_logged_out(client, client.get("/tickets/mine"), "/tickets/mine")


def test_active_session_continues_and_is_refreshed(client, auth, users):
    auth.login("req")
    _age(client, idle_s=29 * 60, since_login_s=11 * 3600)
    assert client.get("/tickets/mine").status_code == 200
    with client.session_transaction() as sess:
        assert time.time() - sess["_seen_at"] < 60


def test_requests_within_a_minute_send_no_session_cookie(client, auth, users):
    """A background fetch right after a form's redirect must not overwrite the session (and its flash) with an older
    cookie: within a minute of the last refresh an unchanged session is not sent again."""
    auth.login("req")
    client.get("/tickets/mine")
    again = client.get("/tickets/similar", query_string={"q": "会議録の作成"})
    assert again.status_code == 200 and "session=" not in " ".join(again.headers.getlist("Set-Cookie"))
    _age(client, idle_s=61, since_login_s=61)
    assert "session=" in " ".join(client.get("/tickets/mine").headers.getlist("Set-Cookie"))  # refreshed again


def test_copied_cookie_stops_working_after_idle(app, client, auth, users):
    auth.login("req")
    _age(client, idle_s=31 * 60, since_login_s=31 * 60)
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert thief.get("/tickets/mine").status_code == 302


@pytest.mark.parametrize(("config", "idle", "expired"), [
    ({"CONSULT_SESSION_IDLE_MINUTES": 5}, 6 * 60, True),
    ({"CONSULT_SESSION_IDLE_MINUTES": 120}, 90 * 60, False),
])
def test_configurable(app, client, auth, users, config, idle, expired):
    app.config.update(config)
    auth.login("req")
    _age(client, idle_s=idle, since_login_s=idle)
    assert (client.get("/tickets/mine").status_code == 302) is expired


def test_unsent_consultation_is_kept_as_draft(client, auth, users):
    auth.login("req")
    _age(client, idle_s=45 * 60, since_login_s=45 * 60)
    response = client.post("/tickets/new", data={"title": "時間切れの相談", "problem": "長く書いていた本文です",
                                                 "purpose": "目的", "action": "submit"})
    _assert_logged_out(client, response, "/tickets/new")
    db.session.expire_all()
    assert db.session.get(TicketDraft, users["requester"].id).data["problem"] == "長く書いていた本文です"
    auth.login("req")
    page = client.get("/tickets/new").get_data(as_text=True)
    assert "時間切れの相談" in page and "長く書いていた本文です" in page


def test_json_autosave_after_timeout_is_401(client, auth, users):
    auth.login("req")
    _age(client, idle_s=45 * 60, since_login_s=45 * 60)
    response = client.post("/tickets/draft", json={"title": "x"})
    assert response.status_code == 401 and "再度ログイン" in response.get_json()["error"]


def test_fresh_login_after_timeout_works(client, auth, users):
    auth.login("req")
    _age(client, idle_s=31 * 60, since_login_s=31 * 60)
    client.get("/tickets/mine")
    assert client.post("/login", data={"login": "req", "password": PASSWORD}).status_code == 302
    assert client.get("/tickets/mine").status_code == 200
