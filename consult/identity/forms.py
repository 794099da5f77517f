"""Forms of the identity admin pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ResetSecondFactorForm(FlaskForm):
    """Reset a user's second factor, with the reason."""

    reason = TextAreaField("理由", validators=[DataRequired(message="理由を入力してください"), Length(max=200, message="200文字以内にしてください")])


class ImportForm(FlaskForm):
    """A CSV file of users."""

    file = FileField("CSVファイル")


class OrgChangeForm(FlaskForm):
    """Schedule one 組織改正 step."""

    kind = SelectField("種類", choices=[("rename", "名称変更"), ("move", "部局の移管（課を別の部局の下へ）"), ("merge", "統合（課を別の課へ）")])
    department = SelectField("対象の所属", coerce=int, validators=[DataRequired(message="対象の所属を選んでください")])
    new_name = StringField("新しい名称（名称変更）", validators=[Optional(), Length(max=100)])
    new_parent = SelectField("移管先の部局（部局の移管）", coerce=lambda v: int(v) if v else None, validate_choice=False)
    target = SelectField("統合先の課（統合）", coerce=lambda v: int(v) if v else None, validate_choice=False)
    effective_on = DateField("実施日", validators=[DataRequired(message="実施日を入力してください（例: 2027-04-01）")])
    note = StringField("メモ", validators=[Optional(), Length(max=200)])
