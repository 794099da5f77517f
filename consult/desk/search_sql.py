"""Database-side keyword search of the 受付一覧 queue.

SQLite: an FTS5 index of tickets(number, title, purpose, problem) spelled character by character
(models/sqlite.py: "集計" → "96c6 8a08", lower-cased), kept in sync by triggers. A word of any length is a
phrase of consecutive character tokens, so 紙 and 集計 are answered from the index as quickly as 会議録の作成, with the
exact meaning of a case-insensitive substring match — no re-check of the wide ticket rows. (A trigram index, the
first version, could not serve words of one or two characters, which Japanese queries often are.)

PostgreSQL: per-column ILIKE, which it scans quickly; a pg_trgm GIN index was measured at 100k tickets and made the
page slower (the per-status counts still recheck every candidate row), and it cannot serve short words either.

The DDL lives here, not in the models, because none of it is expressible as SQLAlchemy metadata: `install()` is
called by tests/conftest.py (whose schema comes from create_all); the Alembic migration keeps its own frozen copy.
Both databases answer the same question: every word must appear in one of the four columns, case-insensitively.
Without the index (a database not yet migrated) the filter falls back to LIKE."""
import weakref

from sqlalchemy import Engine, literal_column, or_, select, text

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


def install(connection) -> None:
    """Create the keyword index (and its sync triggers) on `connection`; idempotent. Nothing on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return
    for statement in _SQLITE_DDL:
        connection.execute(text(statement))


def uninstall(connection) -> None:
    """Drop what install() created."""
    if connection.dialect.name == "sqlite":
        for trigger in FTS_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
        connection.execute(text(f"DROP VIEW IF EXISTS {FTS_SOURCE}"))


_FTS_PRESENT: "weakref.WeakKeyDictionary[Engine, bool]" = weakref.WeakKeyDictionary()


def _has_fts(session) -> bool:
    """Whether the SQLite database has the keyword index (checked once per engine)."""
    engine = session.get_bind()
    if engine not in _FTS_PRESENT:
        found = session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                {"name": FTS_TABLE}).first()
        _FTS_PRESENT[engine] = found is not None
    return _FTS_PRESENT[engine]


def _like(term: str) -> str:
    """A LIKE pattern matching `term` literally anywhere."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _cased(term: str) -> bool:
    """Whether `term` has letters with case (Excel, ＡＢＣ, É), for which case-insensitive matching differs."""
    return term.lower() != term or term.upper() != term


def match_expression(terms: list[str]) -> str:
    """The FTS5 query for `terms`: one phrase of character tokens per word, all required (implicit AND).

    Tokens are hexadecimal digits only, so no user input reaches the FTS5 query syntax."""
    return " ".join(f'"{spell_chars(term)}"' for term in terms)


def keyword_conditions(session, terms: list[str]) -> list:
    """WHERE conditions requiring every word of `terms` to appear in number/title/purpose/problem."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    columns = (Ticket.number, Ticket.title, Ticket.purpose, Ticket.problem)
    if dialect == "postgresql":
        # Per column, ILIKE only for words with cased letters: ILIKE lower-cases every row it reads, and a word
        # without any (紙, 集計, 100%) means the same with the three times cheaper LIKE.
        return [or_(*((col.ilike if _cased(term) else col.like)(_like(term), escape="\\") for col in columns))
                for term in terms]
    if dialect == "sqlite" and _has_fts(session):
        candidates = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
            literal_column(FTS_TABLE).op("MATCH")(match_expression(terms)))
        return [Ticket.id.in_(candidates)]
    return [or_(*(col.like(_like(term), escape="\\") for col in columns)) for term in terms]
