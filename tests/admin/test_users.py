"""Users: list with filters and paging, create, edit, deactivate, force password change, unlock."""
import re
from datetime import timedelta

from sqlalchemy import select

from consult.auth.passwords import verify_password
from models import AuditEvent, User, db, utcnow
from tests import factories

NEW_PASSWORD = "kenchou-Ninja-2026"


def _events(action):
    """Audit events of one action."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _user(login):
    """Reload a user from the database."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.login == login))


def test_list_filters_by_role_department_active(admin_client, users):
    """The list can be narrowed by role, department, active flag and text."""
    page = admin_client.get("/admin/users").get_data(as_text=True)
    for login in ("req", "req_colleague", "req_other", "dx", "dx2", "admin"):
        assert f">{login}</th>" in page
    page = admin_client.get("/admin/users?role=dx_staff").get_data(as_text=True)
    assert ">dx</th>" in page and ">dx2</th>" in page and ">req</th>" not in page
    dept = users["requester"].department_id
    page = admin_client.get(f"/admin/users?department={dept}").get_data(as_text=True)
    assert ">req</th>" in page and ">req_colleague</th>" in page and ">req_other</th>" not in page
    users["colleague"].active = False
    db.session.commit()
    page = admin_client.get("/admin/users?active=0").get_data(as_text=True)
    assert ">req_colleague</th>" in page and ">req</th>" not in page
    page = admin_client.get("/admin/users?q=山田").get_data(as_text=True)
    assert ">req</th>" in page and ">dx</th>" not in page


def test_list_bad_filter_is_400_with_message(admin_client, users):
    """An unknown role in the query string is a 400 with a Japanese message, not a 500."""
    response = admin_client.get("/admin/users?role=boss&department=abc")
    assert response.status_code == 400
    assert "入力内容を確認してください" in response.get_data(as_text=True)


def test_list_pages(admin_client, users):
    """More users than fit on a page are paged."""
    for i in range(35):
        factories.make_user(f"bulk{i:02d}", role="dx_staff")
    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "1 / 2 ページ（全41件）" in first
    second = admin_client.get("/admin/users?page=2").get_data(as_text=True)
    assert "2 / 2 ページ" in second
    assert admin_client.get("/admin/users?page=zzz").status_code == 200


def test_create_user(admin_client, users):
    """An admin creates a user; must-change-password is on by default; the event is audited."""
    form = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'<input checked id="must_change_password"', form)
    response = admin_client.post("/admin/users/new", data={
        "login": "kato", "name": "加藤 六郎", "email": "kato@pref.example.jp",
        "department": users["requester"].department_id, "role": "requester",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "must_change_password": "y",
    })
    assert response.status_code == 302
    user = _user("kato")
    assert user.name == "加藤 六郎" and user.must_change_password and verify_password(user.password_hash, NEW_PASSWORD)
    [event] = _events("user.created")
    assert event.object_id == user.id and event.actor_id == users["admin"].id


