"""受付一覧 keyword filter — the FTS5 character index on SQLite, ILIKE on PostgreSQL: every word, of any length, must
appear literally in a column, case-insensitively; the reference is computed in Python."""
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import make_url, select, text
from werkzeug.datastructures import MultiDict

from consult.desk import search_sql
from consult.desk.queries import (
    SORTS,
    _single_scan,
    paginate,
    parse_filters,
    queue_page,
    queue_select,
    queue_total,
    status_counts,
)
from consult.desk.sla import today_jst
from models import Ticket, db, utcnow
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
    """ILIKE '%word%' semantics: literal, case-insensitive (ＡＢＣ and ａｂｃ, É and é too)."""
    return word.lower() in value.lower()


@pytest.fixture
def tickets(users):
    """A few tickets with Japanese and ASCII text, and % / _ / " in it."""
    req = users["requester"]
    return {
        "stamp": factories.make_ticket(req, title="押印の廃止", purpose="紙の申請を減らす", problem="紙が多い"),
        "excel": factories.make_ticket(req, title="Excelの集計作業", purpose="部長に報告", problem="毎月2日かかる"),
        "rpa": factories.make_ticket(req, title="RPAで転記", purpose="100%の自動化", problem="file_name が不揃い"),
        "quote": factories.make_ticket(req, title='"引用"の扱い', purpose="議事録", problem="会議録の作成"),
        "wide": factories.make_ticket(req, title="ÉCOLE ＡＢＣ", purpose="全角の英字", problem="末尾が紙"),
    }


@pytest.mark.parametrize("q", [
    "紙", "集計", "押印の廃止", "école", "ａｂｃ", "ÉCOLE ＡＢＣ", "が紙", "末", "尾", "会議録の作成", "議事録", "紙 押印", "集計 Excel", "押印 Excel",
    "excel", "EXCEL", "eXc", "ex", "rpa", "100%", "%", "0%の", "_", "fil_", "file_name", "filexname",
    '"引用"', '"', "報告 毎月2日", "存在しない言葉", "DX-",
])
def test_keyword_results_equal_plain_like(app, tickets, q):
    """Every word (1, 2, 3+ characters) must appear in a column, literally, case-insensitively."""
    assert _numbers(q) == _like_numbers(q)


def test_keyword_examples(app, tickets):
    """Spot checks of the reference itself, so that the equality test above cannot pass vacuously."""
    t = tickets
    assert _numbers("紙") == {t["stamp"].number, t["wide"].number}
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
    """The index follows updates (triggers on SQLite)."""
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


def test_non_ascii_case_is_folded_too(app, tickets):
    """Both databases fold case beyond ASCII: full-width letters and accented capitals."""
    assert _numbers("école") == _numbers("ＡＢＣ") == _numbers("ａｂｃ") == {tickets["wide"].number}


def test_word_at_the_end_of_a_column(app, tickets):
    """A one-character word that ends a column (末尾が紙) is found: no character is lost at the edges."""
    assert _numbers("紙") == {tickets["stamp"].number, tickets["wide"].number}


def _only(dialect: str) -> None:
    """Skip unless the test database is `dialect` (each has its own keyword index)."""
    if db.engine.dialect.name != dialect:
        pytest.skip(f"{dialect} only")


def _sql(q: str) -> str:
    """The queue's SQL for keyword `q`, as the test database's dialect renders it."""
    return str(queue_select(parse_filters({"f": "1", "q": q})).compile(dialect=db.engine.dialect))


def test_sqlite_uses_the_index_for_words_of_any_length(app, tickets):
    """One, two and many characters all go through MATCH, with no LIKE re-check of the ticket rows."""
    _only("sqlite")

    for q in ("紙", "押印 紙", "会議録の作成", "100%"):
        assert "MATCH" in _sql(q) and "LIKE" not in _sql(q)


