"""受付一覧 keyword filter on the FTS5 trigram (SQLite) / pg_trgm (PostgreSQL) index: same results as plain LIKE."""
import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from consult.desk import search_sql
from consult.desk.queries import parse_filters, queue_select, status_counts
from models import Ticket, db
from tests import factories


def _numbers(q: str) -> set[str]:
    """Numbers of the tickets (any status) the queue returns for keyword `q`."""
    params = parse_filters(MultiDict({"f": "1", "q": q}))
    return {t.number for t in db.session.scalars(queue_select(params)).unique()}


def _like_numbers(q: str) -> set[str]:
    """What the plain LIKE filter (no index) returns, computed in Python as the reference."""
    words = q.split()
    found = set()
    for t in db.session.scalars(select(Ticket)):
        texts = [t.number, t.title, t.purpose, t.problem]
        if all(any(_like_match(w, s) for s in texts) for w in words):
            found.add(t.number)
    return found


def _like_match(word: str, value: str) -> bool:
    """LIKE '%word%' semantics: literal, case-insensitive for ASCII letters only."""
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return word.translate(fold) in value.translate(fold)


@pytest.fixture
def tickets(users):
    """A few tickets with Japanese and ASCII text, and % / _ / " in it."""
    req = users["requester"]
    return {
        "stamp": factories.make_ticket(req, title="押印の廃止", purpose="紙の申請を減らす", problem="紙が多い"),
        "excel": factories.make_ticket(req, title="Excelの集計作業", purpose="部長に報告", problem="毎月2日かかる"),
        "rpa": factories.make_ticket(req, title="RPAで転記", purpose="100%の自動化", problem="file_name が不揃い"),
        "quote": factories.make_ticket(req, title='"引用"の扱い', purpose="議事録", problem="会議録の作成"),
    }


@pytest.mark.parametrize("q", [
    "紙", "集計", "押印の廃止", "会議録の作成", "議事録", "紙 押印", "集計 Excel", "押印 Excel",
    "excel", "EXCEL", "eXc", "ex", "rpa", "100%", "%", "0%の", "_", "fil_", "file_name", "filexname",
    '"引用"', '"', "報告 毎月2日", "存在しない言葉", "DX-",
])
def test_keyword_results_equal_plain_like(app, tickets, q):
    """Every word (1, 2, 3+ characters) must appear in a column, literally, ASCII case-insensitively."""
    assert _numbers(q) == _like_numbers(q)


def test_keyword_examples(app, tickets):
    """Spot checks of the reference itself, so that the equality test above cannot pass vacuously."""
    t = tickets
    assert _numbers("紙") == {t["stamp"].number}
    assert _numbers("集計") == {t["excel"].number}
    assert _numbers("押印の廃止 紙") == {t["stamp"].number}
    assert _numbers("EXCEL 集計") == _numbers("excel") == {t["excel"].number}
    assert _numbers("100%") == _numbers("%") == {t["rpa"].number}
    assert _numbers("file_name") == _numbers("_") == {t["rpa"].number}
    assert _numbers("fil_") == set()
    assert _numbers('"引用"の') == {t["quote"].number}
    assert _numbers(t["rpa"].number) == {t["rpa"].number}
    assert _numbers("押印 Excel") == set()


def test_updated_ticket_found_by_new_title_only(app, tickets):
    """The index follows updates (triggers on SQLite, an expression index on PostgreSQL)."""
    ticket = tickets["excel"]
    ticket.title = "勤怠データの突合"
    db.session.commit()
    assert _numbers("勤怠データ") == {ticket.number}
    assert _numbers("Excelの集計") == set()
    assert _numbers("集計") == set()


def test_status_counts_use_the_keyword(app, tickets):
    """The per-status counts apply the same keyword filter."""
    params = parse_filters(MultiDict({"f": "1", "q": "押印の廃止"}))
    assert sum(status_counts(params).values()) == 1


def test_queue_page_keyword(app, dx, tickets):
    """The page itself filters by keyword and echoes it back."""
    html = dx.get("/desk/?f=1&q=押印の廃止").get_data(as_text=True)
    assert tickets["stamp"].number in html
    assert tickets["excel"].number not in html


def _sqlite_only(app):
    """Skip unless the test database is SQLite with the FTS5 trigram index."""
    if db.engine.dialect.name != "sqlite" or not search_sql.sqlite_supported():
        pytest.skip("SQLite FTS5 trigram only")


def test_sqlite_uses_fts_for_long_words_only(app, tickets):
    """Words of 3+ characters go through MATCH; shorter ones are plain LIKE."""
    _sqlite_only(app)

    def sql(q):
        return str(queue_select(parse_filters({"f": "1", "q": q})).compile())

    assert "MATCH" in sql("押印の")
    assert "MATCH" not in sql("押印 紙")


def test_sqlite_fts_stays_consistent_after_delete(app, tickets):
    """Rows deleted from tickets leave the external-content index (the 'delete' trigger)."""
    _sqlite_only(app)
    db.session.delete(tickets["quote"])
    db.session.commit()
    db.session.execute(text("INSERT INTO tickets_fts(tickets_fts) VALUES ('integrity-check')"))
    assert _numbers("会議録の作成") == set()


def test_sqlite_non_ascii_case_stays_like(app, users):
    """FTS folds case beyond ASCII, LIKE does not; the LIKE re-check keeps LIKE's answer."""
    _sqlite_only(app)
    factories.make_ticket(users["requester"], title="ÉCOLE ＡＢＣ")
    assert _numbers("école") == set()
    assert _numbers("ａｂｃ") == set()
    assert len(_numbers("ÉCOLE ＡＢＣ")) == 1


def test_sqlite_without_fts_table_falls_back_to_like(app, tickets, monkeypatch):
    """A database migrated before the index (no tickets_fts) still searches, with LIKE."""
    _sqlite_only(app)
    monkeypatch.setitem(search_sql._FTS_PRESENT, db.engine, False)
    assert "MATCH" not in str(queue_select(parse_filters({"f": "1", "q": "押印の"})).compile())
    assert _numbers("押印の廃止 紙") == {tickets["stamp"].number}
