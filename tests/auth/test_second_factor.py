"""TOTP second factor: enrolment at sign-in for staff, codes cross-checked with Debian's oathtool, replay,
expiry, recovery codes, lockout, admin reset, optional for requesters."""
import re
import subprocess

import pyotp
import pytest

from models import AuditEvent, RecoveryCode, User, db
from tests.factories import PASSWORD


@pytest.fixture
def app_config():
    """Second factor required for DX staff and admins, as in production."""
    return {"CONSULT_TOTP_REQUIRED_ROLES": "dx_staff,admin"}


def oathtool(secret: str, when: str | None = None) -> str:
    """The TOTP code of `secret` as computed by oathtool (optionally at another time)."""
    args = ["oathtool", "--totp", "-b", secret] + (["-N", when] if when else [])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def fresh(user) -> User:
    """The user as stored now."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def enrol(client, login):
    """Sign in as `login` and finish the enrolment; return (secret, recovery codes)."""
    response = client.post("/login", data={"login": login, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/second-factor/setup")
    page = client.get("/login/second-factor/setup").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page and "認証アプリに登録するQRコード" in page
    done = client.post("/login/second-factor/setup", data={"code": oathtool(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{10}-[0-9a-f]{10})</code>", done.get_data(as_text=True))
    return secret, codes


def test_oathtool_and_pyotp_agree():
    """The library computes the same RFC 6238 codes as oathtool."""
    secret = pyotp.random_base32()
    assert pyotp.TOTP(secret).now() == oathtool(secret) or pyotp.TOTP(secret).now() == oathtool(secret)


def test_staff_enrol_at_next_sign_in(client, users):
    """DX staff without a second factor must set it up before reaching any page; ten recovery codes are shown."""
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    assert client.get("/desk/").status_code == 302  # not signed in yet
    secret, codes = enrol_rest(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/desk/").status_code == 200
    user = fresh(users["dx_staff"])
    assert user.totp_enabled_at and user.totp_secret == secret
    stored = db.session.query(RecoveryCode).filter_by(user_id=user.id).all()
    assert len(stored) == 10 and all(code not in r.code_hash for r in stored for code in codes)  # hashed only


def enrol_rest(client):
    """Finish an enrolment that the login already started."""
    page = client.get("/login/second-factor/setup").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post("/login/second-factor/setup", data={"code": oathtool(secret)})
    return secret, re.findall(r"<code>([0-9a-f]{10}-[0-9a-f]{10})</code>", done.get_data(as_text=True))


def test_sign_in_with_code_replay_and_expiry(client, users):
    """A code works once; an old (expired) code and a replayed one are refused."""
    secret, _ = enrol(client, "dx")
    client.post("/logout")
    response = client.post("/login", data={"login": "dx", "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/second-factor")
    expired = client.post("/login/second-factor", data={"code": oathtool(secret, "now - 2 minutes")})
    assert expired.status_code == 422 and "有効期限" in expired.get_data(as_text=True)
    replay = client.post("/login/second-factor", data={"code": oathtool(secret)})  # the enrolment used this step
    assert replay.status_code == 422
    nxt = oathtool(secret, "now + 30 seconds")
    assert client.post("/login/second-factor", data={"code": nxt}).status_code == 302
    assert client.get("/desk/").status_code == 200
    client.post("/logout")
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    assert client.post("/login/second-factor", data={"code": nxt}).status_code == 422  # replayed


def test_recovery_code_works_once(client, users):
    """A recovery code signs in once; the second use is refused."""
    _, codes = enrol(client, "dx")
    client.post("/logout")
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 422
    assert db.session.query(AuditEvent).filter_by(action="user.recovery_code_used").count() == 1


def test_wrong_codes_count_towards_the_lockout(client, users):
    """Five wrong codes lock the account like five wrong passwords."""
    secret, _ = enrol(client, "dx")
    client.post("/logout")
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    for _ in range(5):
        client.post("/login/second-factor", data={"code": "000000"})
    assert fresh(users["dx_staff"]).locked_until is not None
    refused = client.post("/login/second-factor", data={"code": oathtool(secret, "now + 30 seconds")})
    assert refused.status_code == 422
    assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1


def test_second_factor_page_needs_the_password_first(client, users):
    """Without a pending sign-in the code pages send back to the login form."""
    assert client.get("/login/second-factor").headers["Location"].startswith("/login")
    assert client.post("/login/second-factor/setup", data={"code": "123456"}).status_code == 302


def test_admin_reset_with_reason(client, users):
    """An admin resets a user's second factor with a reason (audited); the user enrols again."""
    enrol(client, "dx")
    client.post("/logout")
    users["admin"].totp_secret = pyotp.random_base32()
    users["admin"].totp_enabled_at = users["admin"].created_at
    db.session.commit()
    client.post("/login", data={"login": "admin", "password": PASSWORD})
    client.post("/login/second-factor", data={"code": oathtool(users["admin"].totp_secret)})
    target = users["dx_staff"].id
    empty = client.post(f"/admin/users/{target}/second-factor/reset", data={"reason": ""})
    assert empty.status_code == 422 and "理由を入力してください" in empty.get_data(as_text=True)
    assert client.post(f"/admin/users/{target}/second-factor/reset", data={"reason": "スマートフォン紛失（電話で本人確認）"}).status_code == 302
    user = fresh(users["dx_staff"])
    assert user.totp_enabled_at is None and user.totp_secret is None
    event = db.session.query(AuditEvent).filter_by(action="user.totp_reset").one()
    assert event.after["reason"] == "スマートフォン紛失（電話で本人確認）" and event.actor_id == users["admin"].id
    client.post("/logout")
    assert client.post("/login", data={"login": "dx", "password": PASSWORD}).headers["Location"].endswith("/setup")


