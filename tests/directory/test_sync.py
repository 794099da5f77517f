"""`directory sync` against a real slapd, changed between runs with ldapmodify / ldapmodrdn."""
import pytest

from models import AuditEvent, DirectorySync, User, db
from tests.factories import make_department, make_ticket, make_user

from .slapd import PEOPLE, USER_PASSWORD, dn_of, person


@pytest.fixture
def departments(app):
    """The 所属 codes the directory uses (KOWAN is deliberately missing)."""
    return {code: make_department(code=code, name=name) for code, name in
            [("JINJI", "人事課"), ("DOBOKU", "道路課"), ("DX", "DX推進課")]}


def sync(runner, *args):
    """Run the command; return its output."""
    result = runner.invoke(args=["directory", "sync", *args])
    assert result.exit_code == 0, result.output
    return result.output


def accounts():
    """login → (name, 所属 code, role, active) of every user."""
    db.session.expire_all()
    return {u.login: (u.name, getattr(u.department, "code", None), u.role, u.active) for u in db.session.query(User)}


def test_dry_run_changes_nothing(runner, departments):
    """The dry run prints the differences in Japanese and stores no account (but records the run)."""
    output = sync(runner, "--dry-run")
    assert "確認のみ" in output and "新規 7件" in output and "所属コード不明 1件" in output
    assert "山田 花子" in output and "KOWAN" in output
    assert db.session.query(User).count() == 0
    assert db.session.query(DirectorySync).one().dry_run
    assert db.session.query(AuditEvent).filter(AuditEvent.object_type == "user").count() == 0


def test_sync_creates_then_follows_changes(runner, departments, slapd):
    """Create with roles by (nested) group; then a 異動, a 改姓 (modrdn), a disabled and a deleted person."""
    output = sync(runner)
    assert "新規 7件" in output
    assert accounts()["tanaka"] == ("田中 四郎", "DX", "dx_staff", True)
    assert accounts()["kanri"][2] == "admin"
    assert accounts()["nakamura"][1] is None  # KOWAN is unknown: no 所属, reported
    sato = db.session.query(User).filter_by(login="sato").one()
    ticket = make_ticket(requester=sato)
    assert "新規 0件 / 変更 0件 / 無効化 0件" in sync(runner)

    slapd.modify(f"dn: {dn_of('yamada')}\nchangetype: modify\nreplace: departmentNumber\ndepartmentNumber: DOBOKU\n")
    slapd.modrdn(dn_of("sato"), "uid=kato")
    slapd.modify(f"dn: uid=kato,ou=jinji,ou=somu,{PEOPLE}\nchangetype: modify\nreplace: cn\ncn: 加藤 一郎\n")
    slapd.modify(f"dn: {dn_of('suzuki')}\nchangetype: modify\nadd: userAccountControl\nuserAccountControl: 514\n")
    slapd.delete(dn_of("takahashi"))
    slapd.modify("dn: cn=dx-staff,ou=groups,dc=pref,dc=example\nchangetype: modify\ndelete: member\n"
                 "member: cn=dx-core,ou=groups,dc=pref,dc=example\n")  # tanaka was in dx-staff only through dx-core
    slapd.add(person("kobayashi", "小林 七海", "小林", "JINJI", f"ou=jinji,ou=somu,{PEOPLE}"))

    preview = sync(runner, "--dry-run")
    assert "新規 1件 / 変更 3件 / 無効化 2件" in preview
    assert accounts()["yamada"][1] == "JINJI"  # the dry run left it

    output = sync(runner)
    assert "新規 1件 / 変更 3件 / 無効化 2件" in output
    assert "所属: JINJI → DOBOKU" in output and "ログインID: sato → kato" in output
    now = accounts()
    assert now["yamada"][1] == "DOBOKU"
    assert now["kato"][:2] == ("加藤 一郎", "JINJI") and "sato" not in now
    assert now["suzuki"][3] is False and now["takahashi"][3] is False  # deactivated, not deleted
    assert now["tanaka"][2] == "requester"
    assert now["kobayashi"] == ("小林 七海", "JINJI", "requester", True)
    db.session.refresh(ticket)
    assert ticket.requester.login == "kato"  # the renamed login keeps its tickets
    actions = {a for (a,) in db.session.query(AuditEvent.action)}
    assert {"user.created", "user.directory_updated", "user.deactivated", "directory.synced"} <= actions


