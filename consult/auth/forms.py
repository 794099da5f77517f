"""Login and password forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """ログインID and パスワード; remember-me is off unless ticked."""

    login = StringField("ログインID", validators=[DataRequired(message="ログインIDを入力してください"), Length(max=64)])
    password = PasswordField("パスワード", validators=[DataRequired(message="パスワードを入力してください"), Length(max=256)])
    remember = BooleanField("ログインしたままにする（共用パソコンでは使わないでください）", default=False)


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField("現在のパスワード", validators=[DataRequired(message="現在のパスワードを入力してください"), Length(max=256)])
    new = PasswordField(
        "新しいパスワード",
        validators=[DataRequired(message="新しいパスワードを入力してください"), Length(max=256, message="256文字以内にしてください")],
    )
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[DataRequired(message="確認のためもう一度入力してください"), EqualTo("new", message="確認用のパスワードが一致しません")],
    )
