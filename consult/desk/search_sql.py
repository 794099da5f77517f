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

The DDL lives here, not in the models, because none of it is expressible as SQLAlchemy metadata: `install()` is
called by tests/conftest.py (whose schema comes from create_all); the Alembic migrations keep their own frozen copies.
Both databases answer the same question: every word must appear in one of the four columns, case-insensitively
(as lower() folds case: ÉCOLE and école, ＡＢＣ and ａｂｃ).
Every database has its index: the migrations create it (and fill it from the existing tickets)."""
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

from models import Ticket
from models.sqlite import spell_chars

FTS_TABLE = "tickets_chars"
FTS_SOURCE = "tickets_chars_source"
FTS_TRIGGERS = ("tickets_chars_ai", "tickets_chars_ad", "tickets_chars_au")

# Constant DDL (no interpolation). The view spells the columns for FTS5's 'rebuild' and 'integrity-check'; the
# triggers spell old and new values themselves (an external-content table indexes what it is given).
_SQLITE_DDL = [
    "CREATE VIEW IF NOT EXISTS tickets_chars_source AS SELECT id, consult_chars(number) AS number, "
    "consult_chars(title) AS title, consult_chars(purpose) AS purpose, consult_chars(problem) AS problem FROM tickets",
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_chars USING fts5(number, title, purpose, problem, "
    "content='tickets_chars_source', content_rowid='id', tokenize='ascii', columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_chars(rowid, number, title, purpose, problem) VALUES (new.id, consult_chars(new.number), "
    "consult_chars(new.title), consult_chars(new.purpose), consult_chars(new.problem)); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_chars(tickets_chars, rowid, number, title, purpose, problem) VALUES ('delete', old.id, "
    "consult_chars(old.number), consult_chars(old.title), consult_chars(old.purpose), consult_chars(old.problem)); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_au AFTER UPDATE OF id, number, title, purpose, problem ON tickets "
    "BEGIN INSERT INTO tickets_chars(tickets_chars, rowid, number, title, purpose, problem) VALUES ('delete', old.id, "
    "consult_chars(old.number), consult_chars(old.title), consult_chars(old.purpose), consult_chars(old.problem)); "
    "INSERT INTO tickets_chars(rowid, number, title, purpose, problem) VALUES (new.id, consult_chars(new.number), "
    "consult_chars(new.title), consult_chars(new.purpose), consult_chars(new.problem)); END",
    "INSERT INTO tickets_chars(tickets_chars) VALUES ('rebuild')",
]


# PostgreSQL, constant DDL as well. The text joins the columns with a line feed, which no word contains (words are
# split on white space), so no word can match across two columns. The table also carries the ticket's status and the
# queue's sort keys, so that a keyword-only queue (the search box, with a status tab and a sort) is answered from it
# alone, without joining ~18,000 wide ticket rows for a common word.
_PG_DDL = [
    "CREATE TABLE IF NOT EXISTS ticket_keywords (ticket_id integer PRIMARY KEY "
    "REFERENCES tickets (id) ON DELETE CASCADE, body text NOT NULL)",
    "ALTER TABLE ticket_keywords ADD COLUMN IF NOT EXISTS status varchar(16), "
    "ADD COLUMN IF NOT EXISTS priority varchar(16), ADD COLUMN IF NOT EXISTS created_at timestamp, "
    "ADD COLUMN IF NOT EXISTS updated_at timestamp, ADD COLUMN IF NOT EXISTS resolution_due date, "
    "ADD COLUMN IF NOT EXISTS first_response_due date, ADD COLUMN IF NOT EXISTS first_response_at timestamp",
    "CREATE INDEX IF NOT EXISTS ix_ticket_keywords_chars ON ticket_keywords USING gin (string_to_array(body, NULL))",
    "CREATE OR REPLACE FUNCTION consult_ticket_keywords() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO ticket_keywords (ticket_id, body, status, priority, created_at, updated_at, resolution_due, "
    "first_response_due, first_response_at) "
    "VALUES (NEW.id, lower(concat_ws(E'\\n', NEW.number, NEW.title, NEW.purpose, NEW.problem)), NEW.status, "
    "NEW.priority, NEW.created_at, NEW.updated_at, NEW.resolution_due, NEW.first_response_due, NEW.first_response_at) "
    "ON CONFLICT (ticket_id) DO UPDATE SET body = EXCLUDED.body, status = EXCLUDED.status, "
    "priority = EXCLUDED.priority, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "
    "resolution_due = EXCLUDED.resolution_due, first_response_due = EXCLUDED.first_response_due, "
    "first_response_at = EXCLUDED.first_response_at; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS ticket_keywords_sync ON tickets",
    "CREATE TRIGGER ticket_keywords_sync AFTER INSERT OR UPDATE OF number, title, purpose, problem, status, priority, "
    "created_at, updated_at, resolution_due, first_response_due, first_response_at ON tickets "
    "FOR EACH ROW EXECUTE FUNCTION consult_ticket_keywords()",
    "INSERT INTO ticket_keywords (ticket_id, body, status, priority, created_at, updated_at, resolution_due, "
    "first_response_due, first_response_at) "
    "SELECT id, lower(concat_ws(E'\\n', number, title, purpose, problem)), status, priority, created_at, updated_at, "
    "resolution_due, first_response_due, first_response_at FROM tickets "
    "ON CONFLICT (ticket_id) DO UPDATE SET body = EXCLUDED.body, status = EXCLUDED.status, "
    "priority = EXCLUDED.priority, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "
    "resolution_due = EXCLUDED.resolution_due, first_response_due = EXCLUDED.first_response_due, "
    "first_response_at = EXCLUDED.first_response_at",
]
PG_TABLE = "ticket_keywords"
_KEYWORDS = Table(PG_TABLE, MetaData(), Column("ticket_id", Integer, primary_key=True), Column("body", Text),
                  Column("status", String(16)), Column("priority", String(16)), Column("created_at", DateTime),
                  Column("updated_at", DateTime), Column("resolution_due", Date), Column("first_response_due", Date),
                  Column("first_response_at", DateTime))
# The side table's columns under the names of Ticket's, for the queue's order and overdue expressions.
SIDE = SimpleNamespace(id=_KEYWORDS.c.ticket_id, **{c.name: c for c in _KEYWORDS.c if c.name != "ticket_id"})


def install(connection) -> None:
    """Create the keyword index (and what keeps it in sync) on `connection`; idempotent."""
    for statement in {"sqlite": _SQLITE_DDL, "postgresql": _PG_DDL}.get(connection.dialect.name, []):
        connection.execute(text(statement))


def uninstall(connection) -> None:
    """Drop what install() created."""
    if connection.dialect.name == "sqlite":
        for trigger in FTS_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
        connection.execute(text(f"DROP VIEW IF EXISTS {FTS_SOURCE}"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS ticket_keywords_sync ON tickets"))
        connection.execute(text("DROP TABLE IF EXISTS ticket_keywords"))
        connection.execute(text("DROP FUNCTION IF EXISTS consult_ticket_keywords()"))


def side_available(session) -> bool:
    """Whether the keyword-only queue can be answered from the PostgreSQL side table (every migrated PostgreSQL
    database has it)."""
    return session.get_bind().dialect.name == "postgresql"


def side_conditions(terms: list[str]) -> list:
    """WHERE conditions on the side table (SIDE): tickets with every character of the words in the index, and each
    word of two or more characters in their lower-cased text (one character: the index answer is exact). Words are
    lower-cased by the same lower() as the texts."""
    body = _KEYWORDS.c.body
    return [_chars(body).bool_op("@>")(_chars(func.lower("".join(terms)))),
            *(body.like(func.lower(_like(term)), escape="\\") for term in terms if len(term) > 1)]


def _chars(value):
    """SQL: the characters of a text as an array — the indexed expression, written exactly as in the index."""
    return func.string_to_array(value, null())


def _like(term: str) -> str:
    """A LIKE pattern matching `term` literally anywhere."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
