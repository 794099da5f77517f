"""Directory sign-in against a real slapd: service-account search, bind as the user, roles by nested groups."""
import pytest

from consult.directory import settings as directory_settings
from models import AuditEvent, User, db
from tests.factories import PASSWORD, make_department, make_user

from .slapd import USER_PASSWORD, dn_of


@pytest.fixture
def departments(app):
    """The 所属 codes the directory uses."""
    return {code: make_department(code=code, name=name) for code, name in
            [("JINJI", "人事課"), ("DOBOKU", "道路課"), ("DX", "DX推進課")]}


def login(client, name, password=USER_PASSWORD):
    """Post the login form."""
    return client.post("/login", data={"login": name, "password": password})


def test_first_sign_in_creates_the_account_from_the_directory(client, departments):
    """Right password → signed in; the account carries the Japanese name, mail, 所属 and the directory id."""
    response = login(client, "yamada")
    assert response.status_code == 302
    user = db.session.query(User).filter_by(login="yamada").one()
    assert (user.name, user.email, user.department.code, user.role) == ("山田 花子", "yamada@pref.example.jp", "JINJI", "requester")
    assert len(user.directory_id) == 36 and user.password_hash == ""
    assert "相談する" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_login_get_the_same_message(client, departments):
    """A refused bind and an unknown login look the same; no account is created for either."""
    wrong = login(client, "yamada", "not-the-password")
    unknown = login(client, "nobody", "whatever-123")
    assert wrong.status_code == unknown.status_code == 422
    assert "ログインIDまたはパスワードが正しくないか" in wrong.get_data(as_text=True)
    assert "ログインIDまたはパスワードが正しくないか" in unknown.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_filter_injection_is_escaped(client, departments):
    """A login like `*` or `yamada)(uid=*` is searched literally, not as a filter."""
    assert login(client, "*").status_code == 422
    assert login(client, "yamada)(uid=*").status_code == 422
    assert login(client, "yama*").status_code == 422


def test_roles_come_from_groups_including_nested_ones(client, departments, app):
    """takahashi is in dx-staff directly, tanaka through the nested group dx-core, kanri in consult-admins."""
    for name in ("takahashi", "tanaka", "kanri", "sato"):
        assert login(client, name).status_code == 302
        client.post("/logout")
    roles = dict(db.session.query(User.login, User.role))
    assert roles == {"takahashi": "dx_staff", "tanaka": "dx_staff", "kanri": "admin", "sato": "requester"}


def test_wrong_passwords_lock_the_directory_account(client, departments):
    """The existing lockout counts directory failures too."""
    assert login(client, "sato").status_code == 302
    client.post("/logout")
    for _ in range(5):
        login(client, "sato", "bad-password-1")
    assert login(client, "sato").status_code == 422
    assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1


def test_renamed_login_keeps_the_account(client, departments, slapd):
    """改姓: uid changes in the directory; the same account (same id, same tickets) signs in with the new login."""
    assert login(client, "sato").status_code == 302
    client.post("/logout")
    first = db.session.query(User).filter_by(login="sato").one()
    slapd.modrdn(dn_of("sato"), "uid=kato")
    slapd.modify("dn: uid=kato,ou=jinji,ou=somu,ou=people,dc=pref,dc=example\nchangetype: modify\nreplace: cn\ncn: 加藤 一郎\n")
    assert login(client, "kato").status_code == 302
    db.session.expire_all()
    renamed = db.session.get(User, first.id)
    assert (renamed.login, renamed.name) == ("kato", "加藤 一郎")
    assert db.session.query(User).count() == 1


def test_disabled_account_cannot_sign_in(client, departments, slapd):
    """AD userAccountControl bit 2 (ACCOUNTDISABLE) refuses the sign-in."""
    slapd.modify(f"dn: {dn_of('yamada')}\nchangetype: modify\nadd: userAccountControl\nuserAccountControl: 514\n")
    assert login(client, "yamada").status_code == 422


def test_directory_down_message_and_break_glass_admin(client, departments, slapd):
    """With slapd stopped, directory users get a Japanese message; the local break-glass admin still signs in."""
    make_user("breakglass", role="admin", name="緊急 管理者")
    slapd.stop()
    response = login(client, "yamada")
    assert response.status_code == 422
    assert "ディレクトリサーバーに接続できません" in response.get_data(as_text=True)
    assert login(client, "breakglass", PASSWORD).status_code == 302


def test_wrong_service_account_is_reported(client, departments, app):
    """A refused service bind is a configuration problem, said so in Japanese."""
    app.config["CONSULT_LDAP_BIND_PASSWORD"] = "wrong"
    response = login(client, "yamada")
    assert "検索用アカウント" in response.get_data(as_text=True)


def test_timeout_on_a_silent_server(client, departments, app):
    """A server that accepts but never answers is given up after the timeout, with the Japanese message."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    app.config["CONSULT_LDAP_URL"] = f"ldap://127.0.0.1:{silent.getsockname()[1]}"
    app.config["CONSULT_LDAP_TIMEOUT"] = 1
    started = time.monotonic()
    response = login(client, "yamada")
    silent.close()
    assert "ディレクトリサーバーに接続できません" in response.get_data(as_text=True)
    assert time.monotonic() - started < 10


def test_local_passwords_without_a_directory(client, app):
    """No CONSULT_LDAP_URL: local accounts and passwords as before."""
    app.config["CONSULT_LDAP_URL"] = ""
    make_user("local1", name="地方 太郎")
    assert login(client, "local1", PASSWORD).status_code == 302


def test_settings_are_checked():
    """Readable Japanese errors for broken settings; AD-style attributes parse."""
    with pytest.raises(directory_settings.DirectoryConfigError):
        directory_settings.parse_url("http://dc01")
    config = {"CONSULT_LDAP_URL": "ldap://dc01.pref.example/?starttls", "CONSULT_LDAP_USER_FILTER": "(sAMAccountName={login})",
              "CONSULT_LDAP_ATTRS": "login=sAMAccountName,name=displayName,email=mail,department=department,id=objectGUID",
              "CONSULT_LDAP_ROLE_GROUPS": "dx_staff=cn=dx-staff,ou=groups,dc=pref,dc=example;admin=cn=admins,dc=pref,dc=example",
              "CONSULT_LDAP_NESTED_GROUPS": "ad"}
    loaded = directory_settings.load(config)
    assert (loaded.port, loaded.start_tls, loaded.attrs["id"]) == (389, True, "objectGUID")
    assert loaded.role_groups["admin"] == "cn=admins,dc=pref,dc=example"
    with pytest.raises(directory_settings.DirectoryConfigError):
        directory_settings.load({**config, "CONSULT_LDAP_ROLE_GROUPS": "boss=cn=x"})


def test_objectguid_is_read_as_uuid():
    """AD's binary objectGUID becomes the usual GUID text."""
    import uuid

    from consult.directory.client import stable_id

    guid = uuid.UUID("2f3a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c")
    assert stable_id(guid.bytes_le) == str(guid)


def test_directory_admin_must_enrol_the_second_factor(client, departments, app):
    """A directory admin (by group) is sent to the enrolment after the directory accepted the password."""
    app.config["CONSULT_TOTP_REQUIRED_ROLES"] = "dx_staff,admin"
    response = login(client, "kanri")
    assert response.headers["Location"].endswith("/login/second-factor/setup")
    assert client.get("/admin/").status_code == 302  # not signed in before the second factor
