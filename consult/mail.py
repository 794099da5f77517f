"""SMTP sending: build UTF-8 messages with encoded headers and deliver them over one connection."""
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app


class MailConfigError(RuntimeError):
    """The SMTP settings are not usable."""


def enabled(config=None) -> bool:
    """Mail is on only when MAIL_SERVER is set."""
    config = config if config is not None else current_app.config
    return bool((config.get("MAIL_SERVER") or "").strip())


def _clean_header(value: str) -> str:
    """Refuse header injection: no line breaks in a header value."""
    if "\r" in value or "\n" in value:
        raise ValueError("header value contains a line break")
    return value


def build_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """An EmailMessage in UTF-8 (headers MIME-encoded by the email package)."""
    msg = EmailMessage()
    msg["From"] = _clean_header(sender)
    msg["To"] = _clean_header(recipient)
    msg["Subject"] = _clean_header(subject)
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, charset="utf-8")
    return msg


class Connection:
    """One SMTP session for a batch of mails: `with Connection(config) as conn: conn.send(msg)`."""

    def __init__(self, config=None):
        config = config if config is not None else current_app.config
        if not enabled(config):
            raise MailConfigError("MAIL_SERVER is not set")
        self.host = config["MAIL_SERVER"].strip()
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = config.get("MAIL_USERNAME") or ""
        self.password = config.get("MAIL_PASSWORD") or ""
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.timeout = float(config.get("MAIL_TIMEOUT") or 10)
        self.sender = config.get("MAIL_FROM") or "dx-desk@localhost"
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Connection":
        """Connect, upgrade to TLS when configured, log in when a user name is set."""
        self.smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                self.smtp.starttls(context=ssl.create_default_context())
            if self.username:
                self.smtp.login(self.username, self.password)
        except BaseException:
            self.close()
            raise
        return self

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one mail; raises on any SMTP error."""
        assert self.smtp is not None
        self.smtp.send_message(build_message(self.sender, recipient, subject, body))

    def close(self) -> None:
        """Quit politely; ignore a connection that is already gone."""
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None

    def __exit__(self, *exc) -> None:
        """Close the session."""
        self.close()
