"""Database-side keyword search of the 受付一覧 queue: an FTS5 trigram index on SQLite over
tickets(number, title, purpose, problem); PostgreSQL uses per-column ILIKE.

A pg_trgm GIN index on the joined columns was measured at 100k tickets and made the page slower (the
per-status counts still recheck every candidate row), so PostgreSQL keeps the plain scan, which it does
quickly, and only SQLite gets an index.

The DDL lives here, not in the models, because neither is expressible as SQLAlchemy metadata: `install()` is
called by the Alembic migration and by tests/conftest.py (whose schema comes from create_all). The query side
(`keyword_conditions`) keeps the semantics of the plain LIKE filter — every word must appear literally in one of
the four columns, case-insensitively for ASCII — and falls back to that LIKE when the index is missing."""
import sqlite3
import weakref

from sqlalchemy import Engine, literal_column, or_, select, text

from models import Ticket

FTS_TABLE = "tickets_fts"
FTS_TRIGGERS = ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au")


MIN_TRIGRAM = 3
# Constant DDL (no interpolation): the external-content FTS5 table and the triggers keeping it in sync.
_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts USING fts5(number, title, purpose, problem, "
    "content='tickets', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, number, title, purpose, problem) "
    "VALUES (new.id, new.number, new.title, new.purpose, new.problem); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, number, title, purpose, problem) "
    "VALUES ('delete', old.id, old.number, old.title, old.purpose, old.problem); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_au AFTER UPDATE OF id, number, title, purpose, problem ON tickets "
    "BEGIN INSERT INTO tickets_fts(tickets_fts, rowid, number, title, purpose, problem) "
    "VALUES ('delete', old.id, old.number, old.title, old.purpose, old.problem); "
    "INSERT INTO tickets_fts(rowid, number, title, purpose, problem) "
    "VALUES (new.id, new.number, new.title, new.purpose, new.problem); END",
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
]


def sqlite_supported() -> bool:
    """Whether the linked libsqlite3 has the FTS5 trigram tokenizer (3.34+)."""
    return sqlite3.sqlite_version_info >= (3, 34, 0)


def install(connection) -> None:
    """Create the keyword index (and its sync triggers on SQLite) on `connection`; idempotent."""
    dialect = connection.dialect.name
    if dialect != "sqlite" or not sqlite_supported():
        return
    for statement in _SQLITE_DDL:
        connection.execute(text(statement))


def uninstall(connection) -> None:
    """Drop what install() created."""
    if connection.dialect.name == "sqlite":
        for trigger in FTS_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


_FTS_PRESENT: "weakref.WeakKeyDictionary[Engine, bool]" = weakref.WeakKeyDictionary()


def _has_fts(session) -> bool:
    """Whether the SQLite database has the FTS table (checked once per engine)."""
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


def _fts_string(term: str) -> str:
    """`term` as an FTS5 string literal (a phrase matched as-is, operators and all)."""
    return '"' + term.replace('"', '""') + '"'


def _like_any_column(term: str):
    """The plain filter: `term` appears in one of the four columns (LIKE: case-insensitive for ASCII on SQLite)."""
    pattern = _like(term)
    return or_(*(col.like(pattern, escape="\\") for col in (Ticket.number, Ticket.title, Ticket.purpose, Ticket.problem)))


def keyword_conditions(session, terms: list[str]) -> list:
    """WHERE conditions requiring every word of `terms` to appear in number/title/purpose/problem."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # ILIKE per column: case-insensitive like SQLite's LIKE for ASCII, and faster here than any index.
        columns = (Ticket.number, Ticket.title, Ticket.purpose, Ticket.problem)
        return [or_(*(col.ilike(_like(term), escape="\\") for col in columns)) for term in terms]
    conds = [_like_any_column(term) for term in terms]
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM]
    if dialect == "sqlite" and long_terms and _has_fts(session):
        # The FTS5 trigram index narrows to candidates (all long words, implicit AND); the LIKEs above re-check
        # them so results stay exactly those of LIKE (FTS folds case beyond ASCII) and apply the short words.
        match = " ".join(_fts_string(t) for t in long_terms)
        candidates = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
            literal_column(FTS_TABLE).op("MATCH")(match))
        conds.insert(0, Ticket.id.in_(candidates))
    return conds
