"""Authorisation matrix: every route × every role → the expected answer; refused POSTs change nothing."""
import re

import pytest

from models import db

from .conftest import MARKER, ROLES, case_by_ref, snapshot

LOGIN = "login"  # 302 to the login page
R = ROLES  # anonymous, requester (department A), other (department B), dx_staff, admin


def row(anonymous, requester, other, dx_staff, admin) -> dict:
    """Expected outcome per role."""
    return dict(zip(R, (anonymous, requester, other, dx_staff, admin), strict=True))


ANY_USER = row(LOGIN, 200, 200, 200, 200)
STAFF = row(LOGIN, 403, 403, 200, 200)
ADMIN = row(LOGIN, 403, 403, 403, 200)
DEPT = row(LOGIN, 200, 404, 200, 200)  # objects of department A
PUBLIC = row(200, 200, 200, 200, 200)

# (endpoint, method, url, form data, expected) — {t} ticket number, {a} attachment id, {u} a user id,
# {d} a department id, {c} a category id; "ok" is 302 after a successful action.
MATRIX = [
    ("main.home", "GET", "/", None, row(LOGIN, 200, 200, 302, 302)),  # staff land on /desk/
    ("main.toggle_wareki", "POST", "/preferences/wareki", {"next": "/"}, row(LOGIN, 302, 302, 302, 302)),
    ("ops.healthz", "GET", "/healthz", None, PUBLIC),
    ("static", "GET", "/static/css/app.css", None, PUBLIC),
    ("auth.login", "GET", "/login", None, row(200, 302, 302, 302, 302)),
    ("auth.login", "POST", "/login", {"login": "nobody", "password": "x"}, row(422, 302, 302, 302, 302)),
    ("auth.logout", "POST", "/logout", {}, row(302, 302, 302, 302, 302)),
    ("auth.password", "GET", "/password", None, ANY_USER),
    ("auth.password", "POST", "/password", {"current": "wrong-password", "new": "x", "confirm": "y"},
     row(LOGIN, 422, 422, 422, 422)),
    # tickets (requester side)
    ("tickets.new", "GET", "/tickets/new", None, ANY_USER),
    ("tickets.new", "POST", "/tickets/new",
     {"title": "件名", "purpose": "目的", "current_process": "やり方", "problem": "困りごと", "frequency": "毎月",
      "urgency": "medium", "contains_personal_info": "no", "category": ""},
     row(LOGIN, 302, 302, 422, 422)),  # staff without a department: Japanese message
    ("tickets.save_draft", "POST", "/tickets/draft", {}, row(LOGIN, 400, 400, 400, 400)),
    ("tickets.discard_draft", "POST", "/tickets/draft/discard", {}, row(LOGIN, 302, 302, 302, 302)),
    ("tickets.mine", "GET", "/tickets/mine", None, ANY_USER),
    ("tickets.show", "GET", "/tickets/{t}", None, DEPT),
    ("tickets.show", "GET", "/tickets/DX-1999-9999", None, row(LOGIN, 404, 404, 404, 404)),
    ("tickets.reply", "POST", "/tickets/{t}/reply", {"body": "返信します"}, row(LOGIN, 302, 404, 302, 302)),
    ("tickets.withdraw", "GET", "/tickets/{t}/withdraw", None, row(LOGIN, 200, 404, 409, 409)),
    ("tickets.withdraw", "POST", "/tickets/{t}/withdraw", {"version": "{v}", "reason": "不要"},
     row(LOGIN, 302, 404, 400, 400)),  # staff: not a workflow transition of theirs
    ("tickets.reopen", "POST", "/tickets/{t}/reopen", {"version": "{v}"}, row(LOGIN, 400, 404, 400, 400)),  # not resolved
    ("tickets.close", "POST", "/tickets/{t}/close", {"version": "{v}"}, row(LOGIN, 400, 404, 400, 400)),
    ("tickets.download_attachment", "GET", "/tickets/{t}/attachments/{a}", None, DEPT),
    ("tickets.download_attachment", "GET", "/tickets/{t}/attachments/999999", None, row(LOGIN, 404, 404, 404, 404)),
    # a text file: the inline view sends it to the ordinary download (only images and PDFs are shown in place)
    ("tickets.view_attachment", "GET", "/tickets/{t}/attachments/{a}/view", None, row(LOGIN, 302, 404, 302, 302)),
    # desk (DX staff)
    ("desk.queue", "GET", "/desk/", None, STAFF),
    ("desk.workload", "GET", "/desk/workload", None, STAFF),
    ("desk.skills", "POST", "/desk/workload/skills", {"categories": "{c}"}, row(LOGIN, 403, 403, 302, 302)),
    ("desk.history", "GET", "/desk/tickets/{t}/history", None, row(LOGIN, 404, 404, 200, 200)),
    ("desk.triage", "POST", "/desk/tickets/{t}/triage",
     {"triage-version": "{v}", "triage-category": "{c}", "triage-priority": "high"}, row(LOGIN, 403, 403, 302, 302)),
    ("desk.assign", "POST", "/desk/tickets/{t}/assign",
     {"assign-version": "{v}", "assign-main": "{dx2}", "assign-backup": ""}, row(LOGIN, 403, 403, 302, 302)),
    ("desk.self_assign", "POST", "/desk/tickets/{t}/self-assign", {"self_assign-version": "{v}"},
     row(LOGIN, 403, 403, 302, 302)),
    ("desk.update", "POST", "/desk/tickets/{t}/update",
     {"update-version": "{v}", "update-category": "{c}", "update-priority": "high", "update-main": "{dx2}",
      "update-backup": "", "update-status": "in_progress"}, row(LOGIN, 403, 403, 302, 302)),
    ("desk.print_view", "GET", "/desk/tickets/{t}/print", None, STAFF),
    ("desk.status", "POST", "/desk/tickets/{t}/status", {"status-version": "{v}", "status-status": "waiting"},
     row(LOGIN, 403, 403, 302, 400)),  # the admin comes second: already 回答待ち
    ("desk.resolve", "POST", "/desk/tickets/{t}/resolve",
     {"resolve-version": "{v}", "resolve-root_cause": "原因", "resolve-resolution_type": "情報提供",
      "resolve-resolution_summary": "内容", "resolve-hours_saved_per_year": "10"},
     row(LOGIN, 403, 403, 302, 400)),  # the admin comes second: already 解決
    ("desk.note", "POST", "/desk/tickets/{t}/note", {"note-version": "{v}", "note-kind": "internal", "note-body": "メモ"},
     row(LOGIN, 403, 403, 302, 302)),
    # cases
    ("cases.index", "GET", "/cases/", None, ANY_USER),
    ("cases.suggest", "GET", "/cases/suggest?q=押印", None, ANY_USER),
    ("tickets.similar", "GET", "/tickets/similar?q=押印", None, ANY_USER),
    ("cases.show", "GET", "/cases/SEC-PUB", None, ANY_USER),
    ("cases.show", "GET", "/cases/SEC-DRAFT", None, row(LOGIN, 404, 404, 200, 200)),
    ("cases.show", "GET", "/cases/SEC-ARCH", None, row(LOGIN, 404, 404, 200, 200)),
    ("cases.helpful", "POST", "/cases/SEC-PUB/helpful", {}, row(LOGIN, 302, 302, 302, 302)),
    ("cases.helpful", "POST", "/cases/SEC-DRAFT/helpful", {}, row(LOGIN, 404, 404, 302, 302)),
    ("cases.manage", "GET", "/cases/manage", None, STAFF),
    ("cases.new", "GET", "/cases/new", None, STAFF),
    ("cases.new", "POST", "/cases/new", {"title": "新しい事例", "department_mode": "generic"},
     row(LOGIN, 403, 403, 302, 302)),
    ("cases.from_ticket", "POST", "/cases/from-ticket/{t}", {}, row(LOGIN, 403, 403, 302, 302)),
    ("cases.edit", "GET", "/cases/SEC-DRAFT/edit", None, STAFF),
    ("cases.edit", "POST", "/cases/SEC-DRAFT/edit", {"title": "書き換え", "department_mode": "generic", "version": "{cv}"},
     row(LOGIN, 403, 403, 302, 302)),
    ("cases.publish", "POST", "/cases/SEC-DRAFT/publish", {"version": "{cv}"},
     row(LOGIN, 403, 403, 302, 400)),  # the admin comes second: already published
    ("cases.archive", "POST", "/cases/SEC-PUB/archive", {"version": "1"}, row(LOGIN, 403, 403, 302, 302)),
    # reports
    ("reports.dashboard", "GET", "/reports/", None, STAFF),
    ("reports.export_tickets_csv", "GET", "/reports/export/tickets.csv", None, STAFF),
    ("reports.export_tickets_xlsx", "GET", "/reports/export/tickets.xlsx", None, STAFF),
    ("reports.export_cases_csv", "GET", "/reports/export/cases.csv", None, STAFF),
    ("reports.export_cases_xlsx", "GET", "/reports/export/cases.xlsx", None, STAFF),
    ("reports.export_jobs", "GET", "/reports/exports/", None, STAFF),
    # background exports are the requester's own: another person's job (or none) is 404 (tests/reports/test_export_jobs.py)
    ("reports.export_job", "GET", "/reports/exports/999999", None, row(LOGIN, 403, 403, 404, 404)),
    ("reports.export_job_status", "GET", "/reports/exports/999999/status", None, row(LOGIN, 403, 403, 404, 404)),
    ("reports.export_download", "GET", "/reports/exports/999999/download", None, row(LOGIN, 403, 403, 404, 404)),
    # admin
    ("admin.index", "GET", "/admin/", None, ADMIN),
    ("admin.users", "GET", "/admin/users", None, ADMIN),
    ("admin.user_new", "GET", "/admin/users/new", None, ADMIN),
    ("admin.user_new", "POST", "/admin/users/new",
     {"login": "newbie", "name": "新人 太郎", "email": "newbie@pref.example.jp", "department": "{d}",
      "role": "requester", "password": "long-enough-pass-1", "confirm": "long-enough-pass-1"}, row(LOGIN, 403, 403, 403, 302)),
    ("admin.user_edit", "GET", "/admin/users/{u}/edit", None, ADMIN),
    ("admin.user_edit", "POST", "/admin/users/{u}/edit",
     {"name": "改名 花子", "email": "req@pref.example.jp", "department": "{d}", "role": "requester", "active": "y"},
     row(LOGIN, 403, 403, 403, 302)),
    ("admin.user_password", "POST", "/admin/users/{u}/password", {}, row(LOGIN, 403, 403, 403, 302)),
    ("admin.user_unlock", "POST", "/admin/users/{u}/unlock", {}, row(LOGIN, 403, 403, 403, 302)),
    ("admin.departments", "GET", "/admin/departments", None, ADMIN),
    ("admin.departments", "POST", "/admin/departments", {"code": "NEW01", "name": "新設課", "parent": ""},
     row(LOGIN, 403, 403, 403, 302)),
    ("admin.department_edit", "GET", "/admin/departments/{d}/edit", None, ADMIN),
    ("admin.department_edit", "POST", "/admin/departments/{d}/edit", {"name": "改称課", "active": "y"},
     row(LOGIN, 403, 403, 403, 302)),
    ("admin.categories", "GET", "/admin/categories", None, ADMIN),
    ("admin.categories", "POST", "/admin/categories", {"name": "新しい分類"}, row(LOGIN, 403, 403, 403, 302)),
    ("admin.category_edit", "GET", "/admin/categories/{c}/edit", None, ADMIN),
    ("admin.category_edit", "POST", "/admin/categories/{c}/edit", {"name": "改名した分類", "active": "y"},
     row(LOGIN, 403, 403, 403, 302)),
    ("admin.category_move", "POST", "/admin/categories/{c}/move", {"direction": "up"}, row(LOGIN, 403, 403, 403, 302)),
    # 公文書 (records): DX staff propose, admins approve and set the schedule; refused input changes nothing
    ("records.due", "GET", "/records/", None, STAFF),
    ("records.propose", "POST", "/records/propose", {"as_of": "2026-01-01"}, row(LOGIN, 403, 403, 422, 422)),
    ("records.approvals", "GET", "/records/approvals", None, STAFF),
    ("records.approve", "POST", "/records/999999/approve", {"version": "0"}, row(LOGIN, 403, 403, 403, 404)),
    ("records.reject", "POST", "/records/999999/reject", {"version": "0"}, row(LOGIN, 403, 403, 403, 404)),
    ("records.confirm", "POST", "/records/999999/confirm", {"version": "0"}, row(LOGIN, 403, 403, 403, 404)),
    ("records.package", "GET", "/records/packages/transfer-none.zip", None, row(LOGIN, 403, 403, 403, 404)),
    ("records.record", "GET", "/records/r/{t}", None, STAFF),
    ("records.extend", "POST", "/records/r/{t}/extend", {"years": "1", "reason": "", "version": "0"},
     row(LOGIN, 403, 403, 422, 422)),
    ("records.hold", "POST", "/records/r/{t}/hold", {"reason": "", "version": "0"}, row(LOGIN, 403, 403, 422, 422)),
    ("records.release", "POST", "/records/r/{t}/release", {"version": "0"}, row(LOGIN, 403, 403, 422, 422)),
    ("records.ledger", "GET", "/records/ledger", None, STAFF),
    ("records.disposals", "GET", "/records/disposals", None, STAFF),
    ("records.ledger_download", "GET", "/records/ledger/files.csv", None, STAFF),
    ("records.settings", "GET", "/records/settings", None, ADMIN),
    ("records.settings_save", "POST", "/records/settings/none",
     {"rnone-category": "none", "rnone-years": "7", "rnone-action": "dispose", "rnone-version": "0"},
     row(LOGIN, 403, 403, 403, 422)),
    # identity (issue 18): second factor, directory sync, bulk import, 組織改正
    ("auth.second_factor", "GET", "/login/second-factor", None, row(302, 302, 302, 302, 302)),  # no pending sign-in
    ("auth.second_factor", "POST", "/login/second-factor", {"code": "000000"}, row(302, 302, 302, 302, 302)),
    ("auth.second_factor_setup", "GET", "/login/second-factor/setup", None, row(302, 200, 200, 200, 200)),
    ("auth.second_factor_setup", "POST", "/login/second-factor/setup", {"code": "000000"}, row(302, 422, 422, 422, 422)),
    ("auth.two_factor", "GET", "/account/two-factor", None, ANY_USER),
    ("auth.two_factor", "POST", "/account/two-factor", {"code": "000000", "action": "codes"}, row(LOGIN, 422, 422, 422, 422)),
    ("identity.directory", "GET", "/admin/directory", None, ADMIN),
    ("identity.directory", "POST", "/admin/directory", {"action": "dry-run"}, row(LOGIN, 403, 403, 403, 422)),  # no directory
    ("identity.reset_second_factor", "GET", "/admin/users/{u}/second-factor/reset", None, ADMIN),
    ("identity.reset_second_factor", "POST", "/admin/users/{u}/second-factor/reset", {"reason": "紛失"},
     row(LOGIN, 403, 403, 403, 302)),
    ("identity.users_import", "GET", "/admin/users/import", None, ADMIN),
    ("identity.users_import", "POST", "/admin/users/import", {}, row(LOGIN, 403, 403, 403, 422)),  # no file
    ("identity.reorganisations", "GET", "/admin/reorganisations", None, ADMIN),
    ("identity.reorganisations", "POST", "/admin/reorganisations",
     {"kind": "rename", "department": "{d}", "new_name": "改称予定課", "new_parent": "", "target": "", "effective_on": "2099-04-01"},
     row(LOGIN, 403, 403, 403, 302)),
    ("identity.reorganisation_cancel", "POST", "/admin/reorganisations/999999/cancel", {}, row(LOGIN, 403, 403, 403, 404)),
    # search vocabulary (issue 13)
    ("admin.search_terms", "GET", "/admin/search-terms", None, STAFF),
    ("admin.search_terms", "POST", "/admin/search-terms", {"words": ""}, row(LOGIN, 403, 403, 422, 422)),
    ("admin.search_term_active", "POST", "/admin/search-terms/999999/active", {}, row(LOGIN, 403, 403, 404, 404)),
    ("admin.missed_searches", "GET", "/admin/missed-searches", None, STAFF),
    # desk workflow (issue 14)
    ("admin.user_deactivate", "GET", "/admin/users/{u}/deactivate", None, ADMIN),
    ("admin.user_deactivate", "POST", "/admin/users/{u}/deactivate", {}, row(LOGIN, 403, 403, 403, 302)),
    ("desk.bulk", "POST", "/desk/bulk", {"action": "priority"}, row(LOGIN, 403, 403, 302, 302)),
    ("desk.canned", "GET", "/desk/canned", None, STAFF),
    ("desk.canned", "POST", "/desk/canned", {"title": "", "body": ""}, row(LOGIN, 403, 403, 422, 422)),
    ("desk.case_links", "GET", "/desk/canned/case-links", None, STAFF),
    ("desk.intake", "GET", "/desk/intake", None, STAFF),
    ("desk.intake", "POST", "/desk/intake", {}, row(LOGIN, 403, 403, 422, 422)),
    ("desk.link_ticket", "POST", "/desk/tickets/{t}/link", {"other": "DX-1999-0001"}, row(LOGIN, 403, 403, 302, 302)),  # unknown number: back with a message
    ("desk.merge_ticket", "POST", "/desk/tickets/{t}/merge", {"into": "DX-1999-0001"}, row(LOGIN, 403, 403, 302, 302)),  # unknown number: back with a message
    ("desk.reply_then", "POST", "/desk/tickets/{t}/reply-then", {"body": "", "then": "waiting"}, row(LOGIN, 403, 403, 422, 422)),
    ("inbox.index", "GET", "/notifications", None, ANY_USER),
    ("inbox.open", "GET", "/notifications/999999", None, row(LOGIN, 404, 404, 404, 404)),
    ("inbox.read_all", "POST", "/notifications/read", {}, row(LOGIN, 302, 302, 302, 302)),
    ("tickets.satisfaction", "POST", "/tickets/{t}/satisfaction", {"rating": "5"}, row(LOGIN, 400, 404, 403, 403)),  # not closed yet; staff never rate
]


