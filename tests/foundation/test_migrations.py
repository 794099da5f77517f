"""Migrations run from empty and produce exactly the schema of the models (no drift)."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consult import create_app
from models import db
from tests.conftest import make_config


def _scratch_databases(tmp_path):
    """Yield URLs of empty databases: SQLite always, PostgreSQL when configured."""
    yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    pg = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if pg:
        name = f"consult_mig_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(pg).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# The queue's keyword index is not expressible as model metadata (consult/desk/search_sql.py): the FTS5 virtual
# table and its shadow tables on SQLite (its source view is not reflected), the side table on PostgreSQL. Only these
# names are ignored.
_KEYWORD_INDEX_TABLES = {"tickets_chars", "tickets_chars_data", "tickets_chars_idx", "tickets_chars_config",
                         "ticket_keywords"}


def _ignored(diff) -> bool:
    """Whether a difference is one of the justified exceptions above."""
    if isinstance(diff, tuple) and diff[0] == "remove_table":
        return diff[1].name in _KEYWORD_INDEX_TABLES
    if isinstance(diff, tuple) and diff[0] == "remove_index":
        return diff[1].table.name in _KEYWORD_INDEX_TABLES
    return False


@pytest.mark.slow
def test_migrations_match_models(tmp_path):
    """`db upgrade` from empty, then autogenerate finds nothing to change."""
    for url in _scratch_databases(tmp_path):
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diffs = [d for d in compare_metadata(context, db.metadata) if not _ignored(d)]
            db.engine.dispose()
        assert diffs == [], f"{url.split(':')[0]}: schema drift {diffs}"
