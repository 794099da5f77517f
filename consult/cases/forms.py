"""Forms of the knowledge base: the case editor and the small action forms (shape only)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models import CASE_RESOLUTION_TYPES

DEPARTMENT_MODES = [
    ("generic", "部局名だけを表示（例：本庁 総務部）"),
    ("actual", "実際の所属名を表示"),
    ("custom", "自由に入力"),
]


def _int_or_none(value):
    """Coerce a select value to int, empty (or beyond a database integer, 1…2³¹−1) to None."""
    try:
        number = int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None
    return number if number is None or 0 < number < 2**31 else None


class CaseForm(FlaskForm):
    """Editing a case: Markdown texts, tools and tags, how the department is shown."""

    title = StringField("件名", validators=[DataRequired(message="件名を入力してください"), Length(max=200, message="件名は200文字以内で入力してください")])
    department_id = SelectField("所属（実際の所属）", coerce=_int_or_none, validate_choice=False)
    department_mode = RadioField("所属の表示方法", choices=DEPARTMENT_MODES, default="generic",
                                 validators=[DataRequired(message="所属の表示方法を選んでください")])
    department_custom = StringField("表示する所属名（自由入力）", validators=[Optional(), Length(max=100, message="100文字以内で入力してください")])
    category_id = SelectField("分類", coerce=_int_or_none, validate_choice=False)
    resolution_type = SelectField("解決方法の種類", choices=[("", "（未選択）")] + [(t, t) for t in CASE_RESOLUTION_TYPES],
                                  validators=[Optional()])
    hours_saved_per_year = IntegerField("年間の削減時間（時間）", validators=[Optional(), NumberRange(min=0, max=1_000_000, message="0以上の整数で入力してください")])
    problem = TextAreaField("困りごと", validators=[Optional(), Length(max=20000, message="20000文字以内で入力してください")])
    cause = TextAreaField("原因", validators=[Optional(), Length(max=20000, message="20000文字以内で入力してください")])
    solution = TextAreaField("解決策", validators=[Optional(), Length(max=20000, message="20000文字以内で入力してください")])
    effect = TextAreaField("効果", validators=[Optional(), Length(max=5000, message="5000文字以内で入力してください")])
    tools = StringField("使ったツール（カンマ区切り）", validators=[Optional(), Length(max=1000, message="1000文字以内で入力してください")],
                        render_kw={"list": "case-tools-list", "autocomplete": "off", "data-list-input": ""})
    tags = StringField("タグ（カンマ区切り）", validators=[Optional(), Length(max=1000, message="1000文字以内で入力してください")],
                       render_kw={"list": "case-tags-list", "autocomplete": "off", "data-list-input": ""})
    version = HiddenField()

    def set_choices(self, departments, categories) -> None:
        """Fill the department and category selects."""
        self.department_id.choices = [(None, "（なし）")] + [(d.id, d.full_name) for d in departments]
        self.category_id.choices = [(None, "（なし）")] + [(c.id, c.name) for c in categories]

    def data_for_service(self) -> dict:
        """The submitted values as the service expects them."""
        return {name: getattr(self, name).data for name in (
            "title", "department_id", "department_mode", "department_custom", "category_id", "resolution_type",
            "hours_saved_per_year", "problem", "cause", "solution", "effect", "tools", "tags")}

    def expected_version(self):
        """The version the form was made from (None when missing or not a number)."""
        return _int_or_none(self.version.data)


class ActionForm(FlaskForm):
    """A button form (publish, archive, helpful, from-ticket) carrying the version for locking."""

    version = HiddenField()

    def expected_version(self):
        """The version the page was made from (None when missing)."""
        return _int_or_none(self.version.data)
