"""XSS: a corpus of payloads through every free-text field, and every page that shows them parsed and found inert."""
import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import select

from models import Case, Ticket, db

PAYLOADS = [line for line in (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("# ")]
ALL = "\n\n".join(PAYLOADS)  # one batch for the long (Markdown or multi-line) fields
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background", "poster", "values",
             "to", "from", "by", "cite", "lowsrc", "dynsrc", "codebase", "ping", "manifest", "content"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "style", "noscript"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")


def test_corpus_is_large_enough():
    """At least 50 payloads, covering the main families."""
    assert len(PAYLOADS) >= 50
    for family in ("<script", "onerror", "javascript:", "data:", "<svg", "](", "＜script", "\u202e"):
        assert any(family in p for p in PAYLOADS), family


class _Collector(HTMLParser):
    """Collect every start tag with its attributes (values already un-escaped by the parser)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Record the tag."""
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        """Record the text."""
        self.text.append(data)


def _normalise_url(value: str) -> str:
    """What a browser would look at: no whitespace or control characters, lower case."""
    return "".join(ch for ch in value if ch > " " and ch not in "\x7f").lower()


def assert_inert(page: str, where: str) -> str:
    """Fail if anything from a payload became live in `page`; return the page's text."""
    parser = _Collector()
    parser.feed(page)
    parser.close()
    for tag, attrs in parser.tags:
        names = {name for name, _ in attrs}
        assert tag not in FORBIDDEN_TAGS, f"{where}: <{tag}>"
        if tag == "script":
            src = dict(attrs).get("src") or ""
            assert src.startswith("/static/js/") and src.endswith(".js"), f"{where}: <script src={src!r}>"
        if tag == "link":
            assert (dict(attrs).get("href") or "").startswith("/static/"), f"{where}: <link {attrs}>"
        if tag == "meta":
            assert "http-equiv" not in names, f"{where}: <meta {attrs}>"
        for name, value in attrs:
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}>"
            assert name != "style", f"{where}: <{tag} style={value!r}>"
            if name in URL_ATTRS and value:
                url = _normalise_url(value)
                if tag == "meta" and name == "content":
                    url = url.split("url=", 1)[-1]
                assert not url.startswith(BAD_SCHEMES), f"{where}: <{tag} {name}={value!r}>"
    return "".join(parser.text)


def assert_shown_escaped(page: str, text: str, where: str) -> None:
    """The payload is on the page as text (HTML-escaped), not as markup."""
    assert str(escape(text)) in page, f"{where}: {text!r} not shown escaped"


def _check(client, url, where, shown=()):
    """GET `url`, check it is inert, and that each of `shown` appears escaped."""
    response = client.get(url)
    assert response.status_code < 500, f"{where}: {response.status_code}"
    page = response.get_data(as_text=True)
    assert_inert(page, where)
    for text in shown:
        assert_shown_escaped(page, text, where)
    return page


@pytest.fixture
def dept(users):
    """The requester's department id."""
    return users["requester"].department_id


def _file_ticket(client, title, text, timing="", other=""):
    """File a ticket through the intake form; returns its number."""
    data = {"title": title, "purpose": text, "current_process": text, "problem": text, "desired_state": text,
            "frequency": "その他" if other else "毎月", "frequency_other": other, "desired_timing": timing,
            "urgency": "medium", "contains_personal_info": "no", "category": "", "hours_per_month": "3"}
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].rstrip("/").split("/")[-1]


def test_ticket_fields_replies_notes_and_filenames(app, as_role, world):
    """Intake fields, replies, internal and public notes, resolution fields and attachment names stay inert."""
    requester, dx = as_role("requester"), as_role("dx_staff")
    number = _file_ticket(requester, "一括の検査", ALL, timing=PAYLOADS[0][:100], other=PAYLOADS[8][:80])
    for i, payload in enumerate(PAYLOADS):  # the title is short: one ticket per payload
        _file_ticket(requester, payload[:200], f"本文 {i}")
    # '"' would end the test client's filename="…" (browsers send it as %22)
    files = [(io.BytesIO(b"plain text\n"), f"{p[:150]}.txt".replace('"', "'")) for p in PAYLOADS[:20]]
    assert requester.post(f"/tickets/{number}/reply", data={"body": ALL, "attachments": files},
                          content_type="multipart/form-data").status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))

    def version():
        db.session.expire_all()
        return str(ticket.version)

    for kind in ("internal", "public"):
        assert dx.post(f"/desk/tickets/{number}/note", data={"note-version": version(), "note-kind": kind,
                                                            "note-body": ALL}).status_code == 302
    db.session.refresh(ticket)
    ticket.status = "in_progress"  # skip 受付 (not what this test is about)
    db.session.commit()
    assert dx.post(f"/desk/tickets/{number}/resolve", data={
        "resolve-version": version(), "resolve-root_cause": ALL, "resolve-resolution_type": "情報提供",
        "resolve-resolution_summary": ALL, "resolve-hours_saved_per_year": "1"}).status_code == 302
    for role in ("requester", "dx_staff"):
        client = as_role(role)
        page = _check(client, f"/tickets/{number}", f"ticket page as {role}", shown=[PAYLOADS[0][:100]])
        assert "plain text" not in page
        _check(client, "/tickets/mine?scope=dept", f"my tickets as {role}",  # newest first: the last ones on page 1
               shown=PAYLOADS[-3:] if role == "requester" else ())
    _check(dx, "/desk/", "desk queue")
    _check(dx, f"/desk/tickets/{number}/history", "history")
    _check(dx, "/desk/workload", "workload")
    _check(dx, "/reports/", "dashboard")
    _check(dx, "/tickets/new", "intake")
    for t in db.session.scalars(select(Ticket).where(Ticket.title != "一括の検査").limit(70)):
        _check(requester, f"/tickets/{t.number}", f"ticket {t.title!r}", shown=[t.title])


