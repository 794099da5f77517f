"""Keyboard only: log in and file a consultation with Tab, Enter, Space, arrow keys and typing; focus is
visible at every step and never trapped."""

import pytest

from consult.demo.seed import DEMO_PASSWORDS

from .helpers import focused

pytestmark = pytest.mark.browser


class Keyboard:
    """Tab through a page, checking at every stop that the focused element shows a focus indicator."""

    def __init__(self, page):
        self.page = page
        self.stops: list[dict] = []
        self.invisible: list[dict] = []

    def tab_to(self, matches, limit=80, backwards=False) -> dict:
        """Press Tab until `matches(focus)` is true; fail on a trap or when the page cycles without a match."""
        seen = []
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            now = focused(self.page)
            self.stops.append(now)
            if now["tag"] != "BODY" and not now["visible"]:
                self.invisible.append(now)
            if matches(now):
                return now
            key = (now["tag"], now["id"], now["name"], now["text"], now.get("type"))
            if len(seen) >= 3 and all(k == key for k in seen[-3:]):
                pytest.fail(f"keyboard trap at {now}")
            seen.append(key)
        pytest.fail(f"could not reach the wanted element with Tab in {limit} presses; last stops: {self.stops[-8:]}")

    def tab_to_field(self, name: str) -> dict:
        """Tab to the control named `name`."""
        return self.tab_to(lambda f: f["name"] == name)

    def tab_to_text(self, text: str, tag=None) -> dict:
        """Tab to the link or button whose text is `text`."""
        return self.tab_to(lambda f: f["text"] == text and (tag is None or f["tag"] == tag))

    def type(self, text: str) -> None:
        """Type into the focused control."""
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        """Press one key."""
        self.page.keyboard.press(key)


def test_file_a_consultation_with_the_keyboard_only(e2e):
    """Skip link, login, 相談する, every required field, submit: no mouse at all."""
    page = e2e.new_page()
    page.goto("/login")
    kb = Keyboard(page)

    skip = kb.tab_to(lambda f: True)
    assert skip["text"] == "本文へ移動" and skip["visible"], f"the first Tab stop is not a visible skip link: {skip}"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0, "the skip link stays off-screen when focused"
    kb.tab_to_field("login")
    kb.type("req2")
    kb.tab_to_field("password")
    kb.type(DEMO_PASSWORDS["requester"])
    with page.expect_navigation():
        kb.press("Enter")
    assert page.url.endswith("/")

    kb.tab_to(lambda f: f["tag"] == "A" and f["text"] == "相談する")
    with page.expect_navigation():
        kb.press("Enter")
    assert page.url.endswith("/tickets/new")

    kb.tab_to_field("title")
    kb.type("庁内の会議室予約が紙の台帳で重複する")
    kb.tab_to_field("purpose")
    kb.type("会議室を公平に使い、打合せの準備時間を減らすため")
    kb.tab_to_field("current_process")
    kb.type("総務の窓口にある紙の台帳に手書きで記入して予約している")
    kb.tab_to_field("problem")
    kb.type("台帳を見に行く手間がかかり、電話で予約した分と重複することがある")
    kb.tab_to_field("frequency")
    for _ in range(3):  # 選択してください → 毎日 → 毎週 → 毎月
        kb.press("ArrowDown")
    assert page.locator("[name=frequency]").input_value() == "毎月"
    kb.tab_to(lambda f: f["name"] == "urgency")  # the checked radio of the group (中)
    kb.press("ArrowRight")  # → 高
    kb.tab_to(lambda f: f["name"] == "contains_personal_info")
    kb.press("Space")  # 含む (first radio, not yet checked)
    kb.press("ArrowRight")  # → 含まない
    assert page.locator("[name=contains_personal_info]:checked").get_attribute("value") == "no"
    kb.tab_to(lambda f: f["tag"] == "BUTTON" and f["text"] == "相談を送信する")
    with page.expect_navigation():
        kb.press("Enter")

    done = page.locator(".flash").filter(has_text="相談を受け付けました")
    assert done.count() >= 1, page.locator("main").inner_text()[:600]
    assert not kb.invisible, "focus was not visible on: " + "; ".join(
        f"{f['tag']}#{f['id']} name={f['name']} {f['text']!r} outline={f['outline']} shadow={f['shadow']}" for f in kb.invisible)


@pytest.mark.parametrize("path", ["/", "/tickets/mine", "/cases/?q=エクセル"])
def test_every_tab_stop_shows_focus_and_tab_leaves_the_page(e2e, path):
    """Tab through a whole page as a requester: every stop has a visible focus indicator and Tab reaches the
    end of the page (back to the browser) without getting stuck."""
    page = e2e.login("req1", reuse=True)
    page.goto(path)
    kb = Keyboard(page)
    count = page.evaluate("""() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
        .filter(e => !e.disabled && e.offsetParent !== null).length""")
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "BODY":
            break
        if not now["visible"]:
            kb.invisible.append(now)
    else:
        pytest.fail(f"Tab did not leave {path} after {count + 5} presses (trap?): {focused(page)}")
    assert not kb.invisible, f"focus not visible on {path}: {kb.invisible[:5]}"
