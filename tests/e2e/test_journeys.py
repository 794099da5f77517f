"""End-to-end journeys in headless Chromium, each from login to result, with accessible selectors.

They run in file order and hand over what they made (ticket number, case ref) through
`shared_state`; a journey run on its own makes what it needs first."""
import csv
import io
import re

import pytest

from .conftest import screenshot
from .helpers import tiny_pdf

pytestmark = pytest.mark.browser

TITLE = "市町村からの報告をエクセルに手入力して集計している"
PURPOSE = "市町村から届く鳥獣（イノシシ・シカ）の目撃報告を取りまとめ、被害対策会議の資料にするため"
PROCESS = "紙とメールで届く報告を、係の担当者がエクセルの集計表に1件ずつ手入力し、月末に集計している"
PROBLEM = "鳥獣の目撃報告が毎月300件ほどあり、佐々木が一人で2日かけて手入力している。転記ミスも多く、属人化している"
PUBLIC_REPLY = "ご相談ありがとうございます。電子申請の様式で報告を受け付け、集計を自動化する方法をご提案します。"
INTERNAL_NOTE = "内部メモ：昨年度の類似案件と同じ構成で対応できそう。課長への説明資料が必要。"
ROOT_CAUSE = "報告の様式が紙とメールで統一されておらず、手入力による転記が前提になっていた"
QUERY = "鳥獣 目撃 Excel 取りまとめ 手打ち"  # other words: Excel/エクセル, 取りまとめ/集計, 手打ち/手入力
RESOLUTION = "オンラインフォームで報告を受け付け、回答をそのまま集計表に取り込む仕組みにした"


def nav(page, name: str):
    """A link of the main navigation."""
    return page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name=name, exact=True)


def click_and_wait(page, locator) -> None:
    """Click a link or submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def field(page, label: str):
    """A form control by its label; the label may end with the 「必須」 marker."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*必須)?$"))


class Checks:
    """Soft checks: the journey goes on and the test fails at the end with every problem listed."""

    def __init__(self):
        self.problems: list[str] = []

    def __call__(self, condition, message: str) -> bool:
        """Record `message` when `condition` is false."""
        if not condition:
            self.problems.append(message)
        return bool(condition)

    def done(self):
        """Fail with the list of problems, if any."""
        assert not self.problems, "journey problems:\n- " + "\n- ".join(self.problems)


def fill_intake(page, title=TITLE, purpose=PURPOSE, process=PROCESS, problem=PROBLEM):
    """Type the trouble into the intake form (the required text fields)."""
    field(page, "件名").fill(title)
    field(page, "業務の目的").fill(purpose)
    field(page, "現在のやり方").fill(process)
    field(page, "困っていること").fill(problem)


