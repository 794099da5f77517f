"""Forms of the requester side: intake 相談する, reply, status actions, list filters."""
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from models import STATUS_LABELS, URGENCY_LABELS

FREQUENCIES = ("毎日", "毎週", "毎月", "年数回", "随時")
FREQUENCY_OTHER = "その他"
TEXT_MAX = 4000


def _length(maximum: int) -> Length:
    """Length validator with a Japanese message."""
    return Length(max=maximum, message=f"{maximum}文字以内で入力してください")


def parse_hours(raw: str | None) -> Decimal | None:
    """Hours per month typed by the user ('１２．５' and '12.5時間' are fine); None if blank; ValueError if not a number."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "")
    for suffix in ("時間", "h", "H"):
        text = text.removesuffix(suffix).strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


class IntakeForm(FlaskForm):
    """相談する: purpose first, then how it is done today, the trouble and the goal."""

    title = StringField("件名", validators=[DataRequired(message="件名を入力してください"), _length(200)])
    purpose = TextAreaField(
        "業務の目的", validators=[DataRequired(message="業務の目的を入力してください"), _length(TEXT_MAX)]
    )
    current_process = TextAreaField(
        "現在のやり方", validators=[DataRequired(message="現在のやり方を入力してください"), _length(TEXT_MAX)]
    )
    problem = TextAreaField("困っていること", validators=[DataRequired(message="困っていることを入力してください"), _length(TEXT_MAX)])
    desired_state = TextAreaField("目指したい状態", validators=[Optional(), _length(TEXT_MAX)])
    frequency = SelectField(
        "頻度",
        choices=[("", "選択してください")] + [(f, f) for f in FREQUENCIES] + [(FREQUENCY_OTHER, "その他（下に入力）")],
        validate_choice=False,
        validators=[DataRequired(message="頻度を選択してください")],
    )
    frequency_other = StringField("頻度（その他）", validators=[_length(80)])
    hours_per_month = StringField("月あたりの作業時間（時間）", validators=[Optional(), _length(20)], render_kw={"inputmode": "decimal"})
    urgency = RadioField(
        "緊急度",
        choices=list(URGENCY_LABELS.items()),
        default="medium",
        validate_choice=False,
        validators=[InputRequired(message="緊急度を選択してください")],
    )
    desired_timing = StringField("希望時期", validators=[Optional(), _length(100)])
    contains_personal_info = RadioField(
        "個人情報を含むか",
        choices=[("yes", "含む"), ("no", "含まない")],
        validate_choice=False,
        validators=[InputRequired(message="個人情報を含むかどうかを選択してください")],
    )
    category = SelectField("分類", choices=[("", "わからない・選ばない")], validate_choice=False)
    attachments = MultipleFileField("添付ファイル")
    intake_token = HiddenField()

    def validate_frequency(self, field):
        """A listed frequency, or その他 with the free text filled in."""
        if field.data not in FREQUENCIES and field.data != FREQUENCY_OTHER:
            raise ValidationError("頻度を一覧から選択してください")

    def validate_frequency_other(self, field):
        """Required when その他 is chosen."""
        if self.frequency.data == FREQUENCY_OTHER and not (field.data or "").strip():
            raise ValidationError("「その他」を選んだときは頻度を入力してください（例：四半期ごと）")

    def validate_hours_per_month(self, field):
        """A number between 0 and 744 (the hours of a month), one decimal place at most."""
        try:
            value = parse_hours(field.data)
        except ValueError:
            raise ValidationError("数字で入力してください（例：12 または 2.5）") from None
        if value is not None and not (0 <= value <= 744):
            raise ValidationError("0から744までの数字で入力してください")
        if value is not None and value != value.quantize(Decimal("0.1")):
            raise ValidationError("小数点以下は1桁までにしてください")

    def validate_urgency(self, field):
        """One of 低/中/高."""
        if field.data not in URGENCY_LABELS:
            raise ValidationError("緊急度を選択してください")

    def validate_contains_personal_info(self, field):
        """はい or いいえ."""
        if field.data not in ("yes", "no"):
            raise ValidationError("個人情報を含むかどうかを選択してください")

    def validate_category(self, field):
        """Blank (わからない) or one of the offered categories."""
        offered = {value for value, _label in self.category.choices}
        if (field.data or "") not in offered:
            raise ValidationError("分類を一覧から選択してください")

    def validate_intake_token(self, field):
        """The hidden token is random and short; anything else is refused."""
        if field.data and (len(field.data) > 64 or not field.data.replace("-", "").replace("_", "").isalnum()):
            raise ValidationError("画面を読み込み直してください")


class ReplyForm(FlaskForm):
    """A reply on the ticket page, with attachments."""

    body = TextAreaField("返信", validators=[DataRequired(message="返信の内容を入力してください"), _length(10000)])
    attachments = MultipleFileField("添付ファイル")


class StatusActionForm(FlaskForm):
    """取下げ / 完了 / 再開: the version seen on the page, and an optional reason."""

    version = HiddenField()
    reason = TextAreaField("理由（任意）", validators=[Optional(), _length(2000)])


SCOPES = {"dept": "所属の相談", "mine": "自分の相談"}
STATUS_FILTERS = {"": "すべて", "open": "対応中のもの（未完了）"} | STATUS_LABELS


class ListFilterForm(FlaskForm):
    """Filters of 自分の相談 (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField("状況", choices=list(STATUS_FILTERS.items()), validate_choice=False)
    scope = SelectField("範囲", choices=list(SCOPES.items()), validate_choice=False)
    q = StringField("キーワード", validators=[Optional(), _length(100)])
