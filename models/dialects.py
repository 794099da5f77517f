"""The SQL that differs between SQLite and PostgreSQL, behind named functions.

Everything else in the code writes portable SQLAlchemy and calls these where the two databases need different
SQL (date arithmetic in JST, ordered string aggregation, insert-or-ignore, row locks that skip locked rows, array
lookups). Each function reads the dialect of the session's bind (or of `bind` when given), so callers never test
the dialect name themselves; `is_postgresql()` is for features only one database has (advisory locks, the
keyword side table, attachments stored as large objects by default)."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import ARRAY, Date, Integer, LargeBinary, bindparam, cast, func, literal, select, text
from sqlalchemy.sql import ColumnElement, Select

from .db import db

#: (unix time + this) // 86400 is the proleptic ordinal (date.toordinal()) of the JST date of a moment; the
#: numerator stays positive for any date after year 1, so integer division is floor division.
_JST_ORDINAL_SHIFT = date(1970, 1, 1).toordinal() * 86400 + 9 * 3600
#: unixepoch() is SQLite ≥ 3.38; strftime('%s') gives the same (slower) on older libraries.
_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


def name(bind=None) -> str:
    """The dialect name ('sqlite' or 'postgresql') of `bind`, else of the session's bind."""
    return (bind if bind is not None else db.session.get_bind()).dialect.name


def is_postgresql(bind=None) -> bool:
    """Whether `bind` (default: the session's bind) is PostgreSQL."""
    return name(bind) == "postgresql"


def jst_bucket(column, unit: str) -> ColumnElement:
    """The ISO date ('YYYY-MM-DD') of the JST week (Monday) or month ('month') of a naive-UTC column."""
    if is_postgresql():
        return func.to_char(func.date_trunc(unit, column + timedelta(hours=9)), "YYYY-MM-DD")
    if unit == "month":
        return func.strftime("%Y-%m-01", column, "+9 hours")
    return func.date(column, "+9 hours", "weekday 0", "-6 days")


def jst_date(column) -> ColumnElement:
    """The JST calendar date of a naive-UTC column ('YYYY-MM-DD' text on SQLite, DATE on PostgreSQL); compares
    with a date parameter or a Date column on both."""
    if is_postgresql():
        return cast(column + timedelta(hours=9), Date)
    return func.date(column, "+9 hours")


def jst_day_index(column, first: date) -> ColumnElement:
    """Whole days from `first` to the JST date of a naive-UTC column (0 for `first` itself)."""
    if is_postgresql():
        return cast(column + timedelta(hours=9), Date) - literal(first, Date)
    seconds = func.unixepoch(column, type_=Integer) if _HAS_UNIXEPOCH else cast(func.strftime("%s", column), Integer)
    return (seconds + _JST_ORDINAL_SHIFT) // 86400 - first.toordinal()


def int_lookup(name_: str, values: tuple[int, ...]):
    """A function index-expression → SQL integer `values[index]`, the table bound once per statement as the
    parameter `name_` (an int[] on PostgreSQL; fixed-width decimal digits in one blob, read with substr(), on SQLite).
    """
    if is_postgresql():
        # In a scalar subquery (an InitPlan) the parameter is cast to int[] once per query: as a plain cast, a
        # generic plan of the prepared statement (psycopg prepares after 5 runs) would cast the array for every row.
        table = select(cast(bindparam(name_, list(values), type_=ARRAY(Integer)), ARRAY(Integer))).scalar_subquery()
        return lambda index: table[index + 1]  # PostgreSQL arrays start at 1
    digits, width = _digit_blob(values)
    blob = bindparam(name_, digits, type_=LargeBinary)
    return lambda index: cast(func.substr(blob, index * width + 1, width), Integer)


@lru_cache(maxsize=16)
def _digit_blob(values: tuple[int, ...]) -> tuple[bytes, int]:
    """`values` as fixed-width decimal digits in one blob, and the width (SQLite's lookup table; the same calendar
    span is asked for on every dashboard, so it is encoded once)."""
    width = len(str(max(values, default=0)))
    return b"".join(b"%0*d" % (width, n) for n in values), width


def ordered_string_agg(column, separator: str, order_by, where, correlate) -> ColumnElement:
    """Correlated scalar subquery: `column` of the rows matching `where`, joined by `separator` in `order_by`
    order (string_agg … ORDER BY on PostgreSQL; group_concat over an ordered subquery on SQLite)."""
    if is_postgresql():
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        agg = func.string_agg(column, aggregate_order_by(literal(separator), order_by))
        return select(agg).where(*where).correlate(correlate).scalar_subquery()
    inner = select(column.label("value")).where(*where).order_by(order_by).correlate(correlate)
    return select(func.group_concat(inner.subquery().c.value, separator)).scalar_subquery()


def insert_ignoring_conflict(table, values: dict, index_elements: list[str]):
    """INSERT … ON CONFLICT DO NOTHING: a concurrent first insert waits for the other transaction, then does
    nothing (both databases support it; the insert construct is each dialect's own)."""
    if is_postgresql():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def skip_locked(stmt: Select) -> Select:
    """`stmt` FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent workers take different rows; unchanged on SQLite,
    where the single writing statement holds the database write lock."""
    return stmt.with_for_update(skip_locked=True) if is_postgresql() else stmt


def without_jit() -> None:
    """Turn PostgreSQL's JIT compilation off for the rest of the current transaction (for many small queries whose
    estimated cost is high — JIT took 2.5 s of each 2.8 s page of an export); nothing to do on SQLite."""
    if is_postgresql():
        db.session.execute(text("SET LOCAL jit = off"))
