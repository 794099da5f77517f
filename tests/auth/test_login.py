"""Login, logout, lockout, password change and CSRF."""
from datetime import timedelta

from models import AuditEvent, User, db, utcnow
from tests.factories import PASSWORD, make_user


def test_login_page_is_japanese(client):
    """The form's fields are labelled ログインID and パスワード."""
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="ja"' in page
    assert "ログインID" in page and "パスワード" in page
    assert 'name="remember"' in page and "checked" not in page.split('name="remember"')[1][:40]


def test_login_and_logout(client, auth, users):
    """A right password logs in; logout ends the session."""
    response = auth.login("req")
    assert response.status_code == 302
    assert "相談する" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_login_id_is_case_insensitive(client, auth, users):
    """REQ and req are the same account."""
    assert auth.login("REQ").status_code == 302


def test_wrong_password_does_not_reveal_existence(client, auth, users):
    """The same message for an unknown id and a wrong password."""
    unknown = auth.login("nobody", "whatever-123").get_data(as_text=True)
    wrong = auth.login("req", "wrong-password").get_data(as_text=True)
    message = "ログインIDまたはパスワードが正しくないか"
    assert message in unknown and message in wrong


def test_lockout_after_five_failures(app, client, auth, users):
    """Five wrong passwords lock the account for 15 minutes, even for the right password."""
    for _ in range(5):
        auth.login("req", "wrong-password")
    user = db.session.get(User, users["requester"].id)
    db.session.refresh(user)
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    assert auth.login("req", PASSWORD).status_code != 302
    assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.login("req", PASSWORD).status_code == 302


def test_inactive_user_cannot_login(client, auth, users):
    """A deactivated account gets the same message."""
    users["requester"].active = False
    db.session.commit()
    assert auth.login("req").status_code != 302


def test_open_redirect_is_refused(client, users):
    """?next= only accepts local paths."""
    response = client.post("/login?next=https://evil.example/", data={"login": "req", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/", data={"login": "req", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_password(client, auth, users):
    """Changing one's password needs the current one and follows the policy."""
    auth.login("req")
    bad = client.post("/password", data={"current": "nope", "new": "another-pass-77", "confirm": "another-pass-77"})
    assert bad.status_code == 422
    assert "現在のパスワードが正しくありません" in bad.get_data(as_text=True)
    short = client.post("/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "10文字以上" in short.get_data(as_text=True)
    ok = client.post("/password", data={"current": PASSWORD, "new": "another-pass-77", "confirm": "another-pass-77"})
    assert ok.status_code == 302
    auth.logout()
    assert auth.login("req", PASSWORD).status_code != 302
    assert auth.login("req", "another-pass-77").status_code == 302


def test_password_change_ends_other_sessions(app, client, users):
    """A session opened before the password change is logged out."""
    other = app.test_client()
    other.post("/login", data={"login": "req", "password": PASSWORD})
    assert other.get("/").status_code == 200
    client.post("/login", data={"login": "req", "password": PASSWORD})
    client.post("/password", data={"current": PASSWORD, "new": "another-pass-77", "confirm": "another-pass-77"})
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_forced_password_change(client, auth, users):
    """A user flagged by an admin must change the password before anything else."""
    users["requester"].must_change_password = True
    db.session.commit()
    auth.login("req")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")


def test_session_cookie_flags(client, users):
    """The session cookie is HttpOnly and SameSite=Lax."""
    response = client.post("/login", data={"login": "req", "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_required_on_post(app, users):
    """With CSRF on, a POST without the token is refused with a Japanese 400 page."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"login": "req", "password": PASSWORD})
    assert response.status_code == 400
    assert "有効期限" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"login": "req", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_rate_limit_per_account(app, users, database_url, tmp_path):
    """Too many login posts for one account answer 429 in Japanese."""
    from consult import create_app
    from consult.core.extensions import limiter
    from tests.conftest import make_config

    limited = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True))
    limiter.reset()
    client = limited.test_client()
    codes = [client.post("/login", data={"login": "dx", "password": "x"}).status_code for _ in range(12)]
    assert 429 in codes
    page = client.post("/login", data={"login": "dx", "password": "x"}).get_data(as_text=True)
    assert "操作が多すぎます" in page
    limiter.reset()
    with limited.app_context():
        db.engine.dispose()


def test_user_created_is_audited(app, runner):
    """The CLI records who was created in the audit log."""
    make_user("someone")
    result = runner.invoke(args=["users", "create", "newbie", "--name", "新人 太郎", "--role", "dx_staff", "--password-stdin"], input="long-enough-pass\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(AuditEvent).filter_by(action="user.created").count() == 1
