"""Bulk user import from CSV: the command and the upload under 管理; all lines checked, nothing stored on an error."""
import io

from models import AuditEvent, User, db
from tests.factories import make_department

GOOD = "login,name,email,所属コード,role\nyamada.h,山田 花子,yamada@pref.example.jp,JINJI,requester\ntakahashi,高橋 三郎,,,dx_staff\n"


def test_command_imports_and_updates(app, runner, tmp_path, users):
    """New users are created without a local password; a second run with changes updates them (audited)."""
    make_department(code="JINJI", name="人事課")
    make_department(code="DOBOKU", name="道路課")
    path = tmp_path / "users.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新規 2人" in result.output
    user = db.session.query(User).filter_by(login="yamada.h").one()
    assert (user.name, user.department.code, user.password_hash) == ("山田 花子", "JINJI", "")
    path.write_bytes(GOOD.replace("JINJI", "DOBOKU").encode("cp932"))  # Excel's Shift_JIS
    result = runner.invoke(args=["users", "import", str(path)])
    assert "新規 0人 / 変更 1人 / 変更なし 1人" in result.output
    db.session.refresh(user)
    assert user.department.code == "DOBOKU"
    assert db.session.query(AuditEvent).filter_by(action="user.updated").count() == 1


def test_one_bad_line_stores_nothing(app, runner, tmp_path, users):
    """Every line is checked first; the messages name the line numbers; no user is stored."""
    make_department(code="JINJI", name="人事課")
    bad = GOOD + "bad login!,名前,,JINJI,requester\nsuzuki,鈴木,not-a-mail,NOPE,boss\nyamada.h,二重,,JINJI,requester\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    before = db.session.query(User).count()
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0
    assert "4行目" in result.output and "5行目" in result.output and "6行目" in result.output
    assert "所属コード NOPE が登録されていません" in result.output and "2行目と重複" in result.output
    assert "何も登録していません" in result.output
    assert db.session.query(User).count() == before


def test_missing_header_and_file(runner, tmp_path, users):
    """A file without the right header, and a missing file, are one-line errors."""
    path = tmp_path / "noheader.csv"
    path.write_text("yamada,山田,,JINJI,requester\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0 and "見出し" in result.output
    result = runner.invoke(args=["users", "import", str(tmp_path / "none.csv")])
    assert result.exit_code != 0 and "見つかりません" in result.output


def test_upload_under_admin(client, auth, users):
    """The same import as an upload; errors come back as 422 with line numbers."""
    make_department(code="JINJI", name="人事課")
    auth.login("admin")
    assert client.get("/admin/users/import").status_code == 200
    bad = client.post("/admin/users/import", data={"file": (io.BytesIO((GOOD + "x,,,,\n").encode()), "u.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "4行目" in bad.get_data(as_text=True)
    assert db.session.query(User).filter_by(login="yamada.h").count() == 0
    none = client.post("/admin/users/import", data={}, content_type="multipart/form-data")
    assert none.status_code == 422
    ok = client.post("/admin/users/import", data={"file": (io.BytesIO(GOOD.encode()), "u.csv")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    assert db.session.query(User).filter_by(login="yamada.h").count() == 1
    assert client.get("/admin/users/import").status_code == 200


def test_upload_needs_admin(client, auth, users):
    """Requesters and staff get 403."""
    auth.login("dx")
    assert client.get("/admin/users/import").status_code == 403
