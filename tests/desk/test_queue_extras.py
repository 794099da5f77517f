"""受付一覧: requester filter, 最終更新 column, 「相談者から返信あり」 marker, export keeping the filters."""
from consult.desk.queries import parse_filters, queue_select
from models import Ticket, db
from tests import factories


def test_requester_filter_by_name_part_or_login(app, dx, users):
    """「山田花子」 (no space), 「花子」 and the login find the requester's tickets; others are not listed."""
    mine = factories.make_ticket(users["requester"], title="山田さんの相談")
    other = factories.make_ticket(users["other"], title="鈴木さんの相談")
    for text in ("山田花子", "花子", "REQ"):
        ids = set(db.session.scalars(queue_select(parse_filters({"requester": text})).with_only_columns(Ticket.id)))
        assert ids == {mine.id}, text
    html = dx.get("/desk/?requester=山田").get_data(as_text=True)
    assert mine.number in html and other.number not in html and 'value="山田"' in html


def test_last_update_and_requester_replied_marker(app, dx, users):
    """The marker shows when the latest public message is the requester's, not after a staff reply or a note."""
    waiting_reply = factories.make_ticket(users["requester"], status="in_progress", title="返事が来た")
    answered = factories.make_ticket(users["requester"], status="in_progress", title="回答済み")
    factories.make_comment(waiting_reply, users["dx_staff"], "資料をください")
    factories.make_comment(waiting_reply, users["requester"], "送ります")
    factories.make_comment(waiting_reply, users["dx_staff"], "内部メモ", internal=True)
    factories.make_comment(answered, users["requester"], "質問です")
    factories.make_comment(answered, users["dx_staff"], "回答します")
    html = dx.get("/desk/").get_data(as_text=True)
    assert '<th scope="col">最終更新</th>' in html
    row = html.split(">返事が来た<")[1].split("</tr>")[0]
    assert "相談者から返信あり" in row
    assert "相談者から返信あり" not in html.split("回答済み")[1].split("</tr>")[0]


def test_export_links_keep_the_filters_and_export_follows_them(app, dx, users):
    """The CSV link carries the current filters; the CSV has only the matching tickets."""
    mine = factories.make_ticket(users["requester"], title="山田さんの相談")
    other = factories.make_ticket(users["other"], title="鈴木さんの相談")
    html = dx.get("/desk/?requester=山田&priority=normal").get_data(as_text=True)
    link = html.split("この条件で書き出す")[1].split('">CSV')[0].split('href="')[1].replace("&amp;", "&")
    assert "requester=" in link and "priority=normal" in link
    body = dx.get(link).get_data(as_text=True)
    assert mine.number in body and other.number not in body
    assert 'export/tickets.xlsx?' in html


def test_requester_filter_bad_input_never_500(app, dx, users):
    """Odd requester texts still give the page."""
    for text in ("%", "_", "'; --", "あ" * 500):
        assert dx.get("/desk/", query_string={"requester": text}).status_code == 200
