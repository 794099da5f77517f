"""GET /healthz: the database and the search index are reachable."""
from flask import jsonify

from consult.core.extensions import csrf

from . import bp, health


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """200 when the database answers, the index can serve and the attachment store is there, else 503."""
    checks = health.checks()
    ok = checks["database"] == "ok" and checks["index"] == "ok" and checks.get("attachments", "ok").startswith("ok")
    return jsonify(status="ok" if ok else "error", checks=checks), 200 if ok else 503
