"""Talking to the directory with ldap3: search with the service account, bind as the user, group roles."""
import logging
import ssl
import uuid
from dataclasses import dataclass

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars

from consult.errors import DomainError

from .settings import ROLE_ORDER, DirectorySettings

log = logging.getLogger(__name__)

UNAVAILABLE = "ディレクトリサーバーに接続できません。しばらくしてからもう一度お試しください（続くときはDX推進担当に連絡してください）"
SERVICE_BIND_FAILED = "ディレクトリの検索用アカウントで接続できません。管理者に連絡してください（CONSULT_LDAP_BIND_DN の設定）"
GROUP_CLASSES = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))"
AD_IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN: nested membership resolved by AD
AD_DISABLED = 0x2  # userAccountControl ACCOUNTDISABLE


class DirectoryUnavailable(DomainError):
    """The directory cannot be reached, or the service account cannot search it."""

    status = 503


@dataclass
class DirectoryUser:
    """One user entry read from the directory, already mapped to our fields."""

    dn: str
    directory_id: str
    login: str
    name: str
    email: str | None
    department_code: str | None
    disabled: bool
    member_of: tuple[str, ...] = ()


def _server(settings: DirectorySettings) -> Server:
    """The ldap3 server object with TLS and the connect timeout."""
    tls = None
    if settings.use_ssl or settings.start_tls:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file or None, version=ssl.PROTOCOL_TLS_CLIENT)
    return Server(settings.host, port=settings.port, use_ssl=settings.use_ssl, tls=tls, get_info=NONE,
                  connect_timeout=settings.timeout)


def _open(settings: DirectorySettings, dn: str, password: str) -> Connection | None:
    """Connect (StartTLS first when asked) and bind; None when the credentials are refused."""
    conn = Connection(_server(settings), user=dn or None, password=password or None,
                      receive_timeout=settings.timeout, raise_exceptions=False, read_only=True)
    try:
        conn.open()
        if settings.start_tls:
            conn.start_tls()
        if not conn.bind():
            _close(conn)
            return None
    except ldap_errors.LDAPException as exc:
        log.warning("directory unavailable at %s:%s: %s", settings.host, settings.port, exc)
        _close(conn)
        raise DirectoryUnavailable(UNAVAILABLE) from exc
    return conn


def _close(conn: Connection) -> None:
    """Close the connection's socket whatever state it is in."""
    try:
        conn.unbind()
    except ldap_errors.LDAPException:
        pass
    sock = getattr(conn, "socket", None)
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


def service_connection(settings: DirectorySettings) -> Connection:
    """A connection bound as the service account (raise DirectoryUnavailable when it cannot be)."""
    conn = _open(settings, settings.bind_dn, settings.bind_password)
    if conn is None:
        log.error("directory service account %r was refused", settings.bind_dn)
        raise DirectoryUnavailable(SERVICE_BIND_FAILED)
    return conn


def _attribute_names(settings: DirectorySettings) -> list[str]:
    """The entry attributes to ask for."""
    return sorted({*settings.attrs.values(), "memberOf", "userAccountControl"})


def _first(entry: dict, name: str | None):
    """The first raw value of an attribute (bytes) or None."""
    if not name:
        return None
    for key, values in entry.get("raw_attributes", {}).items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def _text(value) -> str | None:
    """Decode a raw value as UTF-8 text."""
    if value is None:
        return None
    return value.decode("utf-8").strip() if isinstance(value, bytes) else str(value).strip()


def stable_id(value) -> str | None:
    """The directory id as text: AD objectGUID (16 bytes) as a UUID, an entryUUID as it is."""
    if isinstance(value, bytes) and len(value) == 16:
        return str(uuid.UUID(bytes_le=value))
    text = _text(value)
    return text.lower() if text else None


def to_user(entry: dict, settings: DirectorySettings) -> DirectoryUser | None:
    """Map a search result entry to a DirectoryUser (None when it lacks the login or id)."""
    attrs = settings.attrs
    login, directory_id = _text(_first(entry, attrs["login"])), stable_id(_first(entry, attrs["id"]))
    if not login or not directory_id:
        return None
    uac = _text(_first(entry, "userAccountControl"))
    member_of = ()
    for key, values in entry.get("raw_attributes", {}).items():
        if key.lower() == "memberof":
            member_of = tuple(_text(v).lower() for v in values)
    return DirectoryUser(
        dn=entry["dn"], directory_id=directory_id, login=login,
        name=_text(_first(entry, attrs["name"])) or login,
        email=_text(_first(entry, attrs.get("email"))),
        department_code=_text(_first(entry, attrs.get("department"))),
        disabled=bool(uac and uac.lstrip("-").isdigit() and int(uac) & AD_DISABLED),
        member_of=member_of,
    )


