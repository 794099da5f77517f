"""/healthz and request logging."""
import json
import logging

from consult import create_app
from tests.conftest import make_config


def test_healthz_ok(client):
    """Database and index reachable: 200 with both checks ok, no login needed."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["index"] == "ok"


def test_healthz_database_down(tmp_path):
    """An unreachable database answers 503, not a stack trace."""
    app = create_app(make_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")


def test_request_id_and_json_log(client, caplog):
    """Every response has an X-Request-ID and a JSON-able access log record with timing."""
    access = logging.getLogger("consult.access")
    access.addHandler(caplog.handler)  # the "consult" logger may not propagate to the root (JSON to stdout)
    try:
        with caplog.at_level(logging.INFO, logger="consult.access"):
            response = client.get("/login", headers={"X-Request-ID": "abcdef123456"})
    finally:
        access.removeHandler(caplog.handler)
    assert response.headers["X-Request-ID"] == "abcdef123456"
    record = [r for r in caplog.records if r.name == "consult.access"][-1]
    assert record.fields["status"] == 200 and record.fields["path"] == "/login"
    assert record.fields["ms"] >= 0
    from consult.ops.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abcdef123456"