def test_sqlite_match_expression_cannot_carry_fts_syntax(app):
    """User words become hexadecimal tokens: quotes, NEAR, * and column filters are just characters."""
    expression = search_sql.match_expression(['"a" OR b*', "title:x", "NEAR(y)"])
    assert set(expression) <= set('0123456789abcdef "')
    assert expression.count('"') == 6


def test_sqlite_index_stays_consistent_after_update_and_delete(app, tickets):
    """Rows updated or deleted in tickets are re-spelled or leave the index (the triggers)."""
    _only("sqlite")
    tickets["excel"].title = "勤怠の突合"
    db.session.delete(tickets["quote"])
    db.session.commit()
    db.session.execute(text("INSERT INTO tickets_chars(tickets_chars) VALUES ('integrity-check')"))
    assert _numbers("会議録の作成") == set()
    assert _numbers("突合") == {tickets["excel"].number}


def test_sqlite_connection_without_the_function_cannot_write_tickets(app, tickets, database_url):
    """A bare sqlite3 connection (no consult_chars) reads tickets but fails loudly on a write: no stale index."""
    _only("sqlite")
    path = make_url(database_url).database
    bare = sqlite3.connect(path)
    try:
        assert bare.execute("SELECT count(*) FROM tickets").fetchone()[0] == len(tickets)
        with pytest.raises(sqlite3.OperationalError, match="consult_chars"):
            bare.execute("UPDATE tickets SET title = 'x' WHERE id = ?", (tickets["excel"].id,))
    finally:
        bare.close()


@pytest.fixture
def many(users):
    """Nine matching tickets in several statuses, priorities and dates, and two that do not match."""
    req = users["requester"]
    now = utcnow()
    statuses = ["new", "triaged", "in_progress", "waiting", "resolved", "closed", "new", "in_progress", "withdrawn"]
    made = []
    for i, status in enumerate(statuses):
        made.append(factories.make_ticket(
            req, status=status, title=f"集計{i}", priority=["urgent", "high", "normal", "low"][i % 4],
            created_at=now - timedelta(days=i * 3), updated_at=now - timedelta(days=(i * 5) % 7),
            resolution_due=(now + timedelta(days=(i * 7) % 5 - 2)).date() if i % 3 else None))
    for title in ("押印", "台帳"):
        factories.make_ticket(req, status="new", title=title, purpose="報告", problem="時間")
    return made


def _two_pass(params, page, per_page):
    """The reference: counts by GROUP BY, then the page by OFFSET."""
    counts = status_counts(params)
    result = paginate(queue_select(params), page, per_page, total=queue_total(params, counts))
    return [t.number for t in result.items], result.page, result.pages, result.total, counts


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("status", ["", "open", "new", "closed", "withdrawn,resolved"])
@pytest.mark.parametrize("unassigned", ["", "1"])
def test_single_pass_equals_two_passes(app, many, sort, status, unassigned):
    """Keyword pages from one pass with window functions: same rows, order, page count and counts as two — from the
    PostgreSQL side table alone for the search box (no row filter), joined with the tickets otherwise."""
    args = MultiDict({"f": "1", "q": "集計", "sort": sort, "status": status, "unassigned": unassigned})
    params = parse_filters(args)
    params["today"] = today_jst()
    expected_pages = _two_pass(params, 1, 2)[2]
    for page in range(1, expected_pages + 1):
        found = _single_scan(params, page, 2)  # PostgreSQL's path, tested on both databases
        assert found is not None or _two_pass(params, page, 2)[0] == []
        result, counts = found or queue_page(params, page, per_page=2)
        assert ([t.number for t in result.items], result.page, result.pages, result.total, counts) == \
            _two_pass(params, page, 2)
    assert sum(counts.values()) == len(many)


