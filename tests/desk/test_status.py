"""Status changes through the workflow table, resolution fields, notes and replies."""
from sqlalchemy import select

from models import AuditEvent, Comment, Ticket, db
from tests import factories


def _reload(ticket) -> Ticket:
    """The ticket as stored now."""
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def _status(client, t, target):
    """Post the status form."""
    return client.post(f"/desk/tickets/{t.number}/status", data={"status-version": t.version, "status-status": target})


def test_allowed_transitions_and_timestamps(app, dx, users):
    """triaged → in_progress → waiting → in_progress; each writes ticket.status_changed."""
    t = factories.make_ticket(users["requester"], status="triaged")
    assert _status(dx, t, "in_progress").status_code == 302
    t = _reload(t)
    assert t.status == "in_progress" and t.triaged_at is not None
    assert _status(dx, t, "waiting").status_code == 302
    t = _reload(t)
    assert _status(dx, t, "in_progress").status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.status_changed",
                                                         AuditEvent.object_id == t.id).order_by(AuditEvent.id)).all()
    assert [(e.before["status"], e.after["status"]) for e in events] == [
        ("triaged", "in_progress"), ("in_progress", "waiting"), ("waiting", "in_progress")]


def test_refused_transitions(app, dx, users):
    """Not in the table (or requester-only, or 解決 without the resolution) → 400, nothing changes."""
    t = factories.make_ticket(users["requester"], status="new")
    for target in ("closed", "withdrawn", "waiting", "resolved", "nonsense"):
        r = _status(dx, t, target)
        assert r.status_code == 400, target
    assert _reload(t).status == "new"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.status_changed")) is None


def test_resolve_requires_fields_in_japanese_and_keeps_input(app, dx, users):
    """Missing 原因/種類/内容 → Japanese errors, typed text comes back."""
    t = factories.make_ticket(users["requester"], status="in_progress")
    r = dx.post(f"/desk/tickets/{t.number}/resolve", data={
        "resolve-version": t.version, "resolve-root_cause": "", "resolve-resolution_type": "",
        "resolve-resolution_summary": "マクロを作成して集計を自動化した", "resolve-hours_saved_per_year": "-5"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "原因を入力してください" in html and "解決方法の種類を選んでください" in html
    assert "0以上の整数で入力してください" in html
    assert "マクロを作成して集計を自動化した" in html
    r = dx.post(f"/desk/tickets/{t.number}/resolve", data={
        "resolve-version": t.version, "resolve-root_cause": "手作業", "resolve-resolution_type": "ツール導入",
        "resolve-resolution_summary": "自動化", "resolve-hours_saved_per_year": "abc"})
    assert r.status_code == 400 and "0以上の整数で入力してください" in r.get_data(as_text=True)
    assert "Not a valid" not in r.get_data(as_text=True)
    assert _reload(t).status == "in_progress"


def test_resolve_records_fields_status_and_audit(app, dx, users):
    """A complete resolution moves to 解決, stamps resolved_at and writes two events; 完了 then stamps closed_at."""
    t = factories.make_ticket(users["requester"], status="in_progress")
    r = dx.post(f"/desk/tickets/{t.number}/resolve", data={
        "resolve-version": t.version, "resolve-root_cause": "転記が手作業だった", "resolve-resolution_type": "ツール導入",
        "resolve-resolution_summary": "Power Queryで自動集計", "resolve-hours_saved_per_year": "120"})
    assert r.status_code == 302
    t = _reload(t)
    assert (t.status, t.resolution_type, t.hours_saved_per_year) == ("resolved", "ツール導入", 120)
    assert t.resolved_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == t.id)))
    assert {"ticket.resolution_recorded", "ticket.status_changed"} <= actions
    assert _status(dx, t, "closed").status_code == 302
    assert _reload(t).closed_at is not None


def test_internal_note_and_public_reply(app, dx, users, ticket):
    """Internal note: internal comment, no first response; public reply sets first_response_at once."""
    r = dx.post(f"/desk/tickets/{ticket.number}/note",
                data={"note-version": ticket.version, "note-kind": "internal", "note-body": "所属に電話で確認する"})
    assert r.status_code == 302
    t = _reload(ticket)
    assert t.first_response_at is None
    r = dx.post(f"/desk/tickets/{t.number}/note",
                data={"note-version": t.version, "note-kind": "public", "note-body": "ご相談ありがとうございます。"})
    assert r.status_code == 302
    t = _reload(t)
    first = t.first_response_at
    assert first is not None
    dx.post(f"/desk/tickets/{t.number}/note", data={"note-version": 1, "note-kind": "public", "note-body": "追伸"})
    assert _reload(t).first_response_at == first
    comments = db.session.scalars(select(Comment).where(Comment.ticket_id == t.id).order_by(Comment.id)).all()
    assert [(c.internal, c.author_id) for c in comments] == [(True, users["dx_staff"].id), (False, users["dx_staff"].id),
                                                             (False, users["dx_staff"].id)]
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == t.id).order_by(AuditEvent.id)))
    assert actions == ["ticket.note_added", "ticket.replied", "ticket.replied"]


def test_empty_note_is_refused_with_message(app, dx, ticket):
    """An empty body is a 400 with a Japanese message."""
    r = dx.post(f"/desk/tickets/{ticket.number}/note", data={"note-version": ticket.version, "note-kind": "internal", "note-body": "  "})
    assert r.status_code == 400 and "本文を入力してください" in r.get_data(as_text=True)
