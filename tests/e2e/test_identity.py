"""Browser journeys of issue 18: TOTP enrolment and sign-in, the directory sync page against a real slapd,
and the CSV upload under 管理 — each page also checked with axe."""
import re
import subprocess

import pytest

from models import User, db
from tests.directory import slapd as slapd_module

from .helpers import axe_violations, format_violations

pytestmark = pytest.mark.browser


def oathtool(secret: str, when: str | None = None) -> str:
    """The current (or another time's) TOTP code from Debian's oathtool."""
    return subprocess.run(["oathtool", "--totp", "-b", secret] + (["-N", when] if when else []),
                          check=True, capture_output=True, text=True).stdout.strip()


def no_violations(page, name):
    """axe finds nothing on the page."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations, name)


def sign_in(page, login, password):
    """Fill the login form."""
    page.goto("/login")
    page.get_by_label("ログインID").fill(login)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()


def test_totp_enrolment_and_sign_in(e2e, e2e_server):
    """A requester turns the second factor on, keeps the recovery codes, and signs in with a code next time."""
    from consult.auth.passwords import hash_password

    with e2e_server["app"].app_context():
        if not db.session.query(User).filter_by(login="e2e_totp").count():
            db.session.add(User(login="e2e_totp", name="二段 認証", role="requester", password_hash=hash_password("e2e-pass-2026x")))
            db.session.commit()
    page = e2e.new_page()
    sign_in(page, "e2e_totp", "e2e-pass-2026x")
    page.goto("/account/two-factor")
    page.get_by_role("link", name="2段階認証を設定する").click()
    assert page.locator("figure.qr-code svg").count() == 1
    no_violations(page, "2段階認証の設定")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("確認コード").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="設定を完了する").click()
    assert page.get_by_role("alert").count() == 1 and page.get_by_label("確認コード").count() == 1
    page.get_by_label("確認コード").fill(oathtool(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="設定を完了する").click()
    assert page.locator(".recovery-codes li").count() == 10
    no_violations(page, "回復コード")
    with page.expect_navigation():
        page.get_by_role("button", name="ログアウト").click()
    sign_in(page, "e2e_totp", "e2e-pass-2026x")
    assert page.url.endswith("/login/second-factor")
    no_violations(page, "2段階認証（ログイン）")
    page.get_by_label("確認コード").fill(oathtool(secret, "now + 30 seconds"))
    with page.expect_navigation():
        page.get_by_role("button", name="確認する").click()
    assert "/login" not in page.url and "ようこそ" in page.content()


def test_bulk_import_upload(e2e, tmp_path):
    """A wrong file shows the line numbers and stores nothing; the corrected file is imported."""
    page = e2e.login("admin")
    page.goto("/admin/users/import")
    bad = tmp_path / "bad.csv"
    bad.write_text("login,name,email,所属コード,role\ne2e_imp1,取込 一郎,,A0101,requester\ne2e_imp2,取込 二郎,,ZZZ,requester\n",
                   encoding="utf-8")
    page.get_by_label("CSVファイル").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="確認して登録する").click()
    assert "3行目" in page.get_by_role("alert").inner_text()
    no_violations(page, "一括登録（エラー）")
    good = tmp_path / "good.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace("ZZZ", "A0101"), encoding="utf-8")
    page.get_by_label("CSVファイル").set_input_files(str(good))
    with page.expect_navigation():
        page.get_by_role("button", name="確認して登録する").click()
    assert "/admin/users" in page.url and "新規 2人" in page.content()


def test_directory_sync_page(e2e, e2e_server, tmp_path):
    """With a directory configured, the admin runs a dry run and sees the differences."""
    server = slapd_module.Slapd(tmp_path / "slapd").start()
    app = e2e_server["app"]
    saved = {k: app.config.get(k) for k in server.settings()}
    app.config.update(server.settings())
    try:
        page = e2e.login("admin")
        page.goto("/admin/directory")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("差分を確認する")).click()
        assert "山田 花子" in page.content() and "確認のみ" in page.content()
        no_violations(page, "ディレクトリ同期（差分）")
    finally:
        app.config.update(saved)
        server.stop()


def test_staff_enrol_at_sign_in(e2e, e2e_server):
    """With the second factor required for DX staff, a new staff member is led through the enrolment at sign-in."""
    from consult.auth.passwords import hash_password

    app = e2e_server["app"]
    with app.app_context():
        if not db.session.query(User).filter_by(login="e2e_dx").count():
            db.session.add(User(login="e2e_dx", name="必須 二段", role="dx_staff", password_hash=hash_password("e2e-pass-2026y")))
            db.session.commit()
    saved = app.config["CONSULT_TOTP_REQUIRED_ROLES"]
    app.config["CONSULT_TOTP_REQUIRED_ROLES"] = "dx_staff,admin"
    try:
        page = e2e.new_page()
        sign_in(page, "e2e_dx", "e2e-pass-2026y")
        assert page.url.endswith("/login/second-factor/setup")
        assert "設定が必要です" in page.content()
        secret = page.locator("#totp-secret").inner_text()
        page.get_by_label("確認コード").fill(oathtool(secret))
        with page.expect_navigation():
            page.get_by_role("button", name="設定を完了する").click()
        assert page.locator(".recovery-codes li").count() == 10
        with page.expect_navigation():
            page.get_by_role("link", name="控えたので続ける").click()
        assert "/desk" in page.url
    finally:
        app.config["CONSULT_TOTP_REQUIRED_ROLES"] = saved
