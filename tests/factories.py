"""Test data factories that mirror the models: make_user(...), make_ticket(...), make_case(...)."""
import io
import itertools
import zipfile
from functools import cache

from models import Case, Category, Comment, Department, Ticket, User, db, utcnow

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def zip_bytes(entries: dict[str, bytes | str], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A ZIP archive with these members, the same bytes whenever it is built: every member has a fixed date (archives
    built at collection time are part of test ids, which every pytest-xdist process must collect alike)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 4, 1, 9, 0, 0)), data, compression)
    return buffer.getvalue()


@cache
def password_hash(password: str = PASSWORD) -> str:
    """Hash once per password: argon2 is deliberately slow."""
    from consult.auth.passwords import hash_password

    return hash_password(password)


def make_department(code=None, name=None, parent=None) -> Department:
    """A department (課 under an optional 部局)."""
    n = next(_seq)
    dept = Department(code=code or f"T{n:04d}", name=name or f"テスト課{n}", parent=parent)
    db.session.add(dept)
    db.session.commit()
    return dept


def make_category(name=None) -> Category:
    """A category."""
    cat = Category(name=name or f"分類{next(_seq)}")
    db.session.add(cat)
    db.session.commit()
    return cat


def make_user(login=None, role="requester", department=None, name=None, password=PASSWORD, **kw) -> User:
    """A user with a known password (default PASSWORD)."""
    n = next(_seq)
    if department is None and role == "requester":
        department = make_department()
    user = User(login=login or f"user{n}", name=name or f"利用者 {n}", role=role, department=department,
                email=kw.pop("email", f"user{n}@pref.example.jp"), password_hash=password_hash(password), **kw)
    db.session.add(user)
    db.session.commit()
    return user


def make_ticket(requester=None, status="new", **kw) -> Ticket:
    """A ticket with plausible Japanese content, numbered like the real ones."""
    from consult.tickets.numbering import next_number

    requester = requester or make_user()
    now = utcnow()
    fields = dict(
        title="Excelの集計作業に時間がかかる",
        purpose="各課の実績を取りまとめて部長に報告するため",
        current_process="各課から届くExcelファイルを手作業でコピーして貼り付けている",
        problem="毎月2日かかり、転記ミスもある",
        desired_state="集計が半日で終わり、ミスがなくなる",
        frequency="毎月",
        hours_per_month=16,
        urgency="medium",
        priority="normal",
        created_at=now,
        updated_at=now,
    )
    fields.update(kw)
    ticket = Ticket(number=next_number(), requester=requester, department_id=requester.department_id, status=status, **fields)
    db.session.add(ticket)
    db.session.commit()
    return ticket


def make_comment(ticket, author, body="確認しました。", internal=False) -> Comment:
    """A reply or an internal note."""
    comment = Comment(ticket=ticket, author=author, body=body, internal=internal)
    db.session.add(comment)
    db.session.commit()
    return comment


def make_case(ref=None, title="押印廃止の手順", status="published", **kw) -> Case:
    """A case; published by default."""
    n = next(_seq)
    fields = dict(
        department_label="本庁 総務部",
        problem="申請書に押印を求めていて、郵送のやり取りに時間がかかっていた",
        cause="押印の根拠が規程になく、慣習で続いていた",
        solution="規程を確認して押印欄を削除し、電子申請に切り替えた",
        effect="郵送が不要になり、受付から処理まで3日短くなった",
        tools=["LoGoフォーム"],
        tags=["押印廃止", "電子申請"],
        resolution_type="業務改善",
        hours_saved_per_year=120,
        published_at=utcnow() if status == "published" else None,
    )
    fields.update(kw)
    case = Case(ref=ref or f"T-{n:04d}", title=title, status=status, **fields)
    db.session.add(case)
    db.session.commit()
    return case
