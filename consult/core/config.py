"""Settings read from the environment (CONSULT_*), with embedded defaults for a laptop."""
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_SLA = {  # business days: (first response, resolution) per priority
    "urgent": (1, 5),
    "high": (2, 10),
    "normal": (3, 20),
    "low": (5, 40),
}


class ConfigError(RuntimeError):
    """Raised when the environment does not allow a safe start."""


def _bool(value: str | None, default: bool = False) -> bool:
    """Read a yes/no environment value."""
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    """Read an integer environment value, with a clear error when it is not one."""
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _sla_from_env() -> dict:
    """SLA targets; CONSULT_SLA='urgent=1/5,high=2/10,normal=3/20,low=5/40' overrides them."""
    sla = dict(DEFAULT_SLA)
    raw = os.environ.get("CONSULT_SLA", "")
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            key, days = part.split("=")
            first, resolve = (int(x) for x in days.split("/"))
        except ValueError as exc:
            raise ConfigError(f"CONSULT_SLA: cannot read {part!r} (expected priority=first/resolution)") from exc
        sla[key.strip()] = (first, resolve)
    return sla


def from_env() -> dict:
    """Build the configuration mapping from CONSULT_* variables."""
    instance = Path(os.environ.get("CONSULT_INSTANCE", ROOT / "instance"))
    https = _bool(os.environ.get("CONSULT_HTTPS"))
    return {
        "SECRET_KEY": os.environ.get("CONSULT_SECRET_KEY"),
        "DEBUG": _bool(os.environ.get("CONSULT_DEBUG")) or _bool(os.environ.get("FLASK_DEBUG")),
        "CONSULT_DEMO": _bool(os.environ.get("CONSULT_DEMO")),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CONSULT_DATABASE_URL") or f"sqlite:///{instance / 'consult.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CONSULT_INSTANCE": str(instance),
        "CONSULT_SEARCH_INDEX": os.environ.get("CONSULT_SEARCH_INDEX") or str(ROOT / "search_index"),
        "CONSULT_ATTACHMENTS": os.environ.get("CONSULT_ATTACHMENTS") or str(instance / "attachments"),
        # Several hosts (docs/deploy.md): attachment store, host name, index-log following.
        "CONSULT_ATTACHMENT_STORE": os.environ.get("CONSULT_ATTACHMENT_STORE", ""),
        "CONSULT_HOST_ID": os.environ.get("CONSULT_HOST_ID", ""),
        "CONSULT_HOSTS": os.environ.get("CONSULT_HOSTS", ""),
        "CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS": _bool(os.environ.get("CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS")),
        **{name: os.environ.get(name, "") for name in (
            "CONSULT_SEARCH_FOLLOW_EVERY", "CONSULT_SEARCH_GAP_TIMEOUT", "CONSULT_SEARCH_HOST_TTL",
            "CONSULT_SEARCH_VERIFY_EVERY", "CONSULT_SEARCH_LOG_RETAIN_HOURS", "CONSULT_SEARCH_MAX_LAG")},
        "CONSULT_MAX_UPLOAD_MB": _int("CONSULT_MAX_UPLOAD_MB", 20),
        "CONSULT_BASE_URL": os.environ.get("CONSULT_BASE_URL", "http://127.0.0.1:5000"),
        "CONSULT_DESK_EMAIL": os.environ.get("CONSULT_DESK_EMAIL", ""),
        "CONSULT_SLA": _sla_from_env(),
        "CONSULT_REOPEN_DAYS": _int("CONSULT_REOPEN_DAYS", 14),
        "CONSULT_EXPORT_INLINE_MAX_ROWS": _int("CONSULT_EXPORT_INLINE_MAX_ROWS", 5000),
        "CONSULT_EXPORT_KEEP_DAYS": _int("CONSULT_EXPORT_KEEP_DAYS", 7),
        "CONSULT_EXPORT_STALE_SECONDS": _int("CONSULT_EXPORT_STALE_SECONDS", 120),
        # 公文書 retention: when the 保存期間 starts ("fiscal": 4/1 of the fiscal year after completion;
        # "completion": the day after completion), the period of 分類 without a rule, 保存場所, and the folder of the
        # disposal ledger file and transfer packages (outside the database, so a restore can re-apply disposals)
        "CONSULT_RETENTION_START": os.environ.get("CONSULT_RETENTION_START", "fiscal"),
        "CONSULT_RETENTION_DEFAULT_YEARS": _int("CONSULT_RETENTION_DEFAULT_YEARS", 5),
        "CONSULT_RECORDS_LOCATION": os.environ.get("CONSULT_RECORDS_LOCATION", "業務DX相談窓口システム（サーバ）"),
        "CONSULT_RECORDS_DIR": os.environ.get("CONSULT_RECORDS_DIR", ""),  # default: CONSULT_INSTANCE/records
        # `jobs run`: remind a requester silent in 回答待ち after N business days; close 解決 after N business days;
        # send each handler's digest of overdue tickets from this JST hour on (once a day, business days only)
        "CONSULT_REMIND_AFTER_DAYS": _int("CONSULT_REMIND_AFTER_DAYS", 5),
        "CONSULT_AUTO_CLOSE_DAYS": _int("CONSULT_AUTO_CLOSE_DAYS", 10),
        "CONSULT_DIGEST_HOUR": _int("CONSULT_DIGEST_HOUR", 8),
        "CONSULT_LOCKOUT_ATTEMPTS": _int("CONSULT_LOCKOUT_ATTEMPTS", 5),
        "CONSULT_LOCKOUT_MINUTES": _int("CONSULT_LOCKOUT_MINUTES", 15),
        "CONSULT_SESSION_IDLE_MINUTES": _int("CONSULT_SESSION_IDLE_MINUTES", 30),
        "CONSULT_SESSION_MAX_HOURS": _int("CONSULT_SESSION_MAX_HOURS", 12),
        "CONSULT_PASSWORD_MIN_LENGTH": _int("CONSULT_PASSWORD_MIN_LENGTH", 10),
        "CONSULT_HTTPS": https,
        # reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto are believed (0: none, use the peer)
        "CONSULT_TRUSTED_PROXIES": _int("CONSULT_TRUSTED_PROXIES", 0),
        # directory sign-in and sync (LDAP / Active Directory); empty URL = local passwords only
        "CONSULT_LDAP_URL": os.environ.get("CONSULT_LDAP_URL", ""),
        "CONSULT_LDAP_BIND_DN": os.environ.get("CONSULT_LDAP_BIND_DN", ""),
        "CONSULT_LDAP_BIND_PASSWORD": os.environ.get("CONSULT_LDAP_BIND_PASSWORD", ""),
        "CONSULT_LDAP_USER_BASE": os.environ.get("CONSULT_LDAP_USER_BASE", ""),
        "CONSULT_LDAP_USER_FILTER": os.environ.get("CONSULT_LDAP_USER_FILTER") or "(uid={login})",
        "CONSULT_LDAP_ATTRS": os.environ.get("CONSULT_LDAP_ATTRS")
        or "login=uid,name=cn,email=mail,department=departmentNumber,id=entryUUID",
        "CONSULT_LDAP_ROLE_GROUPS": os.environ.get("CONSULT_LDAP_ROLE_GROUPS", ""),
        "CONSULT_LDAP_NESTED_GROUPS": os.environ.get("CONSULT_LDAP_NESTED_GROUPS", "recursive"),
        "CONSULT_LDAP_CA_FILE": os.environ.get("CONSULT_LDAP_CA_FILE", ""),
        "CONSULT_LDAP_TIMEOUT": _int("CONSULT_LDAP_TIMEOUT", 5),
        # second factor (TOTP): the issuer shown in authenticator apps
        "CONSULT_TOTP_ISSUER": os.environ.get("CONSULT_TOTP_ISSUER", "業務DX相談窓口"),
        # roles that must use the second factor (enrolment at their next sign-in); others may opt in
        "CONSULT_TOTP_REQUIRED_ROLES": os.environ.get("CONSULT_TOTP_REQUIRED_ROLES", "dx_staff,admin"),
        "MAIL_SERVER": os.environ.get("CONSULT_MAIL_SERVER", ""),
        "MAIL_PORT": _int("CONSULT_MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("CONSULT_MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("CONSULT_MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(os.environ.get("CONSULT_MAIL_USE_TLS")),
        "MAIL_FROM": os.environ.get("CONSULT_MAIL_FROM", "dx-desk@pref.example.jp"),
        "RATELIMIT_STORAGE_URI": os.environ.get("CONSULT_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_ENABLED": _bool(os.environ.get("CONSULT_RATELIMIT_ENABLED"), True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("CONSULT_RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_HEADERS_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": None,  # set from CONSULT_MAX_UPLOAD_MB in create_app
        "JSON_AS_ASCII": False,
    }


def _cli_command() -> bool:
    """True when a `flask` command other than `run` loaded the app (no web sessions are served)."""
    argv0 = os.path.basename(sys.argv[0]) if sys.argv else ""
    is_flask = argv0 == "flask" or sys.argv[0].endswith(os.path.join("flask", "__main__.py"))
    return is_flask and _first_command(sys.argv[1:]) != "run"  # `jobs run` is a command, `run` the server


def _first_command(args: list[str]) -> str | None:
    """The first positional argument after flask's own options (--app X, -A X, --debug …)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--app", "-A", "--env-file", "-e"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def check(config) -> None:
    """Refuse to start without a real secret key outside debug and testing."""
    key = config.get("SECRET_KEY")
    if config.get("TESTING") or config.get("DEBUG"):
        if not key:
            config["SECRET_KEY"] = secrets.token_hex(32)  # random per process: nothing to leak
        return
    if not key and _cli_command():
        config["SECRET_KEY"] = secrets.token_hex(32)  # commands sign nothing that outlives them
        return
    if not key or len(key) < 16 or key.startswith("dev-"):
        raise ConfigError(
            "CONSULT_SECRET_KEY が設定されていません。本番では16文字以上のランダムな値を設定してください"
            " (例: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
        )