def test_create_user_without_forced_change(admin_client, users):
    """Unticking the box creates a user who is not asked to change the password."""
    admin_client.post("/admin/users/new", data={
        "login": "staff9", "name": "DX 九郎", "department": "", "role": "dx_staff",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert _user("staff9").must_change_password is False


def test_create_user_validation_keeps_input(admin_client, users):
    """Bad input: 422, Japanese error summary, typed values kept (never the password)."""
    response = admin_client.post("/admin/users/new", data={
        "login": "加藤", "name": "", "email": "not-an-address", "department": "", "role": "requester",
        "password": "short", "confirm": "other",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "入力内容を確認してください" in page
    assert "英数字と . _ - の2〜64文字にしてください" in page
    assert "氏名を入力してください" in page
    assert "メールアドレスの形式が正しくありません" in page
    assert "確認用のパスワードが一致しません" in page
    assert 'value="加藤"' in page and 'value="not-an-address"' in page
    assert "short" not in page


def test_create_user_policy_and_rules(admin_client, users):
    """Service rules: password policy, duplicate login, requester without department."""
    base = {"name": "加藤 六郎", "role": "requester", "department": users["requester"].department_id}
    r = admin_client.post("/admin/users/new", data={**base, "login": "kato", "password": "kato-kato-kato", "confirm": "kato-kato-kato"})
    assert r.status_code == 422 and "ログインIDを含めないでください" in r.get_data(as_text=True)
    r = admin_client.post("/admin/users/new", data={**base, "login": "REQ", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 422 and "すでに使われています" in r.get_data(as_text=True)
    r = admin_client.post("/admin/users/new", data={**base, "department": "", "login": "kato", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 422 and "所属職員には所属を指定してください" in r.get_data(as_text=True)
    assert 'value="加藤 六郎"' in r.get_data(as_text=True)
    assert _user("kato") is None


def test_create_user_unknown_department_is_rejected(admin_client, users):
    """A department id that is not offered is a validation error."""
    r = admin_client.post("/admin/users/new", data={"login": "kato", "name": "加藤", "role": "requester",
                                                     "department": 99999, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 422


def test_edit_user_and_audit(admin_client, users):
    """Editing changes the fields and records before/after of what changed."""
    other = users["other"].department_id
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/edit", data={
        "name": "山田 花子（旧姓）", "email": "hanako@pref.example.jp", "department": other, "role": "dx_staff", "active": "y",
    })
    assert r.status_code == 302
    user = _user("req")
    assert (user.name, user.email, user.department_id, user.role) == ("山田 花子（旧姓）", "hanako@pref.example.jp", other, "dx_staff")
    [event] = _events("user.updated")
    assert event.before["role"] == "requester" and event.after["role"] == "dx_staff"
    assert "active" not in event.after  # unchanged fields are not recorded


def test_deactivate_user_ends_sessions(client, auth, users):
    """Deactivating keeps the record, ends its sessions and is audited; the user can no longer log in."""
    auth.login("req")
    assert client.get("/tickets/mine").status_code != 302
    admin_client = client.application.test_client()
    admin_client.post("/login", data={"login": "admin", "password": factories.PASSWORD})
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/edit", data={
        "name": u.name, "email": u.email, "department": u.department_id, "role": "requester",
    })
    assert r.status_code == 302
    user = _user("req")
    assert user is not None and user.active is False
    assert _events("user.deactivated")
    assert client.get("/tickets/mine").status_code == 302  # the old session no longer works


def test_admin_cannot_deactivate_self_or_drop_own_admin_role(admin_client, users):
    """An admin cannot lock themselves out: clear message, nothing changed."""
    me = users["admin"]
    r = admin_client.post(f"/admin/users/{me.id}/edit", data={"name": me.name, "email": me.email, "department": "", "role": "admin"})
    assert r.status_code == 422 and "自分自身を無効にすることはできません" in r.get_data(as_text=True)
    r = admin_client.post(f"/admin/users/{me.id}/edit", data={"name": me.name, "email": me.email, "department": "", "role": "dx_staff", "active": "y"})
    assert r.status_code == 422 and "自分自身の管理者権限は外せません" in r.get_data(as_text=True)
    me = _user("admin")
    assert me.active and me.role == "admin"
    assert not _events("user.updated") and not _events("user.deactivated")


def test_edit_validation_keeps_input(admin_client, users):
    """Bad e-mail: 422 with the typed values kept."""
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/edit", data={"name": "新しい名前", "email": "bad@", "department": u.department_id,
                                                             "role": "requester", "active": "y"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'value="新しい名前"' in page and 'value="bad@"' in page
    assert _user("req").name == "山田 花子"


def test_edit_unknown_user_is_404(admin_client, users):
    """A user id that does not exist is a Japanese 404."""
    assert admin_client.get("/admin/users/99999/edit").status_code == 404


def test_force_password_change_without_password(client, auth, users):
    """Forcing a change sends the user to the password page at next request."""
    admin_client = client.application.test_client()
    admin_client.post("/login", data={"login": "admin", "password": factories.PASSWORD})
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/password", data={"temporary_password": "", "confirm": ""})
    assert r.status_code == 302
    assert _user("req").must_change_password
    [event] = _events("user.password_change_forced")
    assert event.after == {"must_change_password": True}
    auth.login("req")
    r = client.get("/tickets/mine")
    assert r.status_code == 302 and "/password" in r.headers["Location"]


def test_force_password_change_with_temporary_password(admin_client, users):
    """A temporary password replaces the old one (policy-checked) and is never written to the audit log."""
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/password", data={"temporary_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    user = _user("req")
    assert verify_password(user.password_hash, NEW_PASSWORD) and user.must_change_password
    [event] = _events("user.password_change_forced")
    assert NEW_PASSWORD not in str(event.after)


def test_force_password_change_policy(admin_client, users):
    """A weak temporary password is refused with the policy message; nothing changes."""
    u = users["requester"]
    r = admin_client.post(f"/admin/users/{u.id}/password", data={"temporary_password": "aaaa", "confirm": "aaaa"})
    assert r.status_code == 422
    assert "文字以上にしてください" in r.get_data(as_text=True)
    assert not _user("req").must_change_password
    r = admin_client.post(f"/admin/users/{u.id}/password", data={"temporary_password": NEW_PASSWORD, "confirm": "x"})
    assert r.status_code == 422 and "確認用のパスワードが一致しません" in r.get_data(as_text=True)


def test_unlock(admin_client, users):
    """Unlocking clears locked_until and the failed-login count, audited."""
    u = users["requester"]
    u.locked_until = utcnow() + timedelta(minutes=10)
    u.failed_logins = 3
    db.session.commit()
    page = admin_client.get(f"/admin/users/{u.id}/edit").get_data(as_text=True)
    assert "ロック中" in page and "ロックを解除する" in page
    assert "ロック中" in admin_client.get("/admin/users").get_data(as_text=True)
    r = admin_client.post(f"/admin/users/{u.id}/unlock")
    assert r.status_code == 302
    user = _user("req")
    assert user.locked_until is None and user.failed_logins == 0
    [event] = _events("user.unlocked")
    assert event.before["failed_logins"] == 3
