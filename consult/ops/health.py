"""What /healthz checks: the database answers and the search index opens."""
import os

from flask import current_app
from sqlalchemy import select

from models import User, db


def checks() -> dict:
    """Run the checks; every failure is reported as a value, never raised."""
    result = {}
    try:
        # Read a real table: `SELECT 1` succeeds even while SQLite is exclusively locked by another process.
        db.session.execute(select(User.id).limit(1))
        result["database"] = "ok"
    except Exception as exc:  # report, never raise
        db.session.rollback()
        result["database"] = f"error: {type(exc).__name__}"
    try:
        from consult.search import sync

        sync.get_index().latest_generation()
        result["index"] = "ok"
    except Exception as exc:
        result["index"] = f"error: {type(exc).__name__}"
    result["index_path_writable"] = os.access(current_app.config["CONSULT_SEARCH_INDEX"], os.W_OK)
    return result
