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


def _publish(ref: str, title: str, problem: str) -> None:
    """A published case, indexed."""
    make_case(ref=ref, title=title, problem=problem)
    sync.enqueue(ref)
    db.session.commit()
    sync.drain()


def test_ticket_suggestions_follow_the_index_and_the_ticket_text(client, auth, users):
    """Suggestions are kept per text and per index state: a newly published case shows on the
    next view, and so does a change of the ticket's trouble."""
    _publish("TS-1", "エクセル集計をピボットテーブルで自動化", "各課のExcelを手で集計していた")
    ticket = make_ticket(requester=users["requester"], title="毎月のExcel集計が大変", problem="各課から届くエクセルを手作業で集計している")
    auth.login("dx")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'href="/cases/TS-1"' in page and 'href="/cases/TS-3"' not in page
    _publish("TS-3", "各課のExcel集計をマクロで自動化", "各課から届くエクセルを手作業で集計していた")
    _publish("TS-4", "会議の議事録作成を音声認識で効率化", "議事録の作成に丸一日かかっていた")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'href="/cases/TS-3"' in page and 'href="/cases/TS-4"' not in page
    ticket.title, ticket.problem = "議事録の作成が大変", "会議の録音を聞き直して議事録を作成するのに丸一日かかる"
    db.session.commit()
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'href="/cases/TS-4"' in page and 'href="/cases/TS-1"' not in page
