"""The stable CLI: departments add, users create | set-role | deactivate."""
from sqlalchemy import select

from models import Department, User, db
from tests.factories import make_department


def test_departments_add_with_parent(runner):
    """A 課 is added under its 部局."""
    assert runner.invoke(args=["departments", "add", "B01", "厚生部"]).exit_code == 0
    result = runner.invoke(args=["departments", "add", "B0101", "健康課", "--parent", "B01"])
    assert result.exit_code == 0, result.output
    dept = db.session.scalar(select(Department).where(Department.code == "B0101"))
    assert dept.full_name == "厚生部 健康課"


def test_departments_add_existing_code_fails(runner):
    """An existing CODE is an error with one clear line."""
    make_department(code="X1")
    result = runner.invoke(args=["departments", "add", "X1", "重複課"])
    assert result.exit_code != 0
    assert "すでに登録されています" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_departments_add_unknown_parent(runner):
    """An unknown parent is an error."""
    result = runner.invoke(args=["departments", "add", "X2", "孤児課", "--parent", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output


def test_users_create_reads_password_from_stdin(runner, client):
    """The first stdin line is the password; the user can then log in."""
    make_department(code="H1")
    result = runner.invoke(
        args=["users", "create", "hanako", "--name", "山田 花子", "--role", "requester", "--department", "H1",
              "--email", "hanako@pref.example.jp", "--password-stdin"],
        input="a-long-password-1\nignored\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.login == "hanako"))
    assert user.department.code == "H1" and user.email == "hanako@pref.example.jp"
    assert client.post("/login", data={"login": "hanako", "password": "a-long-password-1"}).status_code == 302


def test_users_create_errors(runner):
    """Bad role, unknown department, weak password, duplicate login: one line and a non-zero exit."""
    make_department(code="H1")
    cases = [
        (["users", "create", "a1", "--name", "A", "--role", "boss", "--password-stdin"], "役割"),
        (["users", "create", "a2", "--name", "A", "--role", "requester", "--department", "ZZ", "--password-stdin"], "ZZ"),
        (["users", "create", "a3", "--name", "A", "--role", "dx_staff", "--password-stdin"], "10文字以上"),
        (["users", "create", "a4", "--name", "A", "--role", "unknown-opt", "--bogus", "--password-stdin"], "bogus"),
    ]
    for args, needle in cases:
        result = runner.invoke(args=args, input="short\n" if "a3" in args else "long-enough-pass\n")
        assert result.exit_code != 0, args
        assert needle in result.output, (args, result.output)
    runner.invoke(args=["users", "create", "dup", "--name", "A", "--role", "dx_staff", "--password-stdin"], input="long-enough-pass\n")
    dup = runner.invoke(args=["users", "create", "DUP", "--name", "B", "--role", "dx_staff", "--password-stdin"], input="long-enough-pass\n")
    assert dup.exit_code != 0 and "すでに使われています" in dup.output


def test_set_role_and_deactivate(runner):
    """Roles change and users are deactivated, never deleted."""
    runner.invoke(args=["users", "create", "taro", "--name", "太郎", "--role", "dx_staff", "--password-stdin"], input="long-enough-pass\n")
    assert runner.invoke(args=["users", "set-role", "taro", "admin"]).exit_code == 0
    assert runner.invoke(args=["users", "set-role", "taro", "king"]).exit_code != 0
    assert runner.invoke(args=["users", "deactivate", "taro"]).exit_code == 0
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code != 0
    user = db.session.scalar(select(User).where(User.login == "taro"))
    assert user.role == "admin" and user.active is False
