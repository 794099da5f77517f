"""Database-side keyword search of the 受付一覧 queue.

SQLite: an FTS5 index of tickets(number, title, purpose, problem) spelled character by character
(models/sqlite.py: "集計" → "96c6 8a08", lower-cased), kept in sync by triggers. A word of any length is a
phrase of consecutive character tokens, so 紙 and 集計 are answered from the index as quickly as 会議録の作成, with the
exact meaning of a case-insensitive substring match — no re-check of the wide ticket rows. (A trigram index, the
first version, could not serve words of one or two characters, which Japanese queries often are.)

PostgreSQL: a narrow side table `ticket_keywords` (kept by a trigger) holds the four columns lower-cased in one text,
with a GIN index over its characters (string_to_array(body, NULL), built in). The tickets that contain every
character of the words are found in the index, and only those are checked with LIKE on the narrow text — instead of
ILIKE over every wide ticket row (110–270 ms at 100k tickets). pg_trgm cannot serve words under three characters;
a GIN index of character pairs was tried and dropped: arrays of pairs made the side table too wide to fetch, and
as an expression index the planner could evaluate it on every row.

The DDL lives in the Alembic migrations only (none of it is expressible as SQLAlchemy metadata): every database has
its index, and this module only queries it.
Both databases answer the same question: every word must appear in one of the four columns, case-insensitively
(as lower() folds case: ÉCOLE and école, ＡＢＣ and ａｂｃ)."""
from types import SimpleNamespace

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    literal_column,
    null,
    select,
    text,
)

from models import Ticket, dialects
from models.querying import lower_contains
from models.sqlite import spell_chars

FTS_TABLE = "tickets_chars"
PG_TABLE = "ticket_keywords"
_KEYWORDS = Table(PG_TABLE, MetaData(), Column("ticket_id", Integer, primary_key=True), Column("body", Text),
                  Column("status", String(16)), Column("priority", String(16)), Column("created_at", DateTime),
                  Column("updated_at", DateTime), Column("resolution_due", Date), Column("first_response_due", Date),
                  Column("first_response_at", DateTime))
# The side table's columns under the names of Ticket's, for the queue's order and overdue expressions.
SIDE = SimpleNamespace(id=_KEYWORDS.c.ticket_id, **{c.name: c for c in _KEYWORDS.c if c.name != "ticket_id"})


def side_available(session) -> bool:
    """Whether the keyword-only queue can be answered from the PostgreSQL side table (every migrated PostgreSQL
    database has it)."""
    return dialects.is_postgresql(session.get_bind())


def side_conditions(terms: list[str]) -> list:
    """WHERE conditions on the side table (SIDE): tickets with every character of the words in the index, and each
    word of two or more characters in their lower-cased text (one character: the index answer is exact). Words are
    lower-cased by the same lower() as the texts."""
    body = _KEYWORDS.c.body
    return [_chars(body).bool_op("@>")(_chars(func.lower("".join(terms)))),
            *(lower_contains(body, term) for term in terms if len(term) > 1)]


def _chars(value):
    """SQL: the characters of a text as an array — the indexed expression, written exactly as in the index."""
    return func.string_to_array(value, null())


def match_expression(terms: list[str]) -> str:
    """The FTS5 query for `terms`: one phrase of character tokens per word, all required (implicit AND).

    Tokens are hexadecimal digits only, so no user input reaches the FTS5 query syntax."""
    return " ".join(f'"{spell_chars(term)}"' for term in terms)


def keyword_conditions(session, terms: list[str]) -> list:
    """WHERE conditions requiring every word of `terms` to appear in number/title/purpose/problem."""
    if not terms:
        return []
    if side_available(session):
        # Tickets with every character of the words (the GIN index), then each word of two or more characters
        # looked for in those tickets' lower-cased text (one character: the index answer is exact). Words are
        # lower-cased by the same lower() as the texts.
        return [Ticket.id.in_(select(_KEYWORDS.c.ticket_id).where(*side_conditions(terms)))]
    candidates = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(match_expression(terms)))
    return [Ticket.id.in_(candidates)]
