"""A real SMTP sink (aiosmtpd) on 127.0.0.1 and an app whose mail goes to it."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    """aiosmtpd handler that keeps every envelope."""

    def __init__(self, envelopes):
        self.envelopes = envelopes

    async def handle_DATA(self, server, session, envelope):
        """Store the envelope and accept it."""
        self.envelopes.append(envelope)
        return "250 OK"


class SmtpSink:
    """An SMTP server collecting mail; stop() closes the port, start() opens it again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.envelopes = []
        self._controller = None

    def start(self) -> None:
        """Listen on self.port."""
        self._controller = Controller(_Collector(self.envelopes), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Close the port (mail then fails with connection refused)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self):
        """The received mails parsed as EmailMessage (headers decoded)."""
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]

    def to(self, address: str):
        """Messages whose envelope recipients include `address`."""
        return [message_from_bytes(e.original_content, policy=policy.default)
                for e in self.envelopes if address in e.rcpt_tos]


@pytest.fixture
def smtp_sink():
    """A running SMTP sink on a free port of 127.0.0.1; stopped after the test."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config(smtp_sink):
    """Send this area's mail to the sink."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_FROM": "dx-desk@pref.example.jp",
        "MAIL_TIMEOUT": 5,
        "CONSULT_BASE_URL": "https://consult.pref.example.jp",
        "CONSULT_DESK_EMAIL": "",
    }
