"""DX staff see published cases close to the ticket on the ticket page; requesters do not."""
from consult.search import sync
from models import db
from tests.factories import make_case, make_ticket


def test_staff_see_case_suggestions_on_ticket_page(client, auth, users):
    """The ticket about Excel aggregation shows the Excel case to staff only."""
    make_case(ref="TS-1", title="エクセル集計をピボットテーブルで自動化", problem="各課のExcelを手で集計していた")
    make_case(ref="TS-2", title="災害時の被害報告をフォームで受付", problem="電話とFAXで報告を受けていた")
    sync.enqueue("TS-1")
    sync.enqueue("TS-2")
    db.session.commit()
    sync.drain()
    ticket = make_ticket(requester=users["requester"], title="毎月のExcel集計が大変", problem="各課から届くエクセルを手作業で集計している")
    auth.login("dx")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "参考になりそうな解決事例" in page
    assert 'href="/cases/TS-1"' in page and 'href="/cases/TS-2"' not in page
    auth.logout()
    auth.login("req")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "参考になりそうな解決事例" not in page
