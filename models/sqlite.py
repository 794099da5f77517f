"""What every SQLite connection of the process gets: the SQL function the schema itself calls, and mapped reads.

`consult_chars(text)` spells a text as its lower-cased characters, one hexadecimal code point per token:
"Excel表" → "65 78 63 65 6c 8868". The 受付一覧's keyword index (consult/desk/search_sql.py) indexes the tickets
through it with FTS5's `ascii` tokenizer, so that a word of any length — 紙, 集計, 会議録の作成, 100% — is a phrase of
consecutive tokens: an exact, case-insensitive substring search answered from an inverted index. The index's
triggers call the function, so a connection that lacks it (the sqlite3 shell, say) can read the tickets table but
not write to it ("no such function: consult_chars") — it fails loudly rather than leaving the index stale.

Reads go through a memory map (PRAGMA mmap_size): a page already in the operating system's cache costs no system
call, which is what makes lookups of thousands of ticket rows by id (the queue's per-status counts under a keyword)
several times faster; the gunicorn workers share those pages.
"""
import sqlite3

from sqlalchemy import Engine, event

CHARS_FUNCTION = "consult_chars"
MMAP_BYTES = 1 << 30  # address space, not memory: only the pages read are resident, and they are shared


def spell_chars(value: str | None) -> str | None:
    """`value` lower-cased, as space-separated hexadecimal code points (None stays None)."""
    if value is None:
        return None
    return " ".join(format(ord(ch), "x") for ch in str(value).lower())


def register(dbapi_connection) -> None:
    """Make the function available on one sqlite3 connection, and map its reads (idempotent)."""
    dbapi_connection.create_function(CHARS_FUNCTION, 1, spell_chars, deterministic=True)
    dbapi_connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, _record) -> None:
    """Every new SQLite connection of every engine (the app's, Alembic's, the benchmarks') is set up."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        register(dbapi_connection)
