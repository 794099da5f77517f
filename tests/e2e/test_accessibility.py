"""axe-core (WCAG 2.1 A/AA) on every main page in each role, no CSP/script errors in the console,
no sideways scrolling at 200% zoom and at 375 px, and no request leaving 127.0.0.1."""
import re

import pytest

from .conftest import Session
from .helpers import axe_violations, format_violations, horizontal_overflow

pytestmark = pytest.mark.browser


def _first_link(page, list_url: str, selector: str) -> str:
    """The href of the first link matching `selector` on `list_url`."""
    page.goto(list_url)
    link = page.locator(selector).first
    assert link.count() == 1, f"no link {selector!r} on {list_url}"
    return link.get_attribute("href")


def _ticket(page):
    """A ticket page of the user's department (from 自分の相談 / 受付一覧)."""
    if "/desk" in page.url or page.evaluate("document.body.innerText").find("受付一覧") >= 0:
        return _first_link(page, "/desk/?status=in_progress", "table a[href*='/tickets/DX-']")
    return _first_link(page, "/tickets/mine?scope=dept", "table a[href*='/tickets/DX-']")


def _withdraw(page):
    """The 取下げ confirmation page of an open ticket of the user's department."""
    return _first_link(page, "/tickets/mine?scope=dept&status=open", "table a[href*='/tickets/DX-']") + "/withdraw"


def _case(page):
    """A published case page (first search hit)."""
    return _first_link(page, "/cases/?q=エクセル", ".case-list a[href*='/cases/']")


def _case_edit(page):
    """The edit page of a case (事例の管理)."""
    return _first_link(page, "/cases/manage", "table a[href$='/edit']")


def _history(page):
    """The history page of a ticket."""
    return _ticket(page).replace("/tickets/", "/desk/tickets/") + "/history"


def _record(page):
    """The 保存期間 page of a record due in 2040 (from the 保存期間満了 list)."""
    return _first_link(page, "/records/?as_of=2040-04-01", "table a[href*='/records/r/']")


def _print(page):
    """The print view of a ticket (印刷用の表示)."""
    return _ticket(page).replace("/tickets/", "/desk/tickets/") + "/print?notes=1"


def _user_edit(page):
    """The edit page of a user (管理)."""
    return _first_link(page, "/admin/users", "table a[href*='/admin/users/'][href$='/edit']")


def _user_deactivate(page):
    """The 担当の付け替えと無効化 page of a DX staff member (dx2 holds open demo tickets)."""
    return _first_link(page, "/admin/users?q=dx2", "table a[href*='/admin/users/'][href$='/edit']").replace(
        "/edit", "/deactivate")


def _department_edit(page):
    """The edit page of a department."""
    return _first_link(page, "/admin/departments", "a[href*='/admin/departments/'][href$='/edit']")


def _category_edit(page):
    """The edit page of a category."""
    return _first_link(page, "/admin/categories", "a[href*='/admin/categories/'][href$='/edit']")


