"""印刷用の表示: the A4 record of a ticket; internal notes only when ticked; staff only."""
from tests import factories


def test_print_view_has_the_record_and_no_internal_notes_by_default(app, dx, users):
    """Header (number, 所属, dates, status), content, the public conversation, the resolution; no note unless ticked."""
    t = factories.make_ticket(users["requester"], status="resolved", root_cause="様式の不統一", resolution_type="業務改善",
                              resolution_summary="様式を一つにしました。", main_handler=users["dx_staff"])
    factories.make_comment(t, users["dx_staff"], body="公開の返信です。")
    factories.make_comment(t, users["dx_staff"], body="秘密の内部メモ", internal=True)
    page = dx.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert f'href="/desk/tickets/{t.number}/print"' in page and "印刷用の表示" in page
    html = dx.get(f"/desk/tickets/{t.number}/print").get_data(as_text=True)
    for text in (t.number, t.department.full_name, "受付日", "解決日", "状態", "解決", t.purpose, "公開の返信です。",
                 "様式の不統一", "業務改善", "様式を一つにしました。"):
        assert text in html, text
    assert "秘密の内部メモ" not in html
    assert 'class="main-nav"' not in html and "site-header" not in html
    noted = dx.get(f"/desk/tickets/{t.number}/print?notes=1").get_data(as_text=True)
    assert "秘密の内部メモ" in noted and "【内部メモ】" in noted and "（内部メモを含む）" in noted


def test_print_view_is_for_staff_only(app, users, ticket):
    """Requesters are told the page does not exist for them (their own page prints without navigation)."""
    from tests.desk.conftest import login

    r = login(app, "req").get(f"/desk/tickets/{ticket.number}/print")
    assert r.status_code in (403, 404)
