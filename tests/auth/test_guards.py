"""Every route is guarded by role: anonymous users go to login, wrong roles get 403."""
import pytest

# (url, roles that may open it). The complete route × role matrix lives in tests/security.
PAGES = [
    ("/", {"requester", "dx_staff", "admin"}),
    ("/password", {"requester", "dx_staff", "admin"}),
    ("/tickets/new", {"requester", "dx_staff", "admin"}),
    ("/tickets/mine", {"requester", "dx_staff", "admin"}),
    ("/desk/", {"dx_staff", "admin"}),
    ("/desk/workload", {"dx_staff", "admin"}),
    ("/cases/", {"requester", "dx_staff", "admin"}),
    ("/cases/manage", {"dx_staff", "admin"}),
    ("/reports/", {"dx_staff", "admin"}),
    ("/admin/", {"admin"}),
]
LOGINS = {"requester": "req", "dx_staff": "dx", "admin": "admin"}


@pytest.mark.parametrize("url", [url for url, _ in PAGES])
def test_anonymous_is_sent_to_login(client, url):
    """Anonymous users are redirected to the login page."""
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["requester", "dx_staff", "admin"])
@pytest.mark.parametrize("url,allowed", PAGES)
def test_role_guard(client, auth, users, url, allowed, role):
    """Each role reaches exactly its pages; others get a Japanese 403."""
    auth.login(LOGINS[role])
    response = client.get(url, follow_redirects=True)
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "権限がありません" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role,expected,absent",
    [
        ("requester", ["相談する", "自分の相談", "事例をさがす"], ["受付一覧", ">管理</a>"]),
        ("dx_staff", ["受付一覧", "担当状況", "事例をさがす", "実績"], [">管理</a>"]),
        ("admin", ["受付一覧", "担当状況", ">管理</a>"], []),
    ],
)
def test_navigation_by_role(client, auth, users, role, expected, absent):
    """The main navigation shows what the role can use."""
    auth.login(LOGINS[role])
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    nav = page.split('aria-label="メインメニュー"')[1].split("</nav>")[0]
    for label in expected:
        assert label in nav
    for label in absent:
        assert label not in nav


def test_error_pages_are_japanese(client, auth, users):
    """404 and 405 answer in Japanese without a stack trace."""
    auth.login("req")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "ページが見つかりません" in page.get_data(as_text=True)
    wrong = client.get("/logout")
    assert wrong.status_code == 405 and "この操作はできません" in wrong.get_data(as_text=True)


def test_security_headers(client):
    """CSP without inline scripts, nosniff, no framing, no shared caching of pages."""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]


def test_no_outside_assets(client):
    """The shell loads nothing from outside the app."""
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
