"""Structured request logs to stdout: one JSON line per request with id, user and timing."""
import json
import logging
import sys
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

access_log = logging.getLogger("consult.access")


class JsonFormatter(logging.Formatter):
    """Format a log record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record, with the request fields when present."""
        data = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def init_app(app: Flask) -> None:
    """Log every request as JSON (unless testing) and give each one an X-Request-ID."""
    if not app.testing and not any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger("consult").handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger("consult")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        response.headers["X-Request-ID"] = g.get("request_id", "")
        user_id = current_user.get_id().split(":")[0] if current_user and current_user.is_authenticated else None
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"fields": {"request_id": g.get("request_id"), "user_id": user_id, "method": request.method,
                              "path": request.path, "status": response.status_code, "ms": round(elapsed, 1)}},
        )
        return response
