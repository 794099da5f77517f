"""公文書 lifecycle in the browser: retention settings, 保存期間満了, proposal, approval, tombstone, ledgers.

Runs after the other browser files (it disposes one demo record of the shared server)."""
import re

import pytest
from freezegun import freeze_time

from .helpers import axe_violations, format_violations

pytestmark = pytest.mark.browser

AS_OF = "2040-04-01"


def click_and_wait(page, locator) -> None:
    """Click a link or submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def _no_axe_violations(page) -> None:
    """axe-core finds nothing on the current page."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def _run_jobs(server) -> str:
    """`flask --app app jobs run` in the server's process, on a day after every demo 満了日."""
    from consult.ops.jobs import run_all

    lines = []
    with freeze_time(f"{AS_OF} 03:00:00"), server["app"].app_context():
        assert run_all(echo=lambda text, **_: lines.append(text)) == 0, lines
    return "\n".join(lines)


def test_retention_proposal_approval_disposal_and_ledgers(e2e, e2e_server):
    """Admin sets a period; DX staff propose a due record; the admin approves; the ticket shows its tombstone."""
    admin = e2e.login("admin")
    admin.goto("/records/settings")
    first = admin.locator("tbody tr").first
    name = first.get_by_role("rowheader").inner_text()
    first.get_by_label(re.compile("^保存期間")).select_option("10")
    first.get_by_label(re.compile("^措置")).select_option("dispose")
    click_and_wait(admin, first.get_by_role("button", name=re.compile("^保存")))
    assert "保存期間の設定を保存しました" in admin.locator("main").inner_text()
    row = admin.get_by_role("row").filter(has=admin.get_by_role("rowheader", name=name, exact=True))
    assert "10年" in row.inner_text() and "廃棄" in row.inner_text()

    staff = e2e.login("dx1")
    staff.goto("/records/")
    staff.get_by_label("基準日").fill(AS_OF)
    click_and_wait(staff, staff.get_by_role("button", name="表示する"))
    box = staff.locator("input[name=ticket]").first
    number = box.locator("xpath=ancestor::tr").get_by_role("rowheader").inner_text()
    box.check()
    click_and_wait(staff, staff.get_by_role("button", name="選んだ記録の廃棄・移管を提案する"))
    assert "提案しました" in staff.locator("main").inner_text() and number in staff.locator("main").inner_text()
    assert not staff.get_by_role("button", name=re.compile("^承認")).count()  # DX staff cannot approve

    admin.goto("/records/approvals")
    _no_axe_violations(admin)
    approve = admin.get_by_role("button", name=re.compile(rf"^承認\s*（{number}）"))
    assert approve.count() == 1, admin.locator("main").inner_text()
    click_and_wait(admin, approve)
    assert "承認しました" in admin.locator("main").inner_text()
    assert "廃棄 1件" in _run_jobs(e2e_server)

    admin.goto(f"/tickets/{number}")
    assert "保存期間満了により廃棄済み" in admin.locator("main").inner_text()
    _no_axe_violations(admin)
    staff.goto("/records/disposals")
    assert number in staff.locator("main").inner_text()
    _no_axe_violations(staff)
    staff.goto("/records/ledger")
    with staff.expect_download() as info:
        staff.get_by_role("link", name="CSVで保存（UTF-8）").click()
    data = info.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and number.encode() not in data  # disposed: not a current record
    with staff.expect_download() as info:
        staff.get_by_role("link", name="Excelで保存").click()
    assert info.value.path().read_bytes()[:2] == b"PK"
