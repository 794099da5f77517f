"""Bulk accounts from CSV (login, name, email, 所属コード, role): every line is checked first; one bad line stores nothing."""
import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.accounts import EMAIL_RE, LOGIN_RE
from consult.audit import apply_changes, record
from consult.errors import DomainError
from models import ROLE_LABELS, ROLES, Department, User, db

COLUMNS = {"login": "login", "ログインid": "login", "name": "name", "氏名": "name", "email": "email",
           "メールアドレス": "email", "所属コード": "department", "department": "department", "role": "role", "役割": "role"}
ROLE_NAMES = {**{r: r for r in ROLES}, **{label: role for role, label in ROLE_LABELS.items()}}
MAX_ERRORS = 50
MAX_LINES = 20000


class ImportError_(DomainError):
    """The file cannot be imported; `problems` lists every bad line."""

    status = 422

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ImportResult:
    """What the import did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        """One Japanese line."""
        return f"新規 {len(self.created)}人 / 変更 {len(self.updated)}人 / 変更なし {self.unchanged}人"


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS as Excel saves it."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_("文字コードを判別できません。UTF-8 または Shift_JIS のCSVにしてください")


def _header(row: list[str]) -> dict[str, int]:
    """Column positions by field, from the header line."""
    positions = {}
    for index, name in enumerate(row):
        key = COLUMNS.get(name.strip().lower())
        if key:
            positions[key] = index
    missing = [k for k in ("login", "name", "email", "department", "role") if k not in positions]
    if missing:
        names = {"login": "login", "name": "name", "email": "email", "department": "所属コード", "role": "role"}
        raise ImportError_("1行目（見出し）に列 " + "、".join(names[m] for m in missing)
                           + " がありません。見出しは login,name,email,所属コード,role にしてください")
    return positions


def parse(text: str) -> list[dict]:
    """Read and check every line; raise ImportError_ listing each bad line (nothing is stored)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportError_("ファイルが空です")
    if len(rows) > MAX_LINES + 1:
        raise ImportError_(f"一度に取り込めるのは{MAX_LINES}行までです")
    positions = _header(rows[0])
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    problems, records, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        login, name, email, code, role_text = (
            row[positions[key]].strip() if positions[key] < len(row) else "" for key in ("login", "name", "email", "department", "role"))
        role = ROLE_NAMES.get(role_text or "requester")
        line = []
        if not LOGIN_RE.fullmatch(login):
            line.append(f"ログインID {login!r} は英数字と . _ - の2〜64文字にしてください")
        elif login.lower() in seen:
            line.append(f"ログインID {login} が{seen[login.lower()]}行目と重複しています")
        if not name or len(name) > 100:
            line.append("氏名は1〜100文字にしてください")
        if email and (len(email) > 254 or not EMAIL_RE.fullmatch(email)):
            line.append(f"メールアドレス {email} の形式が正しくありません")
        if role is None:
            line.append(f"役割 {role_text!r} は使えません（requester, dx_staff, admin）")
        if code and code not in departments:
            line.append(f"所属コード {code} が登録されていません")
        elif not code and role == "requester":
            line.append("所属職員（requester）には所属コードが必要です")
        if line:
            problems.append(f"{number}行目: " + "。".join(line))
        else:
            seen[login.lower()] = number
            records.append({"line": number, "login": login, "name": name, "email": email or None,
                            "department": departments.get(code), "role": role})
    if problems:
        shown = problems[:MAX_ERRORS]
        more = f"（ほか{len(problems) - MAX_ERRORS}行）" if len(problems) > MAX_ERRORS else ""
        raise ImportError_(f"{len(problems)}行に誤りがあるため、何も登録していません{more}", shown)
    if not records:
        raise ImportError_("取り込む行がありません（見出しの次の行から書いてください）")
    return records


def import_users(data: bytes, actor=None) -> ImportResult:
    """Create or update the users of a CSV file in one transaction; nothing when any line is wrong."""
    records = parse(decode(data))
    existing = {u.login.lower(): u for u in db.session.scalars(
        select(User).where(func.lower(User.login).in_([r["login"].lower() for r in records])))}
    result = ImportResult()
    for rec in records:
        user = existing.get(rec["login"].lower())
        if user is None:
            user = User(login=rec["login"], name=rec["name"], email=rec["email"], department=rec["department"],
                        role=rec["role"], password_hash="")
            db.session.add(user)
            db.session.flush()
            record("user.created", "user", user.id, actor=actor, after={
                "login": user.login, "role": user.role, "department": getattr(rec["department"], "code", None), "source": "import"})
            result.created.append(user.login)
            continue
        changed = apply_changes(user, {"name": rec["name"], "email": rec["email"], "department_id": getattr(rec["department"], "id", None),
                                       "role": rec["role"]}, "user.updated", "user", actor=actor)
        if changed:
            result.updated.append(user.login)
        else:
            result.unchanged += 1
    db.session.commit()
    return result