# (login or None for anonymous, page name, URL or a function of the page returning the URL)
PAGES = [
    (None, "ログイン", "/login"),
    ("req1", "ホーム", "/"),
    ("req1", "相談する", "/tickets/new"),
    ("req1", "相談する（入力エラー）", "intake-errors"),
    ("req1", "自分の相談", "/tickets/mine"),
    ("req1", "相談の画面", _ticket),
    ("req1", "取下げ", _withdraw),
    ("req1", "事例をさがす（結果あり）", "/cases/?q=エクセル 集計"),
    ("req1", "事例をさがす（結果なし）", "/cases/?q=存在しない言葉ぬぬぬ"),
    ("req1", "事例の画面", _case),
    ("req1", "パスワード変更", "/password"),
    ("req1", "2段階認証", "/account/two-factor"),
    ("req1", "2段階認証の設定", "/login/second-factor/setup"),
    ("req1", "404", "/no-such-page"),
    ("req1", "お知らせ", "/notifications"),
    ("dx1", "ホーム", "/"),
    ("dx1", "受付一覧", "/desk/"),
    ("dx1", "担当状況", "/desk/workload"),
    ("dx1", "相談の画面（DX担当）", _ticket),
    ("dx1", "操作履歴", _history),
    ("dx1", "印刷用の表示", _print),
    ("dx1", "事例をさがす（結果あり）", "/cases/?q=押印"),
    ("dx1", "事例の画面（DX担当）", _case),
    ("dx1", "事例の管理", "/cases/manage"),
    ("dx1", "事例を書く", "/cases/new"),
    ("dx1", "事例の編集", _case_edit),
    ("dx1", "実績", "/reports/"),
    ("dx1", "404", "/tickets/DX-1999-9999"),
    ("dx1", "保存期間満了", "/records/?as_of=2040-04-01"),
    ("dx1", "記録の保存期間", _record),
    ("dx1", "廃棄・移管の承認", "/records/approvals"),
    ("dx1", "ファイル管理簿", "/records/ledger"),
    ("dx1", "移管・廃棄簿", "/records/disposals"),
    ("dx1", "検索語の辞書", "/admin/search-terms"),
    ("dx1", "見つからなかった検索語", "/admin/missed-searches"),
    ("dx1", "定型文", "/desk/canned"),
    ("dx1", "お知らせ", "/notifications"),
    ("dx1", "電話・対面で受けた相談", "/desk/intake?q=佐々木"),
    ("dx1", "電話・対面で受けた相談（入力）", "/desk/intake?requester=req1"),
    ("admin", "管理", "/admin/"),
    ("admin", "利用者", "/admin/users"),
    ("admin", "利用者の追加", "/admin/users/new"),
    ("admin", "利用者の編集", _user_edit),
    ("admin", "担当の付け替えと無効化", _user_deactivate),
    ("admin", "所属", "/admin/departments"),
    ("admin", "所属の編集", _department_edit),
    ("admin", "分類", "/admin/categories"),
    ("admin", "分類の編集", _category_edit),
    ("admin", "利用者の一括登録", "/admin/users/import"),
    ("admin", "組織改正", "/admin/reorganisations"),
    ("admin", "ディレクトリ同期", "/admin/directory"),
    ("admin", "実績", "/reports/"),
    ("admin", "保存期間の設定", "/records/settings"),
    ("admin", "廃棄・移管の承認", "/records/approvals"),
]
SLUGS = {
    "ログイン": "login", "ホーム": "home", "相談する": "intake", "相談する（入力エラー）": "intake-errors",
    "自分の相談": "mine", "相談の画面": "ticket", "取下げ": "withdraw", "事例をさがす（結果あり）": "case-search",
    "事例をさがす（結果なし）": "case-search-empty", "事例の画面": "case", "パスワード変更": "password", "404": "404",
    "受付一覧": "queue", "担当状況": "workload", "相談の画面（DX担当）": "ticket-staff", "操作履歴": "history", "印刷用の表示": "print",
    "事例の画面（DX担当）": "case-staff", "事例の管理": "case-manage", "事例を書く": "case-new", "事例の編集": "case-edit",
    "実績": "reports", "管理": "admin", "利用者": "users", "利用者の追加": "user-new", "利用者の編集": "user-edit",
    "定型文": "canned", "お知らせ": "notifications", "電話・対面で受けた相談": "intake-on-behalf", "電話・対面で受けた相談（入力）": "intake-on-behalf-form",
    "担当の付け替えと無効化": "user-deactivate",
    "所属": "departments", "所属の編集": "department-edit", "分類": "categories", "分類の編集": "category-edit",
    "保存期間満了": "records-due", "記録の保存期間": "records-record", "廃棄・移管の承認": "records-approvals",
    "ファイル管理簿": "records-ledger", "移管・廃棄簿": "records-disposals", "保存期間の設定": "records-settings",
    "2段階認証": "two-factor", "2段階認証の設定": "two-factor-setup", "利用者の一括登録": "users-import",
    "組織改正": "reorganisations", "ディレクトリ同期": "directory",
    "検索語の辞書": "search-terms", "見つからなかった検索語": "missed-searches",
}
IDS = [f"{login or 'anonymous'}-{SLUGS[name]}" for login, name, _ in PAGES]
NARROW = [  # pages checked at 200 % zoom and at 375 px
    ("req1", "/"), ("req1", "/tickets/new"), ("req1", "/tickets/mine"), ("req1", _ticket), ("req1", "/cases/?q=エクセル"),
    ("dx1", "/desk/"), ("dx1", "/desk/workload"), ("dx1", _ticket), ("dx1", "/cases/manage"), ("dx1", "/reports/"),
    ("admin", "/admin/users"), (None, "/login"),
]


