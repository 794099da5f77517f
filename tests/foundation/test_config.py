"""Configuration from the environment and the refusal to run without a secret key."""
import pytest

from consult import create_app
from consult.core.config import ConfigError, from_env


def test_defaults_need_no_configuration(monkeypatch):
    """Without any CONSULT_* variable the app uses SQLite in instance/ and search_index/."""
    for name in ("CONSULT_DATABASE_URL", "CONSULT_SEARCH_INDEX"):
        monkeypatch.delenv(name, raising=False)
    config = from_env()
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/consult.sqlite3")
    assert config["CONSULT_SEARCH_INDEX"].endswith("search_index")


def test_environment_overrides(monkeypatch):
    """CONSULT_* variables are read."""
    monkeypatch.setenv("CONSULT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("CONSULT_SEARCH_INDEX", "/tmp/ix")
    monkeypatch.setenv("CONSULT_MAIL_SERVER", "smtp.example.jp")
    monkeypatch.setenv("CONSULT_SLA", "urgent=1/3")
    config = from_env()
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["CONSULT_SEARCH_INDEX"] == "/tmp/ix"
    assert config["MAIL_SERVER"] == "smtp.example.jp"
    assert config["CONSULT_SLA"]["urgent"] == (1, 3)
    assert config["CONSULT_SLA"]["normal"] == (3, 20)


def test_bad_sla_is_a_clear_error(monkeypatch):
    """A malformed CONSULT_SLA names the part it cannot read."""
    monkeypatch.setenv("CONSULT_SLA", "urgent=soon")
    with pytest.raises(ConfigError, match="urgent=soon"):
        from_env()


@pytest.mark.parametrize("key", [None, "", "short", "dev-only-not-secret-but-long"])
def test_refuses_to_start_without_real_secret(monkeypatch, key):
    """Outside debug/testing a missing or weak secret key stops the start with a clear message."""
    monkeypatch.setattr("sys.argv", ["gunicorn", "app:app"])
    for name in ("CONSULT_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="CONSULT_SECRET_KEY"):
        create_app({"SECRET_KEY": key})


def test_starts_with_real_secret(monkeypatch, tmp_path):
    """A long random key is accepted in production mode; cookies are HttpOnly and SameSite=Lax."""
    monkeypatch.setattr("sys.argv", ["gunicorn", "app:app"])
    monkeypatch.delenv("CONSULT_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_https_makes_cookies_secure(monkeypatch):
    """CONSULT_HTTPS=1 sets Secure cookies."""
    monkeypatch.setenv("CONSULT_HTTPS", "1")
    config = from_env()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