def test_optional_for_requesters(client, users):
    """Requesters are not asked; one who turns it on is asked from then on, and may turn it off."""
    assert client.post("/login", data={"login": "req", "password": PASSWORD}).headers["Location"] == "/"
    assert "設定されていません" in client.get("/account/two-factor").get_data(as_text=True)
    page = client.get("/login/second-factor/setup").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert client.post("/login/second-factor/setup", data={"code": oathtool(secret)}).status_code == 200
    client.post("/logout")
    assert client.post("/login", data={"login": "req", "password": PASSWORD}).headers["Location"].endswith("/login/second-factor")
    assert client.post("/login/second-factor", data={"code": oathtool(secret, "now + 30 seconds")}).status_code == 302
    user = fresh(users["requester"])
    user.totp_last_step -= 2  # as if a minute had passed (the next step's code was already used)
    db.session.commit()
    off = client.post("/account/two-factor", data={"code": oathtool(secret), "action": "disable"})
    assert off.status_code == 302
    assert fresh(users["requester"]).totp_enabled_at is None


def test_staff_cannot_turn_it_off(client, users):
    """The off switch is refused for required roles."""
    secret, _ = enrol(client, "dx")
    response = client.post("/account/two-factor", data={"code": oathtool(secret, "now + 30 seconds"), "action": "disable"})
    assert response.status_code == 422 and "解除できません" in response.get_data(as_text=True)


def test_rate_limit_on_codes(users, database_url, tmp_path):
    """Many code posts for one half-signed-in account answer 429 before the lockout would even matter."""
    from consult import create_app
    from consult.core.extensions import limiter
    from tests.conftest import make_config

    limited = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True, CONSULT_TOTP_REQUIRED_ROLES="dx_staff,admin",
                                     CONSULT_LOCKOUT_ATTEMPTS=100))
    limiter.reset()
    client = limited.test_client()
    client.post("/login", data={"login": "dx", "password": PASSWORD})
    codes = [client.post("/login/second-factor/setup", data={"code": "000000"}).status_code for _ in range(12)]
    assert 429 in codes
    limiter.reset()
    with limited.app_context():
        db.engine.dispose()
