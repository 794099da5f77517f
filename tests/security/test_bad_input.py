"""Bad input everywhere: broken encodings, odd pages and ids, wrong methods, CSRF, overlong and control characters."""
import pytest

from models import Ticket, db

from .conftest import snapshot

BAD_QUERY_URLS = [
    "/cases/?q=%ff%fe", "/cases/%ff%fe", "/tickets/%ff", "/tickets/mine?q=%ff%fe&status=%ff", "/desk/?q=%ff&sort=%fe",
    "/admin/users?q=%ff&role=%ff&department=%ff", "/cases/suggest?q=%ff%fe%00", "/cases/?q=%", "/cases/?q=%%%25%zz",
    "/reports/?period=%ff&start=%ff&end=%ff", "/cases/?q=%00%01%02", "/tickets/%00", "/cases/%2e%2e%2f%2e%2e%2fetc",
    "/tickets/..%2f..%2fetc%2fpasswd", "/cases/?category=%ff&tool=%fe&sort=%ff&page=%ff",
]
PAGE_VALUES = ["-1", "0", "abc", "1e9", "99999999999999999999999", "2147483648", "%ff", "1.5", " 3 ", "NaN"]
LIST_URLS = ["/tickets/mine", "/cases/", "/desk/", "/admin/users", "/cases/manage"]
SEARCH_SYNTAX = ['"unclosed', "AND OR NOT", "(((", ")))", "*", "?", "title:", "title:(", "^~*", "a NOT", "NOT",
                 "OR OR OR", "\\", "'", "-", "+", "a^2", "body:[a TO", "{}", "~~~", "foo AND (bar OR", "x" * 3000,
                 "ｴｸｾﾙ AND", "\u3000", "🙂" * 50, "\u202e\u200b"]


def _ok_page(response, where):
    """Not a server error, and the page (if HTML) is in Japanese."""
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.mimetype == "text/html" and "suggest" not in where:  # suggestions are a fragment
        assert '<html lang="ja">' in response.get_data(as_text=True), where


@pytest.mark.parametrize("url", BAD_QUERY_URLS)
def test_broken_encodings_never_500(as_role, world, url):
    """Invalid UTF-8 and percent encodings, NUL and traversal attempts answer 2xx/4xx pages, never 500."""
    for role in ("requester", "dx_staff", "admin"):
        _ok_page(as_role(role).get(url), f"{role} {url}")


@pytest.mark.parametrize("base", LIST_URLS)
def test_odd_page_numbers(as_role, world, base):
    """Negative, zero, huge, non-numeric page numbers: never 500."""
    client = as_role("admin")
    for value in PAGE_VALUES:
        _ok_page(client.get(f"{base}?page={value}"), f"{base}?page={value}")