# Screen sizes of the narrow checks: mode -> (viewport, device scale factor). None: the default desktop window.
NARROW_MODES = {
    None: (None, 1),
    "zoom200": ({"width": 640, "height": 400}, 2),
    "width375": ({"width": 375, "height": 740}, 2),
}


@pytest.fixture(scope="module")
def pages(e2e_browser, e2e_server, e2e_requests):
    """One page per role (logged in) and screen size, shared by the module: a new browser context costs Chromium
    about a second of CPU (logging in too), and these checks only read the pages."""
    session = Session(e2e_browser, e2e_server, e2e_requests)
    cache = {}

    def get(login, mode=None):
        if (login, mode) not in cache:
            viewport, scale = NARROW_MODES[mode]
            cache[login, mode] = (session.login(login, viewport=viewport, reuse=True, device_scale_factor=scale)
                                  if login else session.new_page(viewport=viewport, device_scale_factor=scale))
        return cache[login, mode]

    yield get
    session.close()


def _open(page, target) -> str:
    """Go to `target` (a URL, 'intake-errors' or a function giving the URL); return the URL shown."""
    page.console_errors.clear()
    if target == "intake-errors":
        page.goto("/tickets/new")
        page.get_by_label(re.compile("^件名")).fill("入力途中の件名")
        with page.expect_navigation():
            page.get_by_role("button", name="相談を送信する").click()
        assert page.get_by_role("alert").count() >= 1
        return page.url
    url = target(page) if callable(target) else target
    response = page.goto(url)
    expected = 404 if ("no-such" in url or "1999" in url) else 200
    assert response.status == expected, f"{url}: HTTP {response.status}"
    return url


@pytest.mark.parametrize(("login", "name", "target"), PAGES, ids=IDS)
def test_axe_wcag21_aa(pages, login, name, target):
    """No axe-core violation of the WCAG 2.1 A/AA rules, and no script/CSP error in the console."""
    page = pages(login)
    url = _open(page, target)
    page.wait_for_timeout(100)  # deferred scripts
    violations = axe_violations(page)
    assert not violations, f"axe: {len(violations)} rule(s) violated on {url}\n" + format_violations(
        violations, f"{login or 'anonymous'} {name}")
    errors = page.console_errors
    assert not errors, f"console errors on {url} (CSP violations or script errors): {errors}"


def test_axe_reports_violations(e2e):
    """The checker itself works: an unlabelled field and an image without alt text are reported."""
    page = e2e.new_page()
    page.set_content('<html lang="ja"><title>t</title><main><img src="data:,"><input type="text"></main></html>')
    rules = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= rules, rules


@pytest.mark.parametrize(("login", "target"), NARROW, ids=[f"{lg or 'anonymous'}-{t.strip('/').split('?')[0] or 'home' if isinstance(t, str) else t.__name__.strip('_')}"
                                                   for lg, t in NARROW])
@pytest.mark.parametrize("mode", ["zoom200", "width375"])
def test_no_horizontal_scrolling(pages, login, target, mode):
    """At 200 % zoom (1280x800 halved: 640x400 CSS px at scale 2) and at a 375 px phone width, the body
    does not scroll sideways (wide tables may scroll inside their own .table-wrap)."""
    page = pages(login, mode)
    url = _open(page, target)
    widths = horizontal_overflow(page)
    assert widths["scroll"] <= widths["client"] + 1, f"{url} scrolls sideways at {mode}: {widths}"


def test_no_request_leaves_localhost(e2e, e2e_requests):
    """Every request of the browser (in this session's journeys and page checks) went to 127.0.0.1."""
    page = e2e.login("req1")
    for url in ("/", "/tickets/new", "/tickets/mine", "/cases/?q=エクセル", "/password"):
        page.goto(url)
    staff = e2e.login("dx1")
    for url in ("/desk/", "/desk/workload", "/cases/manage", "/reports/"):
        staff.goto(url)
    assert len(e2e_requests.urls) > 10
    outside = e2e_requests.outside()
    assert not outside, f"requests to other hosts than 127.0.0.1: {sorted(set(outside))[:20]}"