def _fill(text: str, world) -> str:
    """Put the world's ids into a URL or form value."""
    return text.format(t=world.ticket.number, a=world.attachment.id, u=world.users["requester"].id,
                       d=world.users["requester"].department_id, c=world.category.id, v=world.ticket.version,
                       dx2=world.users["dx_staff2"].id, cv=case_by_ref("SEC-DRAFT").version)


def _request(client, method, url, data, world):
    """Send one request of the matrix."""
    if method == "GET":
        return client.get(_fill(url, world))
    return client.post(_fill(url, world), data={k: _fill(v, world) for k, v in (data or {}).items()})


def _text(page: str) -> str:
    """The visible text of the main part of a page (for failure messages)."""
    main = page.split('<main', 1)[-1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())[:300]


def _outcome(response):
    """The observed outcome: LOGIN for a redirect to the login page, else the status code."""
    if response.status_code == 302 and "/login" in response.headers.get("Location", "") \
            and "next=" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def test_every_route_is_in_the_matrix(app):
    """A new route (or method) without a row here fails this test."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    assert routes - covered == set(), "add these routes to MATRIX"
    assert covered - routes == set(), "MATRIX lists routes that do not exist"


REFUSED = (LOGIN, 403, 404, 405)


@pytest.mark.parametrize(("endpoint", "method", "url", "data", "expected"), MATRIX,
                         ids=[f"{m[1]} {m[2]}" for m in MATRIX])
def test_matrix(as_role, world, endpoint, method, url, data, expected):
    """Each role gets the expected answer; a refused request leaves the database unchanged and shows nothing.

    Refused roles go first, so that the allowed ones (which may change the ticket) come last."""
    wrong = {}
    for role in sorted(R, key=lambda r: expected[r] not in REFUSED):
        want = expected[role]
        before = snapshot() if want in REFUSED else None
        db.session.expire_all()
        response = _request(as_role(role), method, url, data, world)
        got = _outcome(response)
        page = response.get_data().decode("utf-8", "replace")
        response.close()
        if got != want:
            wrong[role] = (got, want, _text(page))
            continue
        if before is not None:
            assert snapshot() == before, f"{role}: a refused request changed the database"
        if want in (403, 404):
            assert world.ticket.title not in page and MARKER not in page, role
    assert wrong == {}


def test_wrong_methods_are_405(as_role, world):
    """GET on an action and DELETE/PUT anywhere answer 405 with the Japanese page."""
    client = as_role("dx_staff")
    for url in ("/logout", f"/tickets/{world.ticket.number}/reply", f"/desk/tickets/{world.ticket.number}/note",
                "/cases/SEC-PUB/helpful", "/admin/users/1/unlock"):
        response = client.get(url)
        assert response.status_code == 405, url
        assert "この操作はできません" in response.get_data(as_text=True)
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(f"/tickets/{world.ticket.number}")
        assert response.status_code == 405


def _page_shape(response, number: str) -> str:
    """The page with the ticket number and the CSRF tokens blanked: a token is signed with the time in seconds, so
    two requests either side of a second's boundary get different ones (seen under load)."""
    page = response.get_data(as_text=True).replace(number, "X")
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_other_department_gets_404_for_every_object(as_role, world, users):
    """Tickets, attachments and comments of department A are 404 for department B — unknown ones too, alike."""
    from tests import factories

    other_ticket = factories.make_ticket(users["other"])  # department B's own ticket is visible to them
    client = as_role("other")
    assert client.get(f"/tickets/{other_ticket.number}").status_code == 200
    unknown = client.get("/tickets/DX-1999-0001")
    hidden = client.get(f"/tickets/{world.ticket.number}")
    assert hidden.status_code == unknown.status_code == 404
    assert _page_shape(hidden, world.ticket.number) == _page_shape(unknown, "DX-1999-0001")
    attachment = client.get(f"/tickets/{world.ticket.number}/attachments/{world.attachment.id}")
    assert attachment.status_code == 404 and b"hello, attachment" not in attachment.data
    # an attachment id of department A used under department B's ticket is not served either
    crossed = client.get(f"/tickets/{other_ticket.number}/attachments/{world.attachment.id}")
    assert crossed.status_code == 404 and b"hello, attachment" not in crossed.data
    listing = client.get("/tickets/mine?scope=dept").get_data(as_text=True)
    assert world.ticket.number not in listing
