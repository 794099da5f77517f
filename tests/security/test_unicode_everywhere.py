"""Random Unicode — lone surrogates, noncharacters (U+FFFE, U+FFFF, U+FDD0…), C0/C1 controls, bidi overrides —
through every kind of form and the autosave JSON, then through every export (audit, done-when): never a 500, and
the CSV (strict UTF-8) and XLSX (strict XML 1.0 parser, openpyxl) stay readable."""
import csv
import io
import json
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NASTY = st.sampled_from(["\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0", "\x01", "\x1b", "\x7f", "\x85", "\u202e",
                         "\u2066", "\ufeff", "＝", "=", "\r\n", "\t", "\U0010ffff", "\U0001fffe"])
TEXT = st.lists(st.one_of(NASTY, st.characters(blacklist_characters="\x00")), min_size=1, max_size=60).map("".join)


def _form_body(fields: dict) -> bytes:
    """What a client sends: UTF-8 bytes; lone surrogates go out as their (invalid) 3-byte forms."""
    return "&".join(f"{k}={urllib.parse.quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in fields.items()).encode()


def _post(client, url, fields):
    return client.post(url, data=_form_body(fields), content_type="application/x-www-form-urlencoded")


def _readable_exports(client):
    for url in ("/reports/export/tickets.csv?f=1&include_internal=y", "/reports/export/cases.csv"):
        response = client.get(url)
        assert response.status_code == 200
        list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))  # strict UTF-8
    for url in ("/reports/export/tickets.xlsx?f=1&include_internal=y", "/reports/export/cases.xlsx"):
        response = client.get(url)
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as z:
            for name in z.namelist():
                ET.fromstring(z.read(name))
        openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active.max_row  # noqa: B018


@SETTINGS
@given(title=TEXT, body=TEXT)
def test_random_unicode_through_every_form_and_export(as_role, world, title, body):
    requester, dx, admin = as_role("requester"), as_role("dx_staff"), as_role("admin")
    answers = [
        _post(requester, "/tickets/new", {"title": title, "purpose": body, "current_process": body, "problem": body,
                                          "frequency": "毎月", "urgency": "medium", "contains_personal_info": "no",
                                          "category": "", "hours_per_month": "1", "action": "submit"}),
        requester.post("/tickets/draft", data=json.dumps({"title": title, "problem": body}),
                       content_type="application/json"),
        requester.get("/tickets/new"),
        _post(requester, f"/tickets/{world.ticket.number}/reply", {"body": body}),
        _post(dx, f"/desk/tickets/{world.ticket.number}/note", {"note-body": body, "note-internal": "y",
                                                                 "note-version": str(world.ticket.version)}),
        _post(dx, "/cases/new", {"title": title, "department_mode": "generic", "problem": body, "tags": title,
                                 "tools": title}),
        _post(dx, f"/cases/{world.draft_case.ref}/edit", {"title": title, "department_mode": "custom",
                                                          "department_custom": title, "problem": body,
                                                          "version": str(world.draft_case.version)}),
        _post(admin, "/admin/categories", {"name": title[:40]}),
        _post(admin, "/admin/departments", {"code": "U1", "name": title[:40]}),
        _post(admin, "/admin/users/new", {"login": "u" + str(abs(hash(title)) % 10**6), "name": title[:80],
                                          "email": "", "department": "", "role": "dx_staff",
                                          "password": "Kx9-" + body[:20], "confirm": "Kx9-" + body[:20]}),
        requester.get("/cases/", query_string={"q": title.encode("utf-8", "surrogatepass")}),
        requester.get("/tickets/mine", query_string={"q": title.encode("utf-8", "surrogatepass")}),
    ]
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
    _readable_exports(dx)
