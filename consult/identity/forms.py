"""Forms of the identity admin pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class JapaneseDateField(DateField):
    """A date (YYYY-MM-DD) whose parse error is in Japanese."""

    def process_formdata(self, valuelist):
        """Parse the date; a bad value gets a Japanese message."""
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("日付は 2027-04-01 の形で入力してください") from exc


def _id_or_none(value):
    """A select value as an id (None when empty or not a number)."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class ResetSecondFactorForm(FlaskForm):
    """Reset a user's second factor, with the reason."""

    reason = TextAreaField("理由", validators=[DataRequired(message="理由を入力してください"), Length(max=200, message="200文字以内にしてください")])


class ImportForm(FlaskForm):
    """A CSV file of users."""

    file = FileField("CSVファイル")


class OrgChangeForm(FlaskForm):
    """Schedule one 組織改正 step."""

    kind = SelectField("種類", validate_choice=False, choices=[("rename", "名称変更"), ("move", "部局の移管（課を別の部局の下へ）"), ("merge", "統合（課を別の課へ）")])
    department = SelectField("対象の所属", coerce=_id_or_none, validate_choice=False,
                             validators=[DataRequired(message="対象の所属を選んでください")])
    new_name = StringField("新しい名称（名称変更）", validators=[Optional(), Length(max=100, message="100文字以内にしてください")])
    new_parent = SelectField("移管先の部局（部局の移管）", coerce=_id_or_none, validate_choice=False)
    target = SelectField("統合先の課（統合）", coerce=_id_or_none, validate_choice=False)
    effective_on = JapaneseDateField("実施日", validators=[DataRequired(message="実施日を入力してください（例: 2027-04-01）")])
    note = StringField("メモ", validators=[Optional(), Length(max=200, message="200文字以内にしてください")])
