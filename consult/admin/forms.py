"""Admin forms: the shape of input (rules live in service.py)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from models import ROLE_LABELS

ROLE_CHOICES = list(ROLE_LABELS.items())


def _int_or_none(value):
    """Coerce a select value to int; empty means None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _email_field():
    """メールアドレス (optional)."""
    return StringField("メールアドレス", validators=[
        Optional(), Length(max=254, message="254文字以内にしてください"),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="メールアドレスの形式が正しくありません（例: taro@pref.example.jp）"),
    ])


def _name_field(label="氏名"):
    """A required name of at most 100 characters."""
    return StringField(label, validators=[DataRequired(message=f"{label}を入力してください"),
                                          Length(max=100, message="100文字以内にしてください")])


class UserFilterForm(Form):
    """Filters of the user list (GET, no CSRF)."""

    q = StringField("ログインID・氏名・メール", validators=[Optional(), Length(max=100, message="100文字以内にしてください")])
    role = SelectField("役割", choices=[("", "すべて"), *ROLE_CHOICES], default="")
    department = SelectField("所属", coerce=_int_or_none, default=None)
    active = SelectField("状態", choices=[("", "すべて"), ("1", "有効"), ("0", "無効")], default="")


class UserCreateForm(FlaskForm):
    """New user."""

    login = StringField("ログインID", validators=[
        DataRequired(message="ログインIDを入力してください"),
        Regexp(r"^[A-Za-z0-9._-]{2,64}$", message="英数字と . _ - の2〜64文字にしてください"),
    ])
    name = _name_field()
    email = _email_field()
    department = SelectField("所属", coerce=_int_or_none)
    role = SelectField("役割", choices=ROLE_CHOICES, default="requester")
    password = PasswordField("初期パスワード", validators=[
        DataRequired(message="初期パスワードを入力してください"), Length(max=256, message="256文字以内にしてください"),
    ])
    confirm = PasswordField("初期パスワード（確認）", validators=[
        DataRequired(message="確認のためもう一度入力してください"), EqualTo("password", message="確認用のパスワードが一致しません"),
    ])
    must_change_password = BooleanField("次回ログイン時にパスワード変更を求める", default=True)


class UserEditForm(FlaskForm):
    """Change a user (no deletion: deactivate instead)."""

    name = _name_field()
    email = _email_field()
    department = SelectField("所属", coerce=_int_or_none)
    role = SelectField("役割", choices=ROLE_CHOICES)
    active = BooleanField("有効（チェックを外すとログインできなくなります）")


class ForcePasswordForm(FlaskForm):
    """Require a password change; optionally set a temporary password."""

    temporary_password = PasswordField("仮パスワード（任意）", validators=[
        Optional(), Length(max=256, message="256文字以内にしてください"),
    ])
    confirm = PasswordField("仮パスワード（確認）", validators=[
        EqualTo("temporary_password", message="確認用のパスワードが一致しません"),
    ])


class ActionForm(FlaskForm):
    """A button-only POST form (CSRF token only)."""


class DepartmentCreateForm(FlaskForm):
    """New 部局 or 課."""

    code = StringField("所属コード", validators=[
        DataRequired(message="所属コードを入力してください"),
        Regexp(r"^[A-Za-z0-9_-]{1,32}$", message="英数字・-・_ の32文字以内にしてください"),
    ])
    name = _name_field("所属名")
    parent = SelectField("親の部局", coerce=_int_or_none)


class DepartmentEditForm(FlaskForm):
    """Rename or deactivate a department."""

    name = _name_field("所属名")
    active = BooleanField("有効")


class CategoryCreateForm(FlaskForm):
    """New category."""

    name = _name_field("分類名")


class CategoryEditForm(FlaskForm):
    """Rename or deactivate a category."""

    name = _name_field("分類名")
    active = BooleanField("有効（無効にすると新しい相談では選べなくなります）")
