"""WSGI entry of the worker-kill test: the real app, plus two test hooks driven by the test.

- a request with header X-Fault-Mark: NAME writes this worker's pid to $FAULT_MARKS/NAME when it starts;
- an attachment named slow-*.pdf makes the worker write $FAULT_MARKS/inside and sleep inside the
  intake transaction (ticket row flushed, not committed), so the test can kill it there.
"""
import os
import time
from pathlib import Path

from consult import create_app
from consult.tickets import service

MARKS = Path(os.environ["FAULT_MARKS"])
_get_store = service.get_store


def _slow_get_store():
    """The configured attachment store, whose save() stalls inside the transaction when asked."""
    store = _get_store()
    save = store.save

    def slow_save(upload):
        name = save(upload)
        if upload.name.startswith("slow-"):
            (MARKS / "inside").write_text(str(os.getpid()))
            time.sleep(30)
        return name

    store.save = slow_save
    return store


service.get_store = _slow_get_store
flask_app = create_app()


def app(environ, start_response):
    """Mark the worker before the request body is read, then run the application."""
    mark = environ.get("HTTP_X_FAULT_MARK", "")
    if mark.isalnum():
        (MARKS / mark).write_text(str(os.getpid()))
    return flask_app(environ, start_response)
