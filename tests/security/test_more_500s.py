"""The last 500s of the audit (finding 9): url_for keywords in list-page query strings, case-editor ids ≥ 2³¹,
a lone surrogate in an autosaved draft, deeply nested JSON to the draft endpoint, CR/LF in the login `next`."""
import pytest
from sqlalchemy import select

from models import Case, TicketDraft, db

from .test_bad_input import _intake

SPECIAL = ["_anchor=x", "_method=POST", "_scheme=javascript", "_external=1", "_external_host=evil.example",
           "endpoint=x", "values=1", "number=1"]
LIST_PAGES = [("dx_staff", "/desk/"), ("dx_staff", "/desk/?page=1&status=new"), ("dx_staff", "/cases/manage"),
              ("admin", "/admin/users"), ("requester", "/tickets/mine"), ("requester", "/cases/")]


@pytest.mark.parametrize(("role", "url"), LIST_PAGES)
@pytest.mark.parametrize("special", SPECIAL)
def test_url_for_keywords_in_query_strings(as_role, world, role, url, special):
    response = as_role(role).get(url + ("&" if "?" in url else "?") + special)
    assert response.status_code < 500, (url, special, response.status_code)
    page = response.get_data(as_text=True)
    assert "javascript:" not in page.split("<body", 1)[-1].replace("javascript:void", "")


@pytest.mark.parametrize("field", ["department_id", "category_id"])
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "99999999999999999999999", "-1"])
def test_case_editor_huge_ids(as_role, world, field, value):
    case = world.draft_case
    data = {"title": "件名", "department_mode": "actual", "problem": "本文", "version": str(case.version), field: value}
    response = as_role("dx_staff").post(f"/cases/{case.ref}/edit", data=data)
    assert response.status_code < 500
    db.session.expire_all()
    assert db.session.scalar(select(Case.title).where(Case.id == case.id)) in ("件名", case.title)


def test_lone_surrogate_in_autosaved_draft(as_role, world):
    client = as_role("requester")
    body = '{"title": "下書き\\ud800の件名", "problem": "本文\\udfff\\ufffe"}'
    response = client.post("/tickets/draft", data=body, content_type="application/json")
    assert response.status_code < 500
    assert client.get("/tickets/new").status_code == 200  # 相談する still opens, with the draft
    draft = db.session.get(TicketDraft, world.users["requester"].id)
    if draft is not None:
        assert "\ud800" not in draft.data.get("title", "") and "\ufffe" not in draft.data.get("problem", "")
    assert client.post("/tickets/new", data=_intake(title="送れる件名")).status_code == 302


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_draft(as_role, world, depth):
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = as_role("requester").post("/tickets/draft", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("next_url", ["/tickets/mine\r\nSet-Cookie: x=1", "/\nLocation: http://evil", "/%0d%0aX: 1",
                                      "/tickets/\r", "/\t/evil.example"])
def test_crlf_in_login_next(client, users, next_url):
    from tests.factories import PASSWORD

    response = client.post("/login", query_string={"next": next_url}, data={"login": "req", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location
    assert "Set-Cookie: x" not in str(response.headers)
