"""The staff ticket page: conversation first, ONE 「更新」 form in the side panel, staff wording only."""
import re
from html.parser import HTMLParser

from sqlalchemy import select

from models import AuditEvent, Ticket, db
from tests import factories


class _Forms(HTMLParser):
    """Collect the forms (action, position) and the position of the conversation in document order."""

    def __init__(self):
        super().__init__()
        self.forms, self.ids, self.pos = [], {}, 0

    def handle_starttag(self, tag, attrs):
        """Remember forms and ids in the order they appear."""
        self.pos += 1
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action", ""), self.pos))
        if "id" in attrs:
            self.ids[attrs["id"]] = self.pos


def _parse(html: str) -> _Forms:
    """Parsed structure of a page."""
    parser = _Forms()
    parser.feed(html)
    return parser


def _events(ticket, action=None):
    """Audit events on the ticket (optionally of one action)."""
    stmt = select(AuditEvent).where(AuditEvent.object_type == "ticket", AuditEvent.object_id == ticket.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def _reload(ticket) -> Ticket:
    """The ticket as stored now."""
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def test_one_update_form_after_the_conversation(app, dx, users, ticket):
    """Exactly one 更新 form; the conversation and the reply box come before it in the DOM."""
    factories.make_comment(ticket, users["requester"], body="よろしくお願いします。")
    html = dx.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    page = _parse(html)
    updates = [pos for action, pos in page.forms if action.endswith(f"/desk/tickets/{ticket.number}/update")]
    assert len(updates) == 1
    for old in ("triage", "assign", "status"):  # the former one-purpose forms are gone from the page
        assert not [a for a, _ in page.forms if a.endswith(f"/{old}")]
    assert page.ids["conversation"] < updates[0]
    assert page.ids["reply"] < updates[0]
    assert html.count(">更新</button>") == 1
    assert 'name="update-version"' in html


def test_staff_wording_and_breadcrumb(app, dx, users):
    """Staff never read the requester's instructions; the breadcrumb starts at 受付一覧."""
    t = factories.make_ticket(users["requester"], status="resolved", resolution_summary="手順書を作りました。",
                              root_cause="手作業", resolution_type="業務改善")
    html = dx.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "解決を確認して完了にする" not in html
    assert "あなたの回答を待っています" not in html
    crumb = re.search(r'<p class="breadcrumb">(.*?)</p>', html, re.S).group(1)
    assert crumb.startswith('<a href="/desk/">受付一覧</a>')
    assert "自分の相談" not in crumb
    req = factories.make_user("req9", department=users["requester"].department)
    from tests.desk.conftest import login

    page = login(app, req.login).get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "解決を確認して完了にする" in page and "desk-panel" not in page  # the requester's page is unchanged


def test_one_submit_applies_every_field_with_one_event_per_change(app, dx, users, ticket):
    """分類, 優先度, 主担当・副担当 and 状態 in one post: one version step, one audit event per kind of change."""
    cat = factories.make_category("文書管理")
    seen = ticket.version
    r = dx.post(f"/desk/tickets/{ticket.number}/update", data={
        "update-version": seen, "update-category": cat.id, "update-priority": "high",
        "update-main": users["dx_staff2"].id, "update-backup": users["dx_staff"].id, "update-status": "in_progress"})
    assert r.status_code == 302 and r.location.endswith("#desk-panel")
    t = _reload(ticket)
    assert (t.category_id, t.priority, t.main_handler_id, t.backup_handler_id, t.status) == (
        cat.id, "high", users["dx_staff2"].id, users["dx_staff"].id, "in_progress")
    assert t.version == seen + 1  # one transaction
    assert [e.action for e in _events(t)] == ["ticket.triaged", "ticket.status_changed", "ticket.assigned"]
    assert _events(t, "ticket.status_changed")[0].after == {"status": "in_progress"}


def test_unchanged_form_changes_nothing(app, dx, ticket):
    """Sending the form as shown writes nothing."""
    seen = ticket.version
    r = dx.post(f"/desk/tickets/{ticket.number}/update", data={
        "update-version": seen, "update-category": "", "update-priority": ticket.priority,
        "update-main": "", "update-backup": "", "update-status": "new"}, follow_redirects=True)
    assert "変更はありませんでした" in r.get_data(as_text=True)
    assert _reload(ticket).version == seen and _events(ticket) == []


def test_stale_update_answers_409_with_diff_and_kept_input(app, dx, dx2, users, ticket):
    """Two staff saw the same version: the second gets the conflict page, nothing of theirs is written."""
    seen = ticket.version
    base = {"update-version": seen, "update-category": "", "update-main": "", "update-backup": "", "update-status": "new"}
    assert dx.post(f"/desk/tickets/{ticket.number}/update", data={**base, "update-priority": "urgent"}).status_code == 302
    r = dx2.post(f"/desk/tickets/{ticket.number}/update", data={**base, "update-priority": "low"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert '<th scope="row">優先度</th><td>至急</td><td>低</td>' in html
    assert '<option selected value="low">' in html
    assert _reload(ticket).priority == "urgent"


def test_bad_combination_is_refused_with_input_kept(app, dx, users, ticket):
    """Same person as 主担当 and 副担当: a Japanese message and a 4xx, nothing written."""
    uid = users["dx_staff"].id
    r = dx.post(f"/desk/tickets/{ticket.number}/update", data={
        "update-version": ticket.version, "update-category": "", "update-priority": "high",
        "update-main": uid, "update-backup": uid, "update-status": "new"})
    assert r.status_code == 400
    assert "別の職員を選んでください" in r.get_data(as_text=True)
    assert _reload(ticket).priority != "high"


def test_resolved_is_not_offered_and_not_accepted(app, dx, users):
    """解決 needs the resolution form; the 更新 form neither offers nor accepts it."""
    t = factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff"])
    html = dx.get(f"/tickets/{t.number}").get_data(as_text=True)
    status_select = re.search(r'<select[^>]*id="update-status".*?</select>', html, re.S).group(0)
    assert 'value="resolved"' not in status_select and "対応中（現在のまま）" in status_select
    r = dx.post(f"/desk/tickets/{t.number}/update", data={
        "update-version": t.version, "update-category": "", "update-priority": t.priority,
        "update-main": users["dx_staff"].id, "update-backup": "", "update-status": "resolved"})
    assert r.status_code == 400 and _reload(t).status == "in_progress"
    assert "一覧から選んでください" in r.get_data(as_text=True) and "Not a valid choice" not in r.get_data(as_text=True)


def test_handler_options_show_current_load(app, dx, users, ticket):
    """Each person's open tickets appear in the 主担当/副担当 lists."""
    factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff2"])
    factories.make_ticket(users["requester"], status="triaged", main_handler=users["dx_staff"],
                          backup_handler=users["dx_staff2"])
    html = dx.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    main_select = re.search(r'<select[^>]*id="update-main".*?</select>', html, re.S).group(0)
    assert "田中 四郎（対応中 主1・副1）" in main_select
    assert "高橋 三郎（対応中 主1・副0）" in main_select
