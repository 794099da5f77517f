"""Forms of the DX-staff side: shape of the input only; the service checks the rules."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models import PRIORITY_LABELS, RESOLUTION_TYPES


def _optional_int(value):
    """Coerce a select value to int, '' to None."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: WTForms reports 「選択肢にない値です」


class VersionedForm(FlaskForm):
    """Every ticket form carries the version the user saw (optimistic locking)."""

    version = HiddenField(validators=[InputRequired(message="画面を読み込み直してください")])

    def posted_version(self) -> int | None:
        """The version as an int, or None when missing/garbled."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class TriageForm(VersionedForm):
    """分類 and 優先度."""

    category = SelectField("分類", coerce=_optional_int, validate_choice=True)
    priority = SelectField("優先度", choices=list(PRIORITY_LABELS.items()),
                           validators=[DataRequired(message="優先度を選んでください")])


class AssignForm(VersionedForm):
    """主担当 and 副担当."""

    main = SelectField("主担当", coerce=_optional_int, validators=[DataRequired(message="主担当を選んでください")])
    backup = SelectField("副担当", coerce=_optional_int)


class ChoiceField(SelectField):
    """A select whose 'not a choice' message is Japanese."""

    def pre_validate(self, form):
        """Refuse values that are not in the list, in Japanese."""
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("一覧から選んでください（画面を読み込み直すと最新の選択肢になります）") from None


class UpdateForm(VersionedForm):
    """The side panel's one 「更新」 form: 分類, 優先度, 主担当・副担当, 状態."""

    category = ChoiceField("分類", coerce=_optional_int, validate_choice=True)
    priority = ChoiceField("優先度", choices=list(PRIORITY_LABELS.items()),
                           validators=[DataRequired(message="優先度を選んでください")])
    main = ChoiceField("主担当", coerce=_optional_int, validate_choice=True)
    backup = ChoiceField("副担当", coerce=_optional_int, validate_choice=True)
    status = ChoiceField("状態", validators=[DataRequired(message="状態を選んでください")])


class SelfAssignForm(VersionedForm):
    """One click 「自分が担当」."""


class StatusForm(VersionedForm):
    """Change the status to one of the allowed targets."""

    status = SelectField("状態", validators=[DataRequired(message="変更後の状態を選んでください")])


class ResolveForm(VersionedForm):
    """解決: the resolution fields are required."""

    root_cause = TextAreaField("原因", validators=[DataRequired(message="原因を入力してください"), Length(max=4000)])
    resolution_type = SelectField(
        "解決方法の種類",
        choices=[("", "選んでください")] + [(t, t) for t in RESOLUTION_TYPES],
        validators=[DataRequired(message="解決方法の種類を選んでください")],
    )
    resolution_summary = TextAreaField("解決内容", validators=[DataRequired(message="解決内容を入力してください"),
                                                          Length(max=8000)])
    hours_saved_per_year = IntegerField(
        "年間削減時間（時間）",
        validators=[Optional(), NumberRange(min=0, max=1_000_000, message="0以上の整数で入力してください")],
    )

    def validate_hours_saved_per_year(self, field):
        """Japanese message for a value that is not an integer."""
        if field.raw_data and field.raw_data[0].strip() and field.data is None:
            field.errors[:] = ["0以上の整数で入力してください"]


class NoteForm(VersionedForm):
    """A public reply to the requester or an internal note."""

    kind = RadioField("種類", choices=[("internal", "内部メモ（依頼者には表示されません）"),
                                      ("public", "公開の返信（依頼者に通知されます）")],
                      default="internal", validators=[DataRequired(message="種類を選んでください")])
    body = TextAreaField("本文", validators=[DataRequired(message="本文を入力してください"), Length(max=20000)])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SkillsForm(FlaskForm):
    """The categories the current staff member is strong in."""

    categories = MultiCheckboxField("得意な分類", coerce=int, validate_choice=True)
