"""A small fixed dataset whose report figures are computed by hand in the tests (JST times given)."""
from datetime import date, datetime, timedelta

from models import SearchLog, SuggestionClick, db
from tests import factories


def jst(y, m, d, h=10, mi=0) -> datetime:
    """Naive-UTC datetime of a JST wall-clock time."""
    return datetime(y, m, d, h, mi) - timedelta(hours=9)


def build(users) -> dict:
    """Departments, tickets T1–T7, cases, searches and suggestion clicks; returns them by name."""
    f = factories
    somu = f.make_department(name="総務部")
    doboku = f.make_department(name="土木部")
    jinji = f.make_department(name="人事課", parent=somu)
    zaisei = f.make_department(name="財政課", parent=somu)
    doro = f.make_department(name="道路課", parent=doboku)
    r_jinji = f.make_user(department=jinji)
    r_zaisei = f.make_user(department=zaisei)
    r_doro = f.make_user(department=doro)
    shukei = f.make_category("集計")
    shinsei = f.make_category("申請")
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    t = {}
    # T1: FY2025 (3/31 23:30 JST), answered and resolved in FY2026.
    t["T1"] = f.make_ticket(r_jinji, status="closed", category=shukei, created_at=jst(2026, 3, 31, 23, 30),
                            first_response_at=jst(2026, 4, 1, 10), resolved_at=jst(2026, 4, 3, 15), closed_at=jst(2026, 4, 10),
                            resolution_type="業務改善", hours_saved_per_year=50,
                            first_response_due=date(2026, 4, 1), resolution_due=date(2026, 4, 2))
    # T2: 4/1 08:00 JST is still 3/31 in UTC: belongs to FY2026 and to April.
    t["T2"] = f.make_ticket(r_zaisei, status="resolved", category=shinsei, created_at=jst(2026, 4, 1, 8),
                            first_response_at=jst(2026, 4, 1, 17), resolved_at=jst(2026, 4, 8, 11),
                            resolution_type="業務廃止", hours_saved_per_year=200,
                            first_response_due=date(2026, 4, 2), resolution_due=date(2026, 4, 10))
    # T3: Friday before Golden Week (5/4–5/6 holidays incl. 振替休日).
    t["T3"] = f.make_ticket(r_doro, status="resolved", category=shukei, created_at=jst(2026, 5, 1, 10),
                            first_response_at=jst(2026, 5, 7, 9), resolved_at=jst(2026, 5, 11, 16),
                            resolution_type="ツール導入", hours_saved_per_year=None,
                            first_response_due=date(2026, 5, 7), resolution_due=date(2026, 5, 8))
    # T4: Friday before 海の日 (Monday 7/20); open, main dx, backup dx2.
    t["T4"] = f.make_ticket(r_jinji, status="in_progress", category=shukei, created_at=jst(2026, 7, 17, 16),
                            first_response_at=jst(2026, 7, 21, 10), first_response_due=date(2026, 7, 21),
                            main_handler_id=dx.id, backup_handler_id=dx2.id)
    # T5: 6/1 07:00 JST (5/31 in UTC): a June ticket; new and unassigned; filed after opening suggestions.
    t["T5"] = f.make_ticket(r_jinji, status="new", created_at=jst(2026, 6, 1, 7), intake_token="tok-a")
    # T6: withdrawn the next day.
    t["T6"] = f.make_ticket(r_doro, status="withdrawn", created_at=jst(2026, 6, 15), withdrawn_at=jst(2026, 6, 16))
    # T7: answered after 4 business days (late); waiting; main dx2, backup dx.
    t["T7"] = f.make_ticket(r_zaisei, status="waiting", category=shinsei, created_at=jst(2026, 4, 20),
                            first_response_at=jst(2026, 4, 24), first_response_due=date(2026, 4, 21),
                            main_handler_id=dx2.id, backup_handler_id=dx.id)
    cases = {
        "c1": f.make_case(title="会議録の自動作成", view_count=10, helpful_count=1, hours_saved_per_year=120),
        "c2": f.make_case(title="申請のオンライン化", view_count=5, helpful_count=7, hours_saved_per_year=300),
        "c3": f.make_case(title="下書きの事例", status="draft", view_count=99, helpful_count=99, hours_saved_per_year=999),
    }
    logs = [("browse", jst(2026, 4, 5)), ("browse", jst(2026, 5, 5)), ("browse", jst(2026, 8, 1)),
            ("suggest", jst(2026, 4, 5)), ("suggest", jst(2026, 6, 1)), ("browse", jst(2025, 12, 1))]
    db.session.add_all(SearchLog(source=s, query="エクセル", created_at=at) for s, at in logs)
    c1 = cases["c1"].id
    clicks = [("tok-a", jst(2026, 5, 31)), ("tok-a", jst(2026, 5, 31, 11)), ("tok-b", jst(2026, 7, 1)),
              (None, jst(2026, 7, 2)), ("tok-c", jst(2026, 3, 1))]
    db.session.add_all(SuggestionClick(case_id=c1, intake_token=tok, created_at=at) for tok, at in clicks)
    db.session.commit()
    return {"tickets": t, "cases": cases, "depts": {"jinji": jinji, "doro": doro}}