def find_user(conn: Connection, settings: DirectorySettings, login: str) -> DirectoryUser | None:
    """Search the user by login with the configured filter (the login is escaped); None unless exactly one."""
    search_filter = settings.user_filter.replace("{login}", escape_filter_chars(login.strip()))
    ok = conn.search(settings.user_base, search_filter, SUBTREE, attributes=_attribute_names(settings), size_limit=2)
    if not ok and conn.result.get("result") not in (0, 4):
        _raise_if_down(conn)
        return None
    entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    if len(entries) != 1:
        return None
    return to_user(entries[0], settings)


def _raise_if_down(conn: Connection) -> None:
    """Turn a lost connection into DirectoryUnavailable (other search errors mean 'not found')."""
    if conn.closed or conn.result.get("description") in ("unavailable", "busy", "timeLimitExceeded"):
        raise DirectoryUnavailable(UNAVAILABLE)


def all_users(conn: Connection, settings: DirectorySettings):
    """Every user entry the user filter matches (any login), paged."""
    search_filter = settings.user_filter.replace("{login}", "*")
    try:
        for entry in conn.extend.standard.paged_search(settings.user_base, search_filter, SUBTREE,
                                                       attributes=_attribute_names(settings), paged_size=500,
                                                       generator=True):
            if entry.get("type") == "searchResEntry":
                user = to_user(entry, settings)
                if user:
                    yield user
    except ldap_errors.LDAPException as exc:
        raise DirectoryUnavailable(UNAVAILABLE) from exc
    if conn.result and conn.result.get("result") not in (0, None):
        raise DirectoryUnavailable(f"ディレクトリの検索に失敗しました（{conn.result.get('description')}）")


def check_password(settings: DirectorySettings, dn: str, password: str) -> bool:
    """Bind as the user's DN: True when the directory accepts the password."""
    if not password:
        return False  # an empty password would be an unauthenticated bind that "succeeds"
    conn = _open(settings, dn, password)
    if conn is None:
        return False
    conn.unbind()
    return True


def _group_member_values(conn: Connection, dn: str) -> list[str] | None:
    """The member DNs of `dn` when it is a group, or None when it is not one."""
    if not conn.search(dn, GROUP_CLASSES, BASE, attributes=["member", "uniqueMember"]):
        _raise_if_down(conn)
        return None
    entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    if not entries:
        return None
    raw = entries[0].get("raw_attributes", {})
    return [_text(v) for v in [*raw.get("member", []), *raw.get("uniqueMember", [])]]


def _members_recursive(conn: Connection, group_dn: str, known_users: set[str] | None, seen: set[str]) -> set[str]:
    """Member DNs of a group, following groups inside groups (lower-cased; cycles are cut)."""
    seen.add(group_dn.lower())
    members: set[str] = set()
    for dn in _group_member_values(conn, group_dn) or []:
        low = dn.lower()
        if low in seen:
            continue
        if known_users is not None and low in known_users:
            members.add(low)
            continue
        if _group_member_values(conn, dn) is None:
            members.add(low)
        else:
            members |= _members_recursive(conn, dn, known_users, seen)
    return members


def group_members(conn: Connection, settings: DirectorySettings, group_dn: str, known_users: set[str] | None = None) -> set[str]:
    """Lower-cased DNs of the users in a group, nested groups included (AD rule or recursive lookup)."""
    if settings.nested == "ad":
        search_filter = f"(memberOf:{AD_IN_CHAIN}:={escape_filter_chars(group_dn)})"
        return {e["dn"].lower() for e in conn.extend.standard.paged_search(
            settings.user_base, search_filter, SUBTREE, attributes=["1.1"], paged_size=500, generator=True)
            if e.get("type") == "searchResEntry"}
    if settings.nested == "none":
        return {dn.lower() for dn in _group_member_values(conn, group_dn) or []}
    return _members_recursive(conn, group_dn, known_users, set())


def role_for(user: DirectoryUser, memberships: dict[str, set[str]]) -> str:
    """The strongest role whose group holds the user (directly via memberOf or through the expanded set)."""
    dn = user.dn.lower()
    for role in ROLE_ORDER:
        members = memberships.get(role)
        if members is None:
            continue
        if dn in members:
            return role
    return "requester"


def role_memberships(conn: Connection, settings: DirectorySettings, known_users: set[str] | None = None) -> dict[str, set[str]]:
    """For each configured role, the expanded set of member DNs (plus groups listed in memberOf)."""
    return {role: group_members(conn, settings, group_dn, known_users) for role, group_dn in settings.role_groups.items()}


def role_of(conn: Connection, settings: DirectorySettings, user: DirectoryUser) -> str:
    """The role of one user: memberOf first (cheap), then the groups' expanded members."""
    for role in ROLE_ORDER:
        group_dn = settings.role_groups.get(role)
        if group_dn and group_dn.lower() in user.member_of:
            return role
    memberships = role_memberships(conn, settings)
    return role_for(user, memberships)
