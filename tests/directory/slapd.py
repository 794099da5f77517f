"""A real Debian slapd for tests: its own config and data in a temporary directory, a free 127.0.0.1 port,
loaded with an LDIF of Japanese names and nested OUs; stopped (by its own pid) afterwards."""
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SUFFIX = "dc=pref,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret-42"
SERVICE_DN = f"cn=consult-svc,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "svc-secret-42"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
USER_PASSWORD = "ldap-pass-2026"

# userAccountControl as in Active Directory (bit 2 = disabled), on an auxiliary class for OpenLDAP tests.
TEST_SCHEMA = """
attributetype ( 1.3.6.1.4.1.55555.18.1.1 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.18.2.1 NAME 'consultTestAccount' SUP top AUXILIARY MAY ( userAccountControl ) )
"""

SLAPD_CONF = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include {dir}/test.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
{tls}
sizelimit unlimited
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_password}
directory {dir}/data
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
"""


def person(uid, cn, sn, dept, ou, mail=None, extra=""):
    """LDIF of one inetOrgPerson (UTF-8 Japanese names allowed)."""
    return (
        f"dn: uid={uid},{ou}\nobjectClass: inetOrgPerson\nobjectClass: consultTestAccount\nuid: {uid}\n"
        f"cn: {cn}\nsn: {sn}\nmail: {mail or uid + '@pref.example.jp'}\ndepartmentNumber: {dept}\n"
        f"userPassword: {USER_PASSWORD}\n{extra}\n"
    )


def base_ldif() -> str:
    """The directory of the tests: nested OUs (部局 → 課), Japanese names, nested groups."""
    somu = f"ou=somu,{PEOPLE}"
    jinji = f"ou=jinji,{somu}"
    doboku = f"ou=doboku,{PEOPLE}"
    dxsuishin = f"ou=dx,{somu}"
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: pref\no: 架空県\n",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: consult-svc\nsn: svc\n"
        f"userPassword: {SERVICE_PASSWORD}\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {somu}\nobjectClass: organizationalUnit\nou: somu\ndescription: 総務部\n",
        f"dn: {jinji}\nobjectClass: organizationalUnit\nou: jinji\ndescription: 人事課\n",
        f"dn: {dxsuishin}\nobjectClass: organizationalUnit\nou: dx\ndescription: DX推進課\n",
        f"dn: {doboku}\nobjectClass: organizationalUnit\nou: doboku\ndescription: 土木部\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        person("yamada", "山田 花子", "山田", "JINJI", jinji),
        person("sato", "佐藤 一郎", "佐藤", "JINJI", jinji),
        person("suzuki", "鈴木 次郎", "鈴木", "DOBOKU", doboku),
        person("takahashi", "高橋 三郎", "高橋", "DX", dxsuishin),
        person("tanaka", "田中 四郎", "田中", "DX", dxsuishin),
        person("kanri", "管理 五郎", "管理", "DX", dxsuishin),
        person("nakamura", "中村 六子", "中村", "KOWAN", doboku),
        f"dn: cn=dx-core,{GROUPS}\nobjectClass: groupOfNames\ncn: dx-core\nmember: uid=tanaka,{dxsuishin}\n",
        f"dn: cn=dx-staff,{GROUPS}\nobjectClass: groupOfNames\ncn: dx-staff\nmember: uid=takahashi,{dxsuishin}\n"
        f"member: cn=dx-core,{GROUPS}\n",
        f"dn: cn=consult-admins,{GROUPS}\nobjectClass: groupOfNames\ncn: consult-admins\nmember: uid=kanri,{dxsuishin}\n",
    ]
    return "\n".join(parts)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (StartTLS tests)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    os.chmod(key, 0o644)
    return cert, key


class Slapd:
    """One running slapd with helpers to change the directory (ldapmodify / ldapmodrdn)."""

    def __init__(self, directory: Path, tls: bool = False):
        self.dir = directory
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.cert = None
        (directory / "data").mkdir(parents=True)
        (directory / "test.schema").write_text(TEST_SCHEMA)
        tls_conf = ""
        if tls:
            self.cert, key = make_certificate(directory)
            tls_conf = f"TLSCertificateFile {self.cert}\nTLSCertificateKeyFile {key}\n"
        (directory / "slapd.conf").write_text(SLAPD_CONF.format(
            dir=directory, tls=tls_conf, suffix=SUFFIX, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD))
        (directory / "base.ldif").write_text(base_ldif(), encoding="utf-8")
        subprocess.run(["slapadd", "-f", str(directory / "slapd.conf"), "-l", str(directory / "base.ldif")],
                       check=True, capture_output=True)
        self.process = None

    def start(self) -> "Slapd":
        """Start slapd in the foreground (-d 0) on our port and wait until it answers."""
        with open(self.dir / "slapd.log", "wb") as log:
            self.process = subprocess.Popen(
                ["slapd", "-d", "0", "-f", str(self.dir / "slapd.conf"), "-h", self.url],
                stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("slapd exited: " + (self.dir / "slapd.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start")

    def stop(self) -> None:
        """Stop our slapd (only the process we started)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def modify(self, ldif: str) -> None:
        """Apply an LDIF change with ldapmodify as the directory admin."""
        subprocess.run(["ldapmodify", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
                       input=ldif.encode("utf-8"), check=True, capture_output=True)

    def add(self, ldif: str) -> None:
        """Add entries with ldapmodify -a."""
        subprocess.run(["ldapmodify", "-a", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
                       input=ldif.encode("utf-8"), check=True, capture_output=True)

    def modrdn(self, dn: str, new_rdn: str) -> None:
        """Rename an entry with ldapmodrdn (the old RDN value is removed)."""
        subprocess.run(["ldapmodrdn", "-x", "-r", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, dn, new_rdn],
                       check=True, capture_output=True)

    def delete(self, dn: str) -> None:
        """Delete an entry with ldapdelete."""
        subprocess.run(["ldapdelete", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, dn],
                       check=True, capture_output=True)

    def settings(self, **overrides) -> dict:
        """App config pointing at this directory."""
        config = {
            "CONSULT_LDAP_URL": self.url,
            "CONSULT_LDAP_BIND_DN": SERVICE_DN,
            "CONSULT_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "CONSULT_LDAP_USER_BASE": PEOPLE,
            "CONSULT_LDAP_ROLE_GROUPS": f"dx_staff=cn=dx-staff,{GROUPS};admin=cn=consult-admins,{GROUPS}",
            "CONSULT_LDAP_TIMEOUT": 3,
            "CONSULT_LDAP_ATTRS": "login=uid,name=cn,email=mail,department=departmentNumber,id=entryUUID",
        }
        config.update(overrides)
        return config


def available() -> bool:
    """Whether slapd and the ldap-utils are installed."""
    return all(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}") for tool in ("slapd", "slapadd", "ldapmodify"))


def dn_of(uid: str) -> str:
    """The DN of a test person."""
    ous = {"yamada": "ou=jinji,ou=somu", "sato": "ou=jinji,ou=somu", "suzuki": "ou=doboku", "nakamura": "ou=doboku",
           "takahashi": "ou=dx,ou=somu", "tanaka": "ou=dx,ou=somu", "kanri": "ou=dx,ou=somu"}
    return f"uid={uid},{ous[uid]},{PEOPLE}"
