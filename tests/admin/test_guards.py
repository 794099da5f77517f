"""Only admins reach the admin area: requesters and DX staff get 403, anonymous users go to login."""
import pytest

from tests import factories

GET_URLS = ["/admin/", "/admin/users", "/admin/users/new", "/admin/users/{uid}/edit", "/admin/departments",
            "/admin/departments/{did}/edit", "/admin/categories", "/admin/categories/{cid}/edit"]
POST_URLS = ["/admin/users/new", "/admin/users/{uid}/edit", "/admin/users/{uid}/password", "/admin/users/{uid}/unlock",
             "/admin/departments", "/admin/departments/{did}/edit", "/admin/categories",
             "/admin/categories/{cid}/edit", "/admin/categories/{cid}/move"]


def _fill(url, users):
    """Put real ids into a URL pattern."""
    cat = factories.make_category("集計・データ処理")
    return url.format(uid=users["requester"].id, did=users["requester"].department_id, cid=cat.id)


@pytest.mark.parametrize("login", ["req", "dx"])
@pytest.mark.parametrize("url", GET_URLS)
def test_get_forbidden_for_non_admins(client, auth, users, login, url):
    """Requesters and DX staff get a Japanese 403 on every admin page."""
    auth.login(login)
    response = client.get(_fill(url, users))
    assert response.status_code == 403
    assert "権限がありません" in response.get_data(as_text=True)


@pytest.mark.parametrize("login", ["req", "dx"])
@pytest.mark.parametrize("url", POST_URLS)
def test_post_forbidden_for_non_admins(client, auth, users, login, url):
    """Posting to an admin URL as a non-admin changes nothing and gets 403."""
    from models import AuditEvent, db

    auth.login(login)
    before = db.session.query(AuditEvent).filter(AuditEvent.action != "user.login").count()
    response = client.post(_fill(url, users), data={"name": "x", "active": "y", "direction": "up"})
    assert response.status_code == 403
    assert db.session.query(AuditEvent).filter(AuditEvent.action != "user.login").count() == before


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_goes_to_login(client, users, url):
    """Anonymous users are sent to the login page."""
    response = client.get(_fill(url, users))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", GET_URLS)
def test_admin_sees_every_page(admin_client, users, url):
    """Every admin page opens for an admin."""
    response = admin_client.get(_fill(url, users))
    assert response.status_code == 200
    assert 'aria-label="管理メニュー"' in response.get_data(as_text=True)
