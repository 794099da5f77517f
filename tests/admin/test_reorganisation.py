"""組織改正 scheduled ahead and applied on the date by `jobs run`: rename, move, merge; 実績 by then/today's structure."""
from datetime import date, timedelta

from consult.identity import reorg
from consult.reports.periods import Period, jst_today
from consult.reports.queries import received_breakdown
from models import AuditEvent, Department, OrgChange, Ticket, User, db
from tests.factories import make_department, make_ticket, make_user


def org():
    """総務部 (人事課, 文書課) and 土木部 (道路課)."""
    somu = make_department(code="SOMU", name="総務部")
    doboku = make_department(code="DOBOKU", name="土木部")
    return {"somu": somu, "doboku": doboku,
            "jinji": make_department(code="JINJI", name="人事課", parent=somu),
            "bunsho": make_department(code="BUNSHO", name="文書課", parent=somu),
            "doro": make_department(code="DORO", name="道路課", parent=doboku)}


def test_scheduled_ahead_applied_on_the_date(app, runner):
    """Nothing changes before the date; `jobs run` on the date applies it, keeps the old name and audits it."""
    d = org()
    today = jst_today()
    reorg.schedule("rename", d["jinji"].id, today + timedelta(days=30), new_name="人事企画課")
    assert "組織改正: 実施日を迎えた組織改正はありません" in runner.invoke(args=["jobs", "run"]).output
    assert db.session.get(Department, d["jinji"].id).name == "人事課"
    reorg.apply_due(today=today + timedelta(days=30))
    assert db.session.get(Department, d["jinji"].id).name == "人事企画課"
    assert db.session.query(OrgChange).one().status == "applied"
    assert db.session.query(AuditEvent).filter_by(action="org_change.applied").count() == 1


def test_jobs_run_applies_what_is_due_today(app, runner):
    """A step dated today is applied by the command."""
    d = org()
    reorg.schedule("move", d["bunsho"].id, jst_today(), new_parent_id=d["doboku"].id)
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "1件実施しました" in result.output
    db.session.expire_all()
    assert db.session.get(Department, d["bunsho"].id).parent.code == "DOBOKU"


def test_merge_moves_open_tickets_and_people_but_not_closed_tickets(app):
    """Open tickets and staff of the merged 課 go to the target; closed ones stay under the old 所属 for past reports."""
    d = org()
    person = make_user("bunsho1", department=d["bunsho"], name="文書 太郎")
    open_ticket = make_ticket(requester=person, status="in_progress")
    closed = make_ticket(requester=person, status="closed")
    reorg.schedule("merge", d["bunsho"].id, jst_today(), target_id=d["jinji"].id)
    reorg.apply_due()
    db.session.expire_all()
    assert db.session.get(Ticket, open_ticket.id).department_id == d["jinji"].id
    assert db.session.get(Ticket, closed.id).department_id == d["bunsho"].id
    assert db.session.get(User, person.id).department_id == d["jinji"].id
    merged = db.session.get(Department, d["bunsho"].id)
    assert not merged.active and merged.merged_into_id == d["jinji"].id
    assert db.session.query(AuditEvent).filter_by(action="ticket.department_moved").count() == 1


def test_bad_steps_are_refused(app):
    """Past dates, merging into itself, moving a 部局, same name: clear Japanese errors."""
    d = org()
    cases = [
        (dict(kind="rename", department_id=d["jinji"].id, effective_on=jst_today() - timedelta(days=1), new_name="x"), "今日以降"),
        (dict(kind="merge", department_id=d["jinji"].id, effective_on=jst_today(), target_id=d["jinji"].id), "同じ課"),
        (dict(kind="move", department_id=d["somu"].id, effective_on=jst_today(), new_parent_id=d["doboku"].id), "部局そのもの"),
        (dict(kind="rename", department_id=d["jinji"].id, effective_on=jst_today(), new_name="人事課"), "同じ"),
    ]
    for kwargs, message in cases:
        try:
            reorg.schedule(**kwargs)
        except reorg.ReorgError as exc:
            assert message in exc.message
        else:
            raise AssertionError(f"accepted {kwargs}")
    assert db.session.query(OrgChange).count() == 0


def test_report_by_structure_then_or_today(app):
    """A period before the reorganisation: by that time's names, or by today's (merged 課 under its target)."""
    d = org()
    ticket_jinji = make_ticket(requester=make_user(department=d["jinji"]), status="closed")
    ticket_bunsho = make_ticket(requester=make_user(department=d["bunsho"]), status="closed")
    day = jst_today()
    reorg.schedule("rename", d["jinji"].id, day, new_name="人事企画課")
    reorg.schedule("merge", d["bunsho"].id, day, target_id=d["jinji"].id)
    reorg.apply_due()
    past = Period(kind="custom", start=day - timedelta(days=30), end=day - timedelta(days=1), label="前月")
    for t in (ticket_jinji, ticket_bunsho):
        t.created_at = t.created_at - timedelta(days=10)
    db.session.commit()
    then = dict(received_breakdown(past, "then")["departments"])
    today = dict(received_breakdown(past, "today")["departments"])
    assert then == {"総務部 人事課": 1, "総務部 文書課": 1}
    assert today == {"総務部 人事企画課": 2}


def test_admin_page_schedules_and_cancels(client, auth, users):
    """The page under 管理: a bad date comes back filled in with 422; a good one is listed and can be cancelled."""
    d = org()
    auth.login("admin")
    assert client.get("/admin/reorganisations").status_code == 200
    form = {"kind": "rename", "department": d["jinji"].id, "new_name": "人事企画課", "new_parent": "", "target": "",
            "effective_on": (date.today() - timedelta(days=3)).isoformat()}
    bad = client.post("/admin/reorganisations", data=form)
    assert bad.status_code == 422 and "今日以降" in bad.get_data(as_text=True) and "人事企画課" in bad.get_data(as_text=True)
    form["effective_on"] = (jst_today() + timedelta(days=60)).isoformat()
    assert client.post("/admin/reorganisations", data=form).status_code == 302
    change = db.session.query(OrgChange).one()
    assert "人事企画課" in client.get("/admin/reorganisations").get_data(as_text=True)
    assert client.post(f"/admin/reorganisations/{change.id}/cancel").status_code == 302
    db.session.refresh(change)
    assert change.status == "cancelled"


def test_admin_form_bad_input_in_japanese(client, auth, users):
    """No department, a malformed date, an unknown kind: Japanese messages and 422, never a 500."""
    org()
    auth.login("admin")
    response = client.post("/admin/reorganisations", data={"kind": "rename", "department": "", "effective_on": "来年の春"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "対象の所属を選んでください" in page and "実施日を入力してください" in page
    odd = client.post("/admin/reorganisations", data={"kind": "split", "department": "abc", "effective_on": "2099-01-01"})
    assert odd.status_code == 422