def test_single_pass_is_one_statement_for_the_counts_and_the_ids(app, many, count_queries):
    """On PostgreSQL the keyword page reads the matching tickets once (plus the load of the page's rows by id)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the single pass is PostgreSQL's (SQLite's keyword index makes two passes cheaper)")
    params = parse_filters(MultiDict({"f": "1", "q": "集計", "sort": "created"}))
    queue_page(params, 2, per_page=3)  # once per engine: is the SQLite keyword index there?
    with count_queries() as counter:
        result, counts = queue_page(params, 1, per_page=3)
    assert len(result.items) == 3 and counts["new"] == 2
    assert counter.count == 2, counter.statements


def test_single_pass_falls_back_past_the_end_and_on_empty_statuses(app, many):
    """A page past the end clamps to the last page; statuses with no ticket give an empty page with the counts."""
    params = parse_filters(MultiDict({"f": "1", "q": "集計"}))
    result, counts = queue_page(params, 99, per_page=4)
    assert (result.page, result.pages, len(result.items)) == (3, 3, 1)
    params = parse_filters(MultiDict({"status": "waiting", "q": "押印"}))
    result, counts = queue_page(params, 1)
    assert (result.items, result.total, counts["new"]) == ([], 0, 1)


def test_postgresql_uses_the_character_index_and_likes_only_longer_words(app, tickets):
    """Every word's characters go to the GIN index; LIKE only re-checks words of two or more characters."""
    _only("postgresql")

    assert "string_to_array(ticket_keywords.body, NULL) @>" in _sql("紙")
    assert "LIKE" not in _sql("紙") and "ILIKE" not in _sql("紙 押印")
    assert _sql("紙 押印").count("LIKE") == 1


def test_postgresql_side_table_follows_updates_and_deletes(app, tickets):
    """The trigger keeps the lower-cased text in step with the ticket; a deleted ticket leaves no row behind."""
    _only("postgresql")
    tickets["excel"].title = "ＡＩで勤怠の突合"
    db.session.delete(tickets["quote"])
    db.session.commit()
    body = db.session.scalar(text("SELECT body FROM ticket_keywords WHERE ticket_id = :id"), {"id": tickets["excel"].id})
    assert body.split("\n")[1] == "ａｉで勤怠の突合"
    assert _numbers("ａｉ") == _numbers("突合") == {tickets["excel"].number}
    assert db.session.scalar(text("SELECT count(*) FROM ticket_keywords")) == len(tickets) - 1


def test_postgresql_keyword_only_queue_reads_the_side_table_alone(app, many, count_queries):
    """The search box alone is answered from ticket_keywords (status and sort keys kept there); a row filter joins."""
    _only("postgresql")
    params = parse_filters(MultiDict({"f": "1", "q": "集計", "sort": "due"}))
    queue_page(params, 1)  # once per engine: is the side table there?
    with count_queries() as counter:
        queue_page(params, 1)
    assert "FROM ticket_keywords" in counter.statements[0] and "FROM tickets" not in counter.statements[0]
    params = parse_filters(MultiDict({"f": "1", "q": "集計", "unassigned": "1"}))
    with count_queries() as counter:
        queue_page(params, 1)
    assert "FROM tickets" in counter.statements[0]


def test_postgresql_side_table_follows_status_priority_and_dates(app, many):
    """Changes of the status, the priority or the dates reach the side table (the trigger fires on them too)."""
    _only("postgresql")
    ticket = many[0]
    ticket.status, ticket.priority = "waiting", "low"
    ticket.resolution_due = None
    ticket.first_response_at = utcnow()
    db.session.commit()
    row = db.session.execute(text("SELECT status, priority, resolution_due, first_response_at, updated_at "
                                  "FROM ticket_keywords WHERE ticket_id = :id"), {"id": ticket.id}).one()
    assert row == (ticket.status, ticket.priority, None, ticket.first_response_at, ticket.updated_at)
    params = parse_filters(MultiDict({"status": "waiting", "q": "集計0"}))
    result, counts = queue_page(params, 1)
    assert [t.number for t in result.items] == [ticket.number] and counts["new"] == 0
