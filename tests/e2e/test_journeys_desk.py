"""Desk workflow journeys in headless Chromium: a 定型文 inserted into a reply, 「送信して回答待ちにする」 with
the SLA clock paused, and the requester's reply resuming it."""
import re

import pytest

from .conftest import screenshot
from .test_journeys import Checks, click_and_wait, field

pytestmark = pytest.mark.browser

CANNED_TITLE = "資料のお願い（E2E）"
CANNED_BODY = "{相談者名} 様\n{番号}「{件名}」について、現在の様式を添付して返信してください。"
TITLE = "電話で受けた相談：出張旅費の精算書を手で計算している"


def _file_by_phone(page) -> str:
    """File a consultation for 佐々木 由美 (req1) received by phone; return its number."""
    page.goto("/desk/intake")
    page.get_by_label("氏名またはログインID").fill("佐々木")
    click_and_wait(page, page.get_by_role("button", name="探す"))
    click_and_wait(page, page.get_by_role("link", name=re.compile("佐々木 由美.*を相談者にする")))
    page.get_by_role("radio", name="電話", exact=True).check()
    field(page, "件名").fill(TITLE)
    field(page, "業務の目的").fill("出張旅費を正しく支給するため")
    field(page, "現在のやり方").fill("電卓で距離と日当を計算して精算書に書いている")
    field(page, "困っていること").fill("月に40件あり計算ミスが多い")
    field(page, "頻度").select_option("毎月")
    page.get_by_role("radio", name="含まない", exact=True).check()
    click_and_wait(page, page.get_by_role("button", name="相談者の相談として登録する"))
    flash = page.locator(".flash").first.inner_text()
    assert "佐々木 由美 さんの相談として受け付けました" in flash, flash
    return re.search(r"DX-\d{4}-\d+", flash).group(0)


def test_journey_desk_canned_reply_and_wait_pauses_the_clock(e2e):
    """定型文 → filed by phone → self-assign → insert the canned reply → 送信して回答待ちにする → clock paused →
    the requester answers → 対応中 again and the history shows the pause and the resume."""
    check = Checks()
    page = e2e.login("dx1")
    page.goto("/desk/canned")
    page.get_by_label(re.compile("^名前")).fill(CANNED_TITLE)
    page.get_by_label(re.compile("^本文")).fill(CANNED_BODY)
    click_and_wait(page, page.get_by_role("button", name="保存する"))
    check(page.get_by_role("cell", name=CANNED_TITLE, exact=True).count() == 1, "the new 定型文 is not listed")

    number = _file_by_phone(page)
    check("受付方法：電話" in page.locator("#desk-panel").inner_text(), "the staff panel does not show 受付方法：電話")
    click_and_wait(page, page.get_by_role("button", name="自分が担当する"))

    page.locator("#desk-canned summary").click()
    page.get_by_label("定型文", exact=True).select_option(label=CANNED_TITLE)
    page.get_by_role("button", name="返信に挿入").click()
    body = field(page, "返信").input_value()
    check(body.startswith("佐々木 由美 様") and number in body and TITLE in body,
          f"the canned reply was not filled in for the ticket: {body!r}")
    screenshot(page, "14-canned-reply.png")
    click_and_wait(page, page.get_by_role("button", name="送信して回答待ちにする"))
    check(page.locator(".ticket-status-line .badge").inner_text() == "回答待ち", "the status is not 回答待ち after the reply")
    check(page.get_by_text("現在の様式を添付して返信してください").count() >= 1, "the reply is not in the conversation")

    page.goto(f"/desk/?q={number}&f=1&status=waiting")
    row = page.get_by_role("row").filter(has_text=number)
    check("停止中（回答待ち）" in row.inner_text(), "the queue does not show the resolution clock stopped")

    req = e2e.login("req1")
    req.goto(f"/tickets/{number}")
    req.get_by_role("textbox", name=re.compile("^返信")).fill("様式を送ります。")
    click_and_wait(req, req.get_by_role("button", name="返信を送信する"))
    check(req.locator(".ticket-status-line .badge").inner_text() == "対応中", "the requester's reply did not resume 対応中")

    page.goto(f"/desk/tickets/{number}/history")
    history = page.locator("main").inner_text()
    check("解決期限の停止（回答待ち）" in history and "解決期限の再開" in history, "the history lacks the pause/resume events")
    page.goto(f"/desk/?q={number}")
    row = page.get_by_role("row").filter(has_text=number)
    check("相談者から返信あり" in row.inner_text(), "the queue does not mark the requester's reply")
    check.done()


def test_journey_desk_merge_a_duplicate(e2e):
    """Two phone consultations of the same person → merge the second into the first → its number redirects and
    the conversation is in the first; the requester sees 関連する相談."""
    check = Checks()
    page = e2e.login("dx1")
    first = _file_by_phone(page)
    duplicate = _file_by_phone(page)
    page.get_by_label("この相談を統合する先の番号（重複のとき）").fill(first)
    page.once("dialog", lambda dialog: dialog.accept())
    click_and_wait(page, page.get_by_role("button", name="統合する"))
    check(page.url.split("#")[0].endswith(f"/tickets/{first}"), f"after 統合する the page is not {first}: {page.url}")
    check(page.get_by_text(f"重複していた相談 {duplicate}").count() >= 1, "the merge note is not in the conversation")
    req = e2e.login("req1")
    req.goto(f"/tickets/{duplicate}")
    check(req.url.endswith(f"/tickets/{first}"), "the merged number does not redirect for the requester")
    check(req.locator("#related").get_by_role("link", name=duplicate).count() == 1, "関連する相談 does not list the duplicate")
    req.goto("/notifications")
    check(req.get_by_text(f"{duplicate}").count() >= 1, "the requester has no お知らせ about the merge")
    check.done()
