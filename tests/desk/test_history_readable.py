"""履歴 as an auditor reads it: Japanese field names, names instead of ids, the app's date format, long texts as
a marked before/after."""
from datetime import date

from consult import audit
from consult.tickets.service import TICKET_AUDIT_FIELDS
from models import db
from tests import factories


def _history(client, ticket) -> str:
    """The 履歴 page as text."""
    response = client.get(f"/desk/tickets/{ticket.number}/history")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_created_event_shows_names_and_japanese_labels(app, dx, users):
    """The intake snapshot: 所属 and 相談者 by name, Japanese labels, no raw keys, ids or ISO dates."""
    cat = factories.make_category("文書管理")
    t = factories.make_ticket(users["requester"], category=cat, first_response_due=date(2026, 12, 7),
                              resolution_due=date(2027, 1, 8))
    audit.record("ticket.created", "ticket", t.id, users["requester"], after=audit.snapshot(t, TICKET_AUDIT_FIELDS))
    db.session.commit()
    html = _history(dx, t)
    for raw in ("department_id", "requester_id", "purpose", "current_process", "category_id", "分類ID", "2026-12-07"):
        assert raw not in html, raw
    assert "<dt>所属</dt>" in html and t.department.full_name in html
    assert "<dt>相談者</dt>" in html and "<dd>山田 花子</dd>" in html
    assert "<dt>業務の目的</dt>" in html and "<dt>分類</dt>" in html and "<dd>文書管理</dd>" in html
    assert "<dd>2026年12月7日</dd>" in html
    dx.post("/preferences/wareki", data={"next": "/"})
    html = _history(dx, t)
    assert "<dd>令和8年12月7日</dd>" in html and "<dd>令和9年1月8日</dd>" in html


def test_attachment_event_is_readable(app, dx, users, ticket):
    """File name, size in KB and the hash labelled in Japanese."""
    audit.record("attachment.added", "ticket", ticket.id, users["requester"],
                 after={"ticket": ticket.number, "comment_id": None, "name": "様式.pdf", "size": 20480, "sha256": "ab" * 32})
    db.session.commit()
    html = _history(dx, ticket)
    assert "<dt>ファイル名</dt>" in html and "様式.pdf" in html
    assert "20.0 KB" in html and "ハッシュ値（SHA-256）" in html
    assert "<dt>sha256</dt>" not in html and "<dt>name</dt>" not in html


def test_long_text_change_is_a_marked_before_after(app, dx, users, ticket):
    """A long 原因 rewritten: both versions in full and the differences marked with <del>/<ins>."""
    before = "毎月の集計を手作業で行っており、担当者ごとに様式が異なるため、転記と確認に時間がかかっていた。"
    after = "毎月の集計を手作業で行っており、課ごとに様式が異なるため、転記と確認に時間がかかっていた。原因は様式の不統一。"
    audit.record("ticket.resolution_recorded", "ticket", ticket.id, users["dx_staff"],
                 before={"root_cause": before, "hours_saved_per_year": None},
                 after={"root_cause": after, "hours_saved_per_year": 120})
    db.session.commit()
    html = _history(dx, ticket)
    assert "<del>担当者</del><ins>課</ins>" in html
    assert "<ins>原因は様式の不統一。</ins>" in html
    assert before in html and after in html
    assert "変更前" in html and "変更後" in html
    assert '（なし） <span aria-label="から">→</span> 120時間' in html


def test_diff_escapes_html(app):
    """User text in a diff is escaped."""
    from consult.desk.history import text_diff

    marked = str(text_diff("<b>a</b>" * 10, "<b>b</b>" * 10))
    assert "<b>" not in marked and "&lt;b&gt;" in marked
