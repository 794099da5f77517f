"""Query helpers shared by every list: a word matched literally with LIKE."""
from sqlalchemy import func, or_

#: The LIKE escape character of every pattern built here.
LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (%, _ and the escape character escaped)."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def contains(column, text: str):
    """SQL: `column` contains `text` literally, ignoring case (ILIKE on PostgreSQL, LIKE on SQLite)."""
    return column.ilike(contains_pattern(text), escape=LIKE_ESCAPE)


def any_contains(columns, text: str):
    """SQL: one of `columns` contains `text` literally, ignoring case."""
    return or_(*(contains(column, text) for column in columns))


def lower_contains(column, text: str):
    """SQL: lower(`column`) LIKE the lower-cased pattern — the form an index on lower(column) text can answer."""
    return column.like(func.lower(contains_pattern(text)), escape=LIKE_ESCAPE)


def person_matches(name_column, login_column, text: str):
    """SQL: the login is `text` (ignoring case), or the name contains it, spaces (also full-width) ignored on both
    sides — how staff look a person up by 「山田太郎」, 「山田 太郎」 or a login."""
    flat = text.replace(" ", "").replace("\u3000", "")
    name = func.replace(func.replace(name_column, " ", ""), "\u3000", "")
    return or_(func.lower(login_column) == text.lower(), contains(name, flat))
