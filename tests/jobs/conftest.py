"""Jobs send mail: reuse the real SMTP sink of the notification tests."""
import pytest

from tests.notify.conftest import smtp_sink  # noqa: F401  (fixture)


@pytest.fixture
def app_config(smtp_sink):  # noqa: F811
    """Mail to the sink; small N so the calendars stay readable."""
    return {
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_sink.port, "MAIL_FROM": "dx-desk@pref.example.jp",
        "MAIL_TIMEOUT": 5, "CONSULT_BASE_URL": "https://consult.pref.example.jp", "CONSULT_DESK_EMAIL": "",
        "CONSULT_REMIND_AFTER_DAYS": 5, "CONSULT_AUTO_CLOSE_DAYS": 5, "CONSULT_DIGEST_HOUR": 8,
    }
