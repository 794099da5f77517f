"""Login, sessions and passwords: rate limits (memory and Redis), no fixation, logout, policy, forced change."""
import uuid

import pytest
from sqlalchemy import select

from consult import create_app
from consult.core.extensions import limiter
from models import User, db
from tests.conftest import make_config
from tests.factories import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"


def _limited_app(database_url, tmp_path, **overrides):
    """An app with rate limiting on (the test default turns it off)."""
    app = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True, **overrides))
    limiter.reset()
    return app


def _post_login(client, login, password="wrong-password", ip="10.0.0.1"):
    """One login attempt from `ip`."""
    return client.post("/login", data={"login": login, "password": password}, environ_base={"REMOTE_ADDR": ip})


def _dispose(app):
    """Close the extra app's connections."""
    limiter.reset()
    with app.app_context():
        db.engine.dispose()


def test_rate_limit_per_ip(app, users, database_url, tmp_path):
    """More than 30 login posts a minute from one address answer 429 (different accounts each time)."""
    limited = _limited_app(database_url, tmp_path)
    client = limited.test_client()
    codes = [_post_login(client, f"nobody{i}", ip="10.0.0.7").status_code for i in range(31)]
    assert codes[:30] == [422] * 30 and codes[30] == 429
    assert _post_login(client, "someone", ip="10.0.0.8").status_code == 422  # another address is not affected
    _dispose(limited)


def test_rate_limit_per_account_across_addresses(app, users, database_url, tmp_path):
    """More than 10 posts a minute for one account answer 429 even from changing addresses; the page is Japanese."""
    limited = _limited_app(database_url, tmp_path, CONSULT_LOCKOUT_ATTEMPTS=1000)
    client = limited.test_client()
    codes = [_post_login(client, "DX", ip=f"10.1.0.{i}").status_code for i in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429
    page = _post_login(client, "dx", ip="10.1.1.1").get_data(as_text=True)
    assert "操作が多すぎます" in page and "しばらく待って" in page
    # even the right password is refused while limited (no oracle for guessing)
    assert _post_login(client, "dx", password=PASSWORD, ip="10.1.1.2").status_code == 429
    _dispose(limited)


def test_rate_limit_in_redis(app, users, database_url, tmp_path):
    """With CONSULT_RATELIMIT_STORAGE=redis://… the counters live in Redis (shared by all workers)."""
    redis = pytest.importorskip("redis")
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"consult-test-{uuid.uuid4().hex}"
    limited = _limited_app(database_url, tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    try:
        client = limited.test_client()
        codes = [_post_login(client, "dx", ip=f"10.2.0.{i}").status_code for i in range(11)]
        assert codes[-1] == 429
        keys = list(server.scan_iter(match=f"*{prefix}*"))
        assert keys, "the limiter wrote nothing to Redis"
        # a second app (another worker) sharing the Redis storage sees the same counters
        other = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True,
                                       RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix))
        assert _post_login(other.test_client(), "dx", ip="10.2.1.1").status_code == 429
        with other.app_context():
            db.engine.dispose()
    finally:
        for key in server.scan_iter(match=f"*{prefix}*"):
            server.delete(key)
        server.close()
        _dispose(limited)


def test_session_is_renewed_on_login(client, users):
    """Whatever was in the session before login (a planted value) is gone afterwards, and the cookie changes."""
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
        sess["_user_id"] = "999:forged"
    before = client.get_cookie("session").value
    response = client.post("/login", data={"login": "req", "password": PASSWORD})
    assert response.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{users['requester'].id}:")


def test_tampered_or_stale_session_is_refused(client, auth, users):
    """A cookie with a broken signature, or naming a user with another session token, is anonymous."""
    auth.login("req")
    good = client.get_cookie("session").value
    client.set_cookie("session", good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert client.get("/tickets/mine").status_code == 302
    client.set_cookie("session", good)
    assert client.get("/tickets/mine").status_code == 200
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{users['admin'].id}:{'0' * 32}"  # even with the key: the admin's token is not known
    assert client.get("/admin/").status_code == 302


def test_logout_clears_the_session(client, auth, users):
    """After logout the session holds no identity and pages ask for login again."""
    auth.login("req")
    assert client.get("/tickets/mine").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert client.get("/tickets/mine").status_code == 302
    assert client.get_cookie("remember_token") is None


def test_logout_by_get_is_refused(client, auth, users):
    """Logout is POST only (with CSRF in production): a link or image cannot log anyone out."""
    auth.login("req")
    assert client.get("/logout").status_code == 405
    assert client.get("/tickets/mine").status_code == 200


@pytest.mark.parametrize(("new", "message"), [
    ("short-1", "文字以上"),
    ("xx-req-xx-long", "ログインID"),
    ("aaaaaaaaaaaa", "推測されやすい"),
])
def test_password_policy(client, auth, users, new, message):
    """Too short, containing the login id, or trivial: refused with a Japanese message, the old one still works."""
    auth.login("req")
    response = client.post("/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    from consult.auth.passwords import verify_password
    assert verify_password(db.session.get(User, users["requester"].id).password_hash, PASSWORD)


def test_admin_forces_a_password_change_end_to_end(app, users):
    """Admin sets a temporary password → old sessions end → the user must change it → then works normally."""
    user_client, admin_client = app.test_client(), app.test_client()
    assert user_client.post("/login", data={"login": "req", "password": PASSWORD}).status_code == 302
    assert admin_client.post("/login", data={"login": "admin", "password": PASSWORD}).status_code == 302
    uid = users["requester"].id
    refused = admin_client.post(f"/admin/users/{uid}/password", data={"temporary_password": "req-req-req-1",
                                                                      "confirm": "req-req-req-1"})
    assert refused.status_code in (400, 422) and "ログインID" in refused.get_data(as_text=True)
    temporary = "Temp-Pass-2026-x"
    done = admin_client.post(f"/admin/users/{uid}/password", data={"temporary_password": temporary, "confirm": temporary})
    assert done.status_code == 302
    assert user_client.get("/tickets/mine").status_code == 302  # the old session ended
    assert user_client.post("/login", data={"login": "req", "password": PASSWORD}).status_code == 422
    login = user_client.post("/login", data={"login": "req", "password": temporary})
    assert login.headers["Location"].endswith("/password")
    assert user_client.get("/tickets/mine").headers["Location"].endswith("/password")  # nothing else until changed
    changed = user_client.post("/password", data={"current": temporary, "new": "New-Secret-2026-y",
                                                  "confirm": "New-Secret-2026-y"})
    assert changed.status_code == 302
    assert user_client.get("/tickets/mine").status_code == 200
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.id == uid))
    assert not user.must_change_password


def test_session_cookie_is_worthless_after_logout(client, auth, users):
    """A copy of the session cookie taken before logout (shared PC, stolen cookie) no longer logs anyone in."""
    auth.login("req")
    copied = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", copied)
    assert client.get("/tickets/mine").status_code == 302
