"""A gunicorn worker is SIGKILLed in the middle of a request: the master respawns it, nothing committed
is lost and no ticket is left half-written (a ticket exists with its attachment, or not at all)."""
import os
import signal
import socket
import threading
import time

import pytest
from sqlalchemy import func, select

from models import Attachment, Ticket, db
from tests import factories

from .helpers import Browser, Server, intake_fields, multipart, pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app, users, tmp_path):
    """gunicorn with 2 workers on the test database, running the app with the test hooks of slow_app."""
    marks = tmp_path / "marks"
    marks.mkdir()
    srv = Server("tests.faults.slow_app:app", {
        "CONSULT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONSULT_ATTACHMENTS": app.config["CONSULT_ATTACHMENTS"],
        "CONSULT_SEARCH_INDEX": app.config["CONSULT_SEARCH_INDEX"],
        "CONSULT_INSTANCE": app.config["CONSULT_INSTANCE"],
        "FAULT_MARKS": str(marks),
        "CONSULT_ATTACHMENT_STORE": "filesystem",  # this test looks at the files a killed worker leaves
    }, workers=2, log=tmp_path / "gunicorn.log")
    try:
        srv.wait_ready()
        srv.marks = marks
        yield srv
    finally:
        srv.stop()


def _wait_for(path, timeout=15.0) -> int:
    """The pid written to a mark file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise TimeoutError(f"{path.name} never marked")


def _wait_respawn(server, killed: int, timeout=30.0) -> None:
    """Wait until the master has replaced the killed worker and the site answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = server.workers()
        if killed not in pids and len(pids) == 2:
            break
        time.sleep(0.1)
    else:
        raise TimeoutError("worker not respawned")
    server.wait_ready()


def _tickets_titled(title: str) -> list[Ticket]:
    """Tickets with this title, read fresh from the database."""
    db.session.rollback()
    return list(db.session.scalars(select(Ticket).where(Ticket.title == title)))


def _assert_whole(ticket: Ticket, files: int) -> None:
    """The ticket has its attachment rows, and each stored file is on disk with the right size."""
    from consult.tickets.attachments import stored_path

    rows = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))
    assert len(rows) == files
    for row in rows:
        assert stored_path(row.stored_name).stat().st_size == row.size


def _file(browser: Browser, title: str, filename: str, size: int = 50_000, timeout: float = 20.0):
    """File a consultation with one PDF through the real form."""
    token = browser.csrf("/tickets/new")
    return browser.post("/tickets/new", intake_fields(token, title),
                        {"attachments": (filename, pdf(size), "application/pdf")}, timeout=timeout)


def test_kill_during_upload_and_inside_transaction(app, server):
    """Kill while the body is uploading, then while the intake transaction is open: respawn, no half ticket."""
    browser = Browser(server.url)
    browser.login("req", factories.PASSWORD)
    status, headers, _ = _file(browser, "事前に登録した相談", "before.pdf")
    assert status == 302, status
    [before] = _tickets_titled("事前に登録した相談")

    # 1. a large upload, half sent: the worker reading it is killed
    body, ctype = multipart(intake_fields(browser.csrf("/tickets/new"), "アップロード中の相談"),
                            {"attachments": ("big.pdf", pdf(3_000_000), "application/pdf")})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall((f"POST /tickets/new HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: {ctype}\r\n"
                      f"Content-Length: {len(body)}\r\nCookie: {browser.cookie_header()}\r\nX-Fault-Mark: upload\r\n"
                      "Connection: close\r\n\r\n").encode() + body[:300_000])
        victim = _wait_for(server.marks / "upload")
        assert victim in server.workers()
        os.kill(victim, signal.SIGKILL)
        try:
            answer = sock.recv(100)
        except ConnectionResetError:
            answer = b""
        assert answer == b""  # no response: the connection just ended
    _wait_respawn(server, victim)
    assert _tickets_titled("アップロード中の相談") == []

    # 2. killed inside the transaction: ticket row flushed, attachment written, not committed
    outcome = {}

    def slow_post():
        try:
            outcome["status"] = _file(browser, "途中で止まった相談", "slow-x.pdf", timeout=40)[0]
        except OSError as exc:  # RemoteDisconnected, ConnectionResetError
            outcome["error"] = exc

    thread = threading.Thread(target=slow_post)
    thread.start()
    victim = _wait_for(server.marks / "inside")
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=30)
    assert "error" in outcome, outcome
    _wait_respawn(server, victim)
    assert _tickets_titled("途中で止まった相談") == []  # all or nothing

    # the site works again (both workers), and nothing committed before was lost
    for _ in range(4):
        assert browser.get("/healthz")[0] == 200
    status, headers, _ = _file(browser, "再開後の相談", "after.pdf")
    assert status == 302, status
    [after] = _tickets_titled("再開後の相談")
    [again] = _tickets_titled("事前に登録した相談")
    assert again.id == before.id and again.number == before.number
    _assert_whole(again, 1)
    _assert_whole(after, 1)
    assert after.number != before.number
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2