@pytest.mark.parametrize("url", [
    "/admin/users/999999/edit", "/admin/users/99999999999999999999/edit", "/admin/departments/99999999999/edit",
    "/admin/categories/9223372036854775808/edit", "/cases/NOPE", "/cases/NOPE/edit", "/desk/tickets/DX-0000-0000/history",
    "/tickets/DX-2026-0001/attachments/99999999999999999999", "/tickets/" + "9" * 500,
])
def test_unknown_ids_are_404(as_role, world, url):
    """Unknown (or absurdly large) ids are a Japanese 404, also on PostgreSQL where they overflow integer."""
    response = as_role("admin").get(url)
    assert response.status_code == 404, url
    assert "ページが見つかりません" in response.get_data(as_text=True) or "見つかりません" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/admin/users/99999999999999999999/password", "/admin/users/99999999999999999999/unlock",
    "/admin/categories/99999999999999999999/move", "/cases/NOPE/publish", "/cases/from-ticket/NOPE",
    "/desk/tickets/NOPE/note", "/tickets/NOPE/reply",
])
def test_unknown_ids_on_actions_are_404(as_role, world, url):
    """POSTs to unknown objects are 404 and change nothing."""
    before = snapshot()
    assert as_role("admin").post(url, data={"direction": "up", "body": "x", "note-body": "x"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("q", SEARCH_SYNTAX)
def test_malformed_search_syntax(as_role, world, q):
    """Query-parser syntax, huge and odd Unicode queries never break search or suggestions."""
    client = as_role("requester")
    _ok_page(client.get("/cases/", query_string={"q": q}), f"search {q!r}")
    _ok_page(client.get("/cases/suggest", query_string={"q": q}), f"suggest {q!r}")
    response = client.get("/cases/suggest", query_string={"q": q}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and isinstance(response.get_json()["cases"], list)
    _ok_page(client.get("/tickets/mine", query_string={"q": q}), f"mine {q!r}")
    _ok_page(as_role("dx_staff").get("/desk/", query_string={"q": q}), f"desk {q!r}")


def _intake(**overrides):
    """A valid intake form, with overrides."""
    data = {"title": "件名", "purpose": "目的", "current_process": "やり方", "problem": "困りごと", "frequency": "毎月",
            "urgency": "medium", "contains_personal_info": "no", "category": "", "hours_per_month": "2"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "長" * 201, "200文字以内"),
    ("purpose", "長" * 4001, "4000文字以内"),
    ("hours_per_month", "-5", "0から744"),
    ("hours_per_month", "1e400", "数字"),
    ("hours_per_month", "NaN", "数字"),
    ("urgency", "extreme", "緊急度"),
    ("category", "99999999999999999999", "分類"),
    ("frequency", "<script>", "頻度"),
    ("intake_token", "x" * 500, "読み込み直して"),
])
def test_intake_rejects_bad_values_and_keeps_input(as_role, world, field, value, message):
    """Each bad value: 422, a Japanese message, what was typed comes back, no ticket is created."""
    count = db.session.query(Ticket).count()
    response = as_role("requester").post("/tickets/new", data=_intake(**{field: value, "problem": "残っているはずの本文"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "残っているはずの本文" in page
    assert db.session.query(Ticket).count() == count


@pytest.mark.parametrize("value", ["NUL\x00inside", "bell\x07 and escape\x1b[31m", "\ufffe\uffff", "行1\r\n行2\x0b\x0c"])
def test_control_characters_never_500(as_role, world, value):
    """Control characters, NUL (which PostgreSQL refuses) and non-characters: stored cleanly or refused, never 500."""
    if "\x00" in value:
        page = as_role("requester").post("/tickets/new", data=_intake(title=value))
        assert page.status_code == 400 and "制御文字" in page.get_data(as_text=True)
    for url, data in (("/tickets/new", _intake(title=value, problem=value)),
                      (f"/tickets/{world.ticket.number}/reply", {"body": value}),
                      ("/login", {"login": value, "password": value})):
        response = as_role("requester" if url != "/login" else "anonymous").post(url, data=data)
        assert response.status_code < 500, (url, value, response.status_code)
    dx = as_role("dx_staff")
    assert dx.post("/cases/new", data={"title": value, "department_mode": "generic", "problem": value}).status_code < 500
    admin = as_role("admin")
    assert admin.post("/admin/categories", data={"name": value}).status_code < 500
    assert admin.post("/admin/departments", data={"code": "C1", "name": value}).status_code < 500


@pytest.mark.parametrize(("method", "url"), [
    ("post", "/login"), ("post", "/tickets/new"), ("post", "/tickets/{t}/reply"), ("post", "/desk/tickets/{t}/note"),
    ("post", "/cases/new"), ("post", "/admin/categories"), ("post", "/logout"), ("post", "/preferences/wareki"),
    ("post", "/tickets/draft"), ("post", "/cases/SEC-PUB/helpful"), ("post", "/admin/users/{u}/password"),
    # wapiti reports these as "lack of anti-CSRF token" (prefixed token names, multipart forms): they are protected
    ("post", "/desk/tickets/{t}/triage"), ("post", "/desk/tickets/{t}/assign"), ("post", "/desk/tickets/{t}/self-assign"),
    ("post", "/desk/tickets/{t}/status"), ("post", "/desk/tickets/{t}/resolve"),
    ("post", "/desk/tickets/{t}/update"),  # the staff page's one 「更新」 form (#15), reported by wapiti 3.2.3 too
])
def test_csrf_missing_or_wrong_is_refused(app, as_role, world, method, url):
    """With CSRF on, a POST without a token or with a wrong one is a Japanese 400 and changes nothing."""
    app.config["WTF_CSRF_ENABLED"] = True
    url = url.format(t=world.ticket.number, u=world.users["requester"].id)
    client = as_role("admin")
    before = snapshot()
    for token in (None, "forged-token", "IjEyMyI.forged.signature"):
        data = {"body": "x", "note-body": "x", "note-kind": "internal", "name": "x", "title": "x", "login": "admin",
                "password": "x"}
        headers = {}
        if token:
            data["csrf_token"] = token
            headers["X-CSRFToken"] = token
        response = getattr(client, method)(url, data=data, headers=headers)
        assert response.status_code == 400, (url, token)
        assert "有効期限" in response.get_data(as_text=True)
    assert snapshot() == before


def test_csrf_token_of_another_session_is_refused(app, as_role, world):
    """A token taken from one session does not work in another (no token fixation)."""
    app.config["WTF_CSRF_ENABLED"] = True
    mallory, victim = as_role("other"), as_role("requester")
    page = mallory.get("/tickets/new").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = victim.post(f"/tickets/{world.ticket.number}/reply", data={"body": "x", "csrf_token": token})
    assert response.status_code == 400


def test_oversized_json_draft_and_bad_json(as_role, world):
    """The JSON autosave refuses huge, malformed or non-object bodies with a Japanese message."""
    client = as_role("requester")
    big = client.post("/tickets/draft", data=b"{" + b'"a":"' + b"x" * 300_000 + b'"}', content_type="application/json")
    assert big.status_code == 413 and "大きすぎます" in big.get_json()["error"]
    for body in (b"{not json", b"[1,2,3]", b'"text"', b"\xff\xfe"):
        response = client.post("/tickets/draft", data=body, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["ok"] is False


@pytest.mark.parametrize("url", ["/tickets/new", "/tickets/{t}/reply", "/login", "/cases/new", "/admin/categories"])
def test_invalid_utf8_form_bodies(as_role, world, url):
    """A raw form body with invalid UTF-8 and surrogate encodings is never a 500."""
    body = b"title=%ff%fe&body=%ed%a0%80&name=\xff\xfe&login=%c0%af&password=x&purpose=%e3%81"
    client = as_role("anonymous" if url == "/login" else "admin")
    response = client.post(url.format(t=world.ticket.number), data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