def test_case_fields(app, as_role, world):
    """Case title, department label, Markdown fields, tools and tags stay inert on every case page and search."""
    from consult.cases import service

    dx = as_role("dx_staff")
    refs = []
    for i, payload in enumerate(PAYLOADS[::3]):
        data = {"title": payload[:200], "department_mode": "custom", "department_custom": payload[:100],
                "problem": ALL, "cause": ALL, "solution": ALL, "effect": ALL, "tools": payload, "tags": f"タグ{i},{payload}",
                "resolution_type": "業務改善", "hours_saved_per_year": "5"}
        response = dx.post("/cases/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        refs.append(response.headers["Location"].rstrip("/").split("/")[-2])
    for ref in refs:
        _check(dx, f"/cases/{ref}/edit", f"editor {ref}")
        assert dx.post(f"/cases/{ref}/edit", data={"title": "プレビュー", "department_mode": "generic", "problem": ALL,
                                                  "solution": ALL, "action": "preview"}).status_code == 200
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        service.publish(case, world.users["dx_staff"], None, [f.id for f in service.findings(case)])
    requester = as_role("requester")
    for ref in refs:
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        _check(requester, f"/cases/{ref}", f"case {ref}", shown=[case.title])
    _check(requester, "/cases/", "case list")
    _check(dx, "/cases/manage", "case management")
    for payload in PAYLOADS[::3]:
        _check(requester, f"/cases/?q={quote(payload)}", f"search {payload!r}")
        suggest = requester.get(f"/cases/suggest?q={quote(payload)}")
        assert_inert(suggest.get_data(as_text=True), f"suggest {payload!r}")
        json = requester.get(f"/cases/suggest?q={quote(payload)}", headers={"Accept": "application/json"}).get_json()
        for hit in json["cases"]:
            assert_inert(hit["snippet_html"], f"suggest JSON {payload!r}")
    _check(requester, "/cases/?q=" + quote("script alert onerror javascript"), "search snippets")


def test_admin_names(app, as_role, world, dept):
    """User, department and category names typed by an admin stay inert wherever they are shown."""
    admin = as_role("admin")
    for i, payload in enumerate(PAYLOADS):
        name = payload[:100]
        assert admin.post("/admin/users/new", data={
            "login": f"x{i}", "name": name, "email": f"x{i}@pref.example.jp", "department": str(dept),
            "role": "dx_staff" if i % 2 else "requester", "password": "long-enough-pass-1",
            "confirm": "long-enough-pass-1"}).status_code == 302
        assert admin.post("/admin/departments", data={"code": f"X{i:03d}", "name": name, "parent": ""}).status_code == 302
        assert admin.post("/admin/categories", data={"name": name}).status_code == 302
    for url in ("/admin/users", "/admin/departments", "/admin/categories", "/admin/users/new", "/admin/"):
        _check(admin, url, url, shown=[p[:100] for p in PAYLOADS[:5]] if url != "/admin/" else ())
    dx = as_role("dx_staff")
    for url in ("/desk/", "/desk/workload", f"/tickets/{world.ticket.number}", "/reports/", "/cases/new", "/cases/"):
        _check(dx, url, url)
    _check(as_role("requester"), "/tickets/new", "intake with payload categories")


def test_search_boxes_and_dashboard_params(app, as_role, world):
    """What is typed into search boxes and the dashboard's period form comes back escaped."""
    dx = as_role("dx_staff")
    for payload in PAYLOADS:
        q = quote(payload[:100])
        for url in (f"/cases/?q={q}", f"/tickets/mine?q={q}", f"/desk/?q={q}", f"/admin/users?q={q}",
                    f"/reports/?period=custom&start={q}&end={q}", f"/reports/?period={q}",
                    f"/cases/?sort={q}&category={q}", f"/desk/?status={q}&sort={q}"):
            client = as_role("admin") if url.startswith("/admin") else dx
            _check(client, url, url)


def test_the_checker_catches_live_markup():
    """The checker itself works: raw payloads (not escaped) are caught."""
    live = ["<script>alert(1)</script>", "<img src=x onerror=alert(8)>", '<a href="jav&#x09;ascript:alert(23)">x</a>',
            '<iframe src="x"></iframe>', "<svg onload=alert(31)>", '<a href="data:text/html,x">x</a>',
            '<meta http-equiv="refresh" content="0;url=javascript:alert(38)">', '<div style="x">x</div>']
    for page in live:
        with pytest.raises(AssertionError):
            assert_inert(page, "raw")
    assert_inert(str(escape("".join(live))), "escaped")
