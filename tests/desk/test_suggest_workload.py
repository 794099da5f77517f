"""Handler suggestion (least loaded among the strong) and the 担当状況 board."""
from datetime import date, timedelta

from sqlalchemy import select

from consult.desk.suggest import suggest_handler
from consult.desk.workload import board
from models import AuditEvent, db, utcnow
from tests import factories

LATE = dict(first_response_due=date(2020, 1, 6), resolution_due=date(2020, 2, 3))


def _staff(*names):
    """Active DX staff with these names."""
    return [factories.make_user(role="dx_staff", name=n) for n in names]


def test_least_loaded_among_strong_staff(app, users):
    """Among the 3 strong in the category, the one with the lowest load wins; backup counts half."""
    cat = factories.make_category("集計・データ処理")
    a, b, c, idle = _staff("青木", "馬場", "千葉", "暇田")
    for person in (a, b, c):
        person.skills = [cat]
    db.session.commit()
    req = users["requester"]
    for _ in range(3):
        factories.make_ticket(req, status="in_progress", main_handler=a)
    for _ in range(2):
        factories.make_ticket(req, status="in_progress", main_handler=b)
    factories.make_ticket(req, status="in_progress", main_handler=c)
    factories.make_ticket(req, status="in_progress", main_handler=c)
    factories.make_ticket(req, status="waiting", main_handler=a, backup_handler=c)  # c: 2 + 0.5
    factories.make_ticket(req, status="closed", main_handler=b)  # closed does not count
    ticket = factories.make_ticket(req, category=cat)
    s = suggest_handler(ticket)
    assert s.user == b
    assert s.reason == "集計・データ処理が得意な3人のうち、対応中の件数が最も少ない（2件）ため"


def test_tie_goes_to_fewer_overdue_then_name(app, users):
    """Equal load: fewer overdue first; still equal: by name."""
    cat = factories.make_category("文書管理")
    a, b = _staff("安藤", "伊藤")
    a.skills = [cat]
    b.skills = [cat]
    db.session.commit()
    req = users["requester"]
    factories.make_ticket(req, status="in_progress", main_handler=a, **LATE)
    factories.make_ticket(req, status="in_progress", main_handler=b)
    ticket = factories.make_ticket(req, category=cat)
    assert suggest_handler(ticket).user == b
    factories.make_ticket(req, status="in_progress", main_handler=b, backup_handler=a)  # now a: 1 + 0.5 = 1.5 < b: 2
    fresh = factories.make_ticket(req, category=cat)
    assert suggest_handler(fresh).user == a


def test_nobody_strong_or_no_category_falls_back_to_everyone(app, users):
    """The explanation says why the whole staff was considered."""
    cat = factories.make_category("電子申請")
    ticket = factories.make_ticket(users["requester"], category=cat)
    factories.make_ticket(users["requester"], status="triaged", main_handler=users["dx_staff"])
    s = suggest_handler(ticket)
    assert s.user == users["dx_staff2"]
    assert s.reason.startswith("電子申請が得意な担当者がいないため、全担当者2人のうち")
    s = suggest_handler(factories.make_ticket(users["requester"]))
    assert s.reason.startswith("分類が未設定のため、")


def test_workload_numbers(app, users):
    """Open tickets by status/priority as main and as backup, overdue, resolved in 30 days."""
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    req = users["requester"]
    factories.make_ticket(req, status="triaged", priority="high", main_handler=dx, backup_handler=dx2)
    factories.make_ticket(req, status="in_progress", priority="urgent", main_handler=dx, **LATE)
    factories.make_ticket(req, status="waiting", main_handler=dx2, backup_handler=dx)
    factories.make_ticket(req, status="resolved", main_handler=dx, resolved_at=utcnow() - timedelta(days=3))
    factories.make_ticket(req, status="closed", main_handler=dx, resolved_at=utcnow() - timedelta(days=45))
    rows = {r.user.login: r for r in board()}
    assert set(rows) == {"dx", "dx2"}  # the admin holds nothing and declared nothing
    r = rows["dx"]
    assert r.main_open == 2 and r.backup_open == 1 and r.load == 2.5
    assert r.main_by_status["triaged"] == 1 and r.main_by_status["in_progress"] == 1
    assert r.main_by_priority["urgent"] == 1 and r.main_by_priority["high"] == 1
    assert r.backup_by_status["waiting"] == 1
    assert r.overdue == 1 and r.resolved_30d == 1
    assert rows["dx2"].main_open == 1 and rows["dx2"].backup_by_priority["high"] == 1


def test_workload_page_and_skills_form(app, dx, users):
    """The board renders; the skills form saves staff_skills with an audit event."""
    cat1, cat2 = factories.make_category("集計"), factories.make_category("RPA")
    factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff"])
    html = dx.get("/desk/workload").get_data(as_text=True)
    assert "担当状況" in html and "高橋 三郎" in html and "RPA" in html
    r = dx.post("/desk/workload/skills", data={"categories": [cat1.id, cat2.id]})
    assert r.status_code == 302
    db.session.expire_all()
    assert {c.name for c in users["dx_staff"].skills} == {"集計", "RPA"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.skills_changed"))
    assert event.after == {"skills": ["RPA", "集計"]} and event.object_id == users["dx_staff"].id
    assert dx.post("/desk/workload/skills", data={"categories": ["999"]}).status_code == 400
    r = dx.post("/desk/workload/skills", data={})
    db.session.expire_all()
    assert users["dx_staff"].skills == []