def test_local_accounts_are_left_alone(runner, departments):
    """The break-glass admin (no directory id) is neither changed nor deactivated."""
    make_user("breakglass", role="admin", name="緊急 管理者")
    sync(runner)
    assert accounts()["breakglass"][3] is True


def test_imported_account_is_anchored_by_login(runner, departments):
    """An account made by the CSV import (same login, no password) gets the directory id instead of a twin."""
    imported = make_user("yamada", name="山田 花子", department=departments["JINJI"], password="x-unused-pass-1")
    imported.password_hash = ""
    db.session.commit()
    sync(runner)
    db.session.refresh(imported)
    assert imported.directory_id and db.session.query(User).filter_by(login="yamada").count() == 1


def test_directory_down_fails_clearly_and_is_recorded(runner, departments, slapd):
    """Stopped slapd: a one-line Japanese error, non-zero exit, a failed run on record, nothing changed."""
    sync(runner)
    slapd.stop()
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code != 0 and "ディレクトリサーバーに接続できません" in result.output
    assert all(a[3] for a in accounts().values())
    assert db.session.query(DirectorySync).filter_by(ok=False).count() == 1


def test_empty_answer_deactivates_nobody(runner, departments, app):
    """A wrong user base that finds nobody must not deactivate everyone."""
    sync(runner)
    app.config["CONSULT_LDAP_USER_BASE"] = "ou=groups,dc=pref,dc=example"
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code != 0 and "1人も返りませんでした" in result.output
    assert all(a[3] for a in accounts().values())


def test_admin_page_runs_and_shows_the_differences(client, departments):
    """The admin page: dry run, then sync; the last run's differences are listed."""
    make_user("breakglass", role="admin", name="緊急 管理者")
    client.post("/login", data={"login": "breakglass", "password": "correct-horse-42"})
    page = client.get("/admin/directory")
    assert page.status_code == 200 and "差分を確認する" in page.get_data(as_text=True)
    assert client.post("/admin/directory", data={"action": "dry-run"}).status_code == 302
    shown = client.get("/admin/directory").get_data(as_text=True)
    assert "確認のみ" in shown and "山田 花子" in shown and "所属コード KOWAN が登録されていません" in shown
    assert db.session.query(User).count() == 1
    client.post("/admin/directory", data={"action": "apply"})
    assert db.session.query(User).count() == 8
    assert client.post("/login", data={"login": "yamada", "password": USER_PASSWORD}).status_code == 302


def test_admin_page_requires_admin(client, departments):
    """Requesters get 403."""
    make_user("req1", name="一般 職員")
    client.post("/login", data={"login": "req1", "password": "correct-horse-42"})
    assert client.get("/admin/directory").status_code == 403


def test_deactivated_handler_with_open_tickets_is_reported_not_silently_orphaned(runner, departments, slapd, client, auth):
    """A DX staff member gone from the directory while 主担当 of an open ticket: the dry run, the run and the admin
    page name the ticket to reassign; the finished ticket is not listed."""
    sync(runner)
    takahashi = db.session.query(User).filter_by(login="takahashi").one()
    requester = db.session.query(User).filter_by(login="yamada").one()
    held = make_ticket(requester=requester, status="in_progress", main_handler=takahashi)
    make_ticket(requester=requester, status="closed", main_handler=takahashi)
    slapd.delete(dn_of("takahashi"))
    line = "担当中の相談1件（" + held.number + "）の付け替えが必要です"
    assert line in sync(runner, "--dry-run")
    assert line in sync(runner)
    assert accounts()["takahashi"][3] is False
    make_user("local_admin", role="admin")
    auth.login("local_admin")
    assert line in client.get("/admin/directory").get_data(as_text=True)
