"""The directory settings (CONSULT_LDAP_*) read from the app config into one object."""
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from flask import current_app

from consult.errors import DomainError

ATTR_KEYS = ("login", "name", "email", "department", "id")
ROLE_ORDER = ("admin", "dx_staff")  # the strongest group wins; everyone else is a requester


class DirectoryConfigError(DomainError):
    """The CONSULT_LDAP_* settings cannot be read."""


@dataclass(frozen=True)
class DirectorySettings:
    """Where the directory is, how to search it and how its attributes map to a user."""

    host: str
    port: int
    use_ssl: bool
    start_tls: bool
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    attrs: dict = field(default_factory=dict)
    role_groups: dict = field(default_factory=dict)
    nested: str = "recursive"
    ca_file: str = ""
    timeout: int = 5


def _pairs(raw: str, sep: str, name: str) -> dict:
    """Read `key=value<sep>key=value` (a value may itself contain '=')."""
    result = {}
    for part in filter(None, (p.strip() for p in raw.split(sep))):
        key, eq, value = part.partition("=")
        if not eq or not value.strip():
            raise DirectoryConfigError(f"{name}: {part!r} を読めません（キー=値 の形式にしてください）")
        result[key.strip()] = value.strip()
    return result


def parse_url(url: str) -> tuple[str, int, bool, bool]:
    """Split ldap[s]://host[:port][/?starttls] into host, port, SSL and StartTLS."""
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise DirectoryConfigError(f"CONSULT_LDAP_URL {url!r} は ldap://ホスト:ポート または ldaps://… にしてください")
    query = parse_qs(parts.query, keep_blank_values=True)
    start_tls = "starttls" in {k.lower() for k in query} and query.get("starttls", [""])[0].lower() not in ("0", "false", "no")
    use_ssl = parts.scheme == "ldaps"
    if use_ssl and start_tls:
        raise DirectoryConfigError("CONSULT_LDAP_URL: ldaps:// と starttls は同時に使えません")
    return parts.hostname, parts.port or (636 if use_ssl else 389), use_ssl, start_tls


def load(config=None) -> DirectorySettings | None:
    """The directory settings, or None when no directory is configured (local passwords only)."""
    config = config if config is not None else current_app.config
    url = (config.get("CONSULT_LDAP_URL") or "").strip()
    if not url:
        return None
    host, port, use_ssl, start_tls = parse_url(url)
    attrs = _pairs(config.get("CONSULT_LDAP_ATTRS") or "", ",", "CONSULT_LDAP_ATTRS")
    missing = [k for k in ("login", "name", "id") if k not in attrs]
    if missing:
        raise DirectoryConfigError(f"CONSULT_LDAP_ATTRS に {', '.join(missing)} の対応がありません")
    roles = _pairs(config.get("CONSULT_LDAP_ROLE_GROUPS") or "", ";", "CONSULT_LDAP_ROLE_GROUPS")
    unknown = [r for r in roles if r not in ROLE_ORDER]
    if unknown:
        raise DirectoryConfigError(f"CONSULT_LDAP_ROLE_GROUPS: 役割 {', '.join(unknown)} は使えません（dx_staff, admin）")
    user_filter = config.get("CONSULT_LDAP_USER_FILTER") or "(uid={login})"
    if "{login}" not in user_filter:
        raise DirectoryConfigError("CONSULT_LDAP_USER_FILTER には {login} を含めてください")
    nested = (config.get("CONSULT_LDAP_NESTED_GROUPS") or "recursive").strip().lower()
    if nested not in ("recursive", "ad", "none"):
        raise DirectoryConfigError("CONSULT_LDAP_NESTED_GROUPS は recursive, ad, none のいずれかにしてください")
    return DirectorySettings(
        host=host, port=port, use_ssl=use_ssl, start_tls=start_tls,
        bind_dn=config.get("CONSULT_LDAP_BIND_DN") or "", bind_password=config.get("CONSULT_LDAP_BIND_PASSWORD") or "",
        user_base=config.get("CONSULT_LDAP_USER_BASE") or "", user_filter=user_filter,
        attrs=attrs, role_groups=roles, nested=nested, ca_file=config.get("CONSULT_LDAP_CA_FILE") or "",
        timeout=int(config.get("CONSULT_LDAP_TIMEOUT") or 5),
    )


def configured() -> bool:
    """Whether sign-in goes to a directory."""
    return bool((current_app.config.get("CONSULT_LDAP_URL") or "").strip())
