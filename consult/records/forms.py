"""Forms of the 公文書 pages: the shape of input (rules live in the services)."""
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

YEAR_CHOICES = [("1", "1年"), ("3", "3年"), ("5", "5年"), ("10", "10年"), ("30", "30年"), ("permanent", "常用")]
ACTION_CHOICES = [("dispose", "廃棄"), ("transfer", "移管")]


class AsOfForm(FlaskForm):
    """The date of the 保存期間満了 list (GET, no CSRF)."""

    class Meta:
        csrf = False

    as_of = DateField("基準日", validators=[Optional()], format="%Y-%m-%d",
                      render_kw={"type": "date"})


class ProposeForm(FlaskForm):
    """Propose the checked records (their ids and versions come as 'ticket' values id:version)."""

    as_of = HiddenField("基準日", validators=[DataRequired(message="基準日がありません")])


class VersionForm(FlaskForm):
    """An action on one record at the version shown (approve, reject, confirm, release)."""

    version = IntegerField("版", validators=[InputRequired(message="画面を読み込み直してください")])


class ExtendForm(FlaskForm):
    """延長: years to add and the reason."""

    years = IntegerField("延長する年数", validators=[InputRequired(message="延長する年数を入力してください"),
                                                 NumberRange(min=1, max=30, message="1〜30年で入力してください")])
    reason = TextAreaField("延長の理由", validators=[DataRequired(message="延長の理由を入力してください"),
                                                Length(max=1000, message="1000文字以内にしてください")])
    version = HiddenField("版")


class HoldForm(FlaskForm):
    """保留: the reason (e.g. 開示請求中)."""

    reason = TextAreaField("保留の理由", validators=[DataRequired(message="保留の理由を入力してください（例：開示請求中）"),
                                                Length(max=1000, message="1000文字以内にしてください")])
    version = HiddenField("版")


class RuleForm(FlaskForm):
    """保存期間 and 満了時の措置 of one 分類."""

    category = HiddenField("分類")
    years = SelectField("保存期間", choices=YEAR_CHOICES)
    action = SelectField("満了時の措置", choices=ACTION_CHOICES)
    version = HiddenField("版")