def finish_intake(page):
    """The remaining required choices and an attachment."""
    field(page, "頻度").select_option("毎月")
    field(page, "月あたりの作業時間（時間）").fill("16")
    page.get_by_role("radio", name="含まない", exact=True).check()
    field(page, "添付ファイル").set_input_files(
        files=[{"name": "鳥獣報告の様式.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )


def submit_intake(page) -> str:
    """Send the intake form; return the new ticket number."""
    click_and_wait(page, page.get_by_role("button", name="相談を送信する"))
    flash = page.locator(".flash").first
    assert "相談を受け付けました" in flash.inner_text(), page.content()[:2000]
    number = re.search(r"DX-\d{4}-\d+", flash.inner_text()).group(0)
    assert page.url.endswith(f"/tickets/{number}")
    return number


def ensure_ticket(e2e, state) -> str:
    """The ticket filed by journey 1, or a new one filed now (when a journey runs on its own)."""
    if "number" not in state:
        page = e2e.login("req1")
        page.goto("/tickets/new")
        fill_intake(page)
        finish_intake(page)
        state["number"] = submit_intake(page)
        page.context.close()
    return state["number"]


def test_journey_1_requester_files_a_consultation(e2e, shared_state):
    """相談する → suggestions appear → open one → back → send with a PDF → 自分の相談."""
    check = Checks()
    page = e2e.login("req1")
    click_and_wait(page, nav(page, "相談する"))
    assert page.get_by_role("heading", level=1).inner_text() == "相談する"
    field(page, "件名").fill(TITLE)  # suggestions follow what is typed (title, purpose, trouble)

    suggestions = page.locator("#suggestions a")
    try:
        suggestions.first.wait_for(state="visible", timeout=6000)
    except Exception:  # noqa: BLE001 — reported below with the likely cause
        scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.getAttribute('src'))")
        check(False, "intake: no suggested case appeared in #suggestions within 6 s "
                     f"(scripts on the page: {scripts}; templates/tickets/new.html must load js/suggest.js)")
    if suggestions.count():
        screenshot(page, "01-intake.png")
        first_title = suggestions.first.inner_text().split("（")[0].strip()
        with page.context.expect_page() as popup_info:
            suggestions.first.click()
        case_page = popup_info.value
        case_page.wait_for_load_state()
        check(first_title in case_page.get_by_role("heading", level=1).inner_text(),
              f"suggested case page does not show the case title {first_title!r}")
        case_page.close()
        page.bring_to_front()
        check(field(page, "件名").input_value() == TITLE, "intake: what was typed was lost after opening a case")
    fill_intake(page)
    finish_intake(page)
    number = submit_intake(page)
    shared_state["number"] = number
    check(page.get_by_role("link", name="鳥獣報告の様式.pdf", exact=True).count() == 1, "ticket page: the PDF attachment is not listed")
    check(page.get_by_role("link", name="鳥獣報告の様式.pdf をブラウザで表示").count() == 1,
          "ticket page: the PDF attachment has no 表示 (view in the browser) link")
    check(page.locator(".badge").first.inner_text() == "新規", "ticket page: the status is not 新規")

    click_and_wait(page, nav(page, "自分の相談"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))
    assert row.count() == 1, f"自分の相談 does not list {number}"
    assert TITLE in row.inner_text()
    check.done()


def test_journey_2_staff_handle_the_consultation(e2e, shared_state):
    """受付一覧 → suggested handler → assign → reply → internal note → resolve; the requester's view."""
    check = Checks()
    number = ensure_ticket(e2e, shared_state)
    page = e2e.login("dx1")
    click_and_wait(page, nav(page, "受付一覧"))
    assert page.get_by_role("link", name=number, exact=True).count() >= 1, f"受付一覧 does not list {number}"
    screenshot(page, "02-queue.png")
    click_and_wait(page, page.get_by_role("link", name=number, exact=True).first)

    panel = page.locator("#desk-panel")
    check(panel.count() == 1, "ticket page (staff): no DX担当の操作 panel")
    check("提案" in panel.inner_text(), "ticket page (staff): no suggested handler (提案：…)")

    for label, name in (("主担当", "高橋 美咲"), ("副担当", "森田 健一")):  # options read 「名前（対応中 主n・副m）」
        select = field(page, label)
        select.select_option(select.locator("option", has_text=name).get_attribute("value"))
    click_and_wait(page, page.get_by_role("button", name="更新", exact=True))
    summary = page.locator("#summary-title").locator("xpath=..")
    check("高橋 美咲" in summary.inner_text() and "森田 健一" in summary.inner_text(),
          "after 更新 the summary does not show main 高橋 美咲 and backup 森田 健一")

    field(page, "返信").fill(PUBLIC_REPLY)
    click_and_wait(page, page.get_by_role("button", name="返信を送信する"))
    check(page.get_by_text(PUBLIC_REPLY).count() >= 1, "the public reply is not shown on the ticket page")

    field(page, "本文").fill(INTERNAL_NOTE)
    click_and_wait(page, page.get_by_role("button", name="内部メモを追加"))
    check(page.locator(".comment.internal").filter(has_text=INTERNAL_NOTE).count() == 1,
          "the internal note is not shown (marked 内部メモ) to staff")
    screenshot(page, "03-ticket-staff.png")

    field(page, "原因").fill(ROOT_CAUSE)
    field(page, "解決方法の種類").select_option("ツール導入")
    field(page, "解決内容").fill(RESOLUTION)
    field(page, "年間削減時間（時間）").fill("120")
    click_and_wait(page, page.get_by_role("button", name="解決にする", exact=True))
    check(page.locator(".ticket-status-line .badge").inner_text() == "解決", "the status is not 解決 after 解決にする")

    req = e2e.login("req1")
    req.goto(f"/tickets/{number}")
    text = req.locator("main").inner_text()
    check(PUBLIC_REPLY in text, "the requester does not see the public reply")
    check(INTERNAL_NOTE not in text and "内部メモ" not in text, "the requester sees the internal note!")
    check(req.locator(".ticket-status-line .badge").inner_text() == "解決", "the requester does not see the status 解決")
    check(RESOLUTION in text, "the requester does not see the resolution summary")
    shared_state["resolved"] = True
    check.done()


def _ensure_resolved(e2e, state) -> str:
    """The ticket of journey 1, resolved by journey 2 (or by a quick run of it)."""
    if not state.get("resolved"):
        test_journey_2_staff_handle_the_consultation(e2e, state)
    return state["number"]


def test_journey_3_staff_publish_a_case_found_by_another_department(e2e, shared_state):
    """事例化 → anonymisation warning for the requester's name → fix → publish → found in other words."""
    number = _ensure_resolved(e2e, shared_state)
    page = e2e.login("dx1")
    page.goto(f"/tickets/{number}")
    make_case = page.get_by_role("button", name="この相談を事例にする")
    assert make_case.count() == 1, (
        "ticket page (staff, resolved): no 「この相談を事例にする」 button "
        "(templates/cases/_from_ticket_button.html is not included in the ticket page)"
    )
    click_and_wait(page, make_case)
    assert "/cases/" in page.url and page.url.endswith("/edit"), page.url
    findings = page.locator("#findings")
    assert findings.count() == 1 and "佐々木" in findings.inner_text(), "no anonymisation warning for 佐々木"
    for label in ("件名", "困りごと", "原因", "解決策", "効果"):
        box = field(page, label)
        if box.count() == 1 and "佐々木" in box.input_value():
            box.fill(box.input_value().replace("佐々木", "担当者"))
    click_and_wait(page, page.get_by_role("button", name="保存して公開する"))
    assert page.locator("#findings").count() == 0, page.locator("#findings").inner_text()
    assert "公開" in page.locator(".badge").first.inner_text(), page.locator("main").inner_text()[:800]
    ref = re.search(r"/cases/([^/?#]+)", page.url).group(1)
    shared_state["case_ref"] = ref
    case_title = page.get_by_role("heading", level=1).inner_text().strip()

    other = e2e.login("req3")
    click_and_wait(other, nav(other, "事例をさがす"))
    other.get_by_label("キーワードや困りごと").fill(QUERY)
    click_and_wait(other, other.get_by_role("button", name="検索", exact=True))
    hit = other.locator(".case-list").get_by_role("link", name=case_title)
    assert hit.count() >= 1, f"the new case {ref} 「{case_title}」 is not on the first page of results for 「{QUERY}」"
    screenshot(other, "04-case-search.png")
    click_and_wait(other, hit.first)
    assert other.get_by_role("heading", level=1).inner_text().strip() == case_title
    assert "佐々木" not in other.locator("main").inner_text()


def test_journey_4_dashboard_and_csv(e2e, shared_state):
    """実績 shows the new consultation and the hours saved; the CSV export downloads."""
    number = _ensure_resolved(e2e, shared_state)
    page = e2e.login("dx1")
    click_and_wait(page, nav(page, "実績"))
    assert page.get_by_role("heading", level=1).inner_text() == "実績"
    main = page.locator("main").inner_text()
    assert number in main, f"the dashboard does not list {number} (削減時間の大きい相談)"
    row = page.get_by_role("row").filter(has_text=number)
    assert "120" in row.first.inner_text(), "the dashboard does not show the 120 hours saved"
    screenshot(page, "05-dashboard.png")
    with page.expect_download() as info:
        page.get_by_role("button", name="相談をCSVで書き出す").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    data = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert len(rows) > 2 and any(number in r for r in rows), f"{number} is not in the CSV export"


def test_journey_5_empty_intake_shows_errors_and_keeps_input(e2e):
    """An incomplete intake form: the Japanese error summary, focus on it, and what was typed is kept."""
    page = e2e.login("req2")
    click_and_wait(page, nav(page, "相談する"))
    field(page, "件名").fill("会議室の予約が重複する")
    click_and_wait(page, page.get_by_role("button", name="相談を送信する"))
    summary = page.get_by_role("alert").filter(has_text="入力内容を確認してください")
    assert summary.count() == 1
    text = summary.inner_text()
    for message in ("業務の目的を入力してください", "現在のやり方を入力してください",
                    "困っていることを入力してください", "頻度を選択してください"):
        assert message in text, text
    assert field(page, "件名").input_value() == "会議室の予約が重複する"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary.get_by_role("link", name=re.compile("業務の目的")).click()
    assert page.evaluate("document.activeElement.name") == "purpose"
    assert field(page, "業務の目的").get_attribute("aria-invalid") == "true"


def test_login_screen(e2e):
    """The login screen (screenshot), and a wrong password gets a Japanese message, not a 500."""
    page = e2e.new_page()
    page.goto("/")
    assert "/login" in page.url
    page.goto("/login")
    screenshot(page, "06-login.png")
    page.get_by_label("ログインID").fill("req1")
    page.locator("#password").fill("wrong-password")
    click_and_wait(page, page.get_by_role("button", name="ログイン"))
    assert page.get_by_role("alert").count() == 1
    assert "/login" in page.url
