"""GET /healthz: the database and the search index are reachable."""
import os

from flask import current_app, jsonify
from sqlalchemy import text

from consult.extensions import csrf
from models import db

from . import bp


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """200 when the database answers and the index directory is readable, else 503."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    path = current_app.config["CONSULT_SEARCH_INDEX"]
    try:
        from consult.search import sync

        sync.get_index().latest_generation()
        checks["index"] = "ok"
    except Exception as exc:
        checks["index"] = f"error: {type(exc).__name__}"
    checks["index_path_writable"] = os.access(path, os.W_OK)
    ok = checks["database"] == "ok" and checks["index"] == "ok"
    return jsonify(status="ok" if ok else "error", checks=checks), 200 if ok else 503
