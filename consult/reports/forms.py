"""Forms of the reports area: the period selector (GET) and the export options."""
from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from consult.identity.structure import STRUCTURES

from .periods import PERIOD_CHOICES

MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2099, 12, 31)
MAX_SPAN_DAYS = 366 * 10
_DATE_RE = re.compile(r"^\s*(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?\s*$")


def parse_date(text: str | None) -> date | None:
    """Parse 2026-04-01, 2026/4/1 or 2026年4月1日; None when empty or invalid."""
    m = _DATE_RE.match(text or "")
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


class PeriodForm(FlaskForm):
    """Which period the dashboard shows; read from the query string (no CSRF: GET, read-only)."""

    class Meta:
        csrf = False

    period = SelectField("期間", choices=PERIOD_CHOICES, default="fy", validate_choice=False)
    start = StringField("開始日", widget=DateInput())
    end = StringField("終了日", widget=DateInput())
    structure = SelectField("所属の区分", choices=STRUCTURES, default="then", validate_choice=False)
    shown_start = HiddenField()  # the dates the page showed: different ones were typed by the user
    shown_end = HiddenField()

    def switch_to_typed_dates(self) -> bool:
        """Typed dates mean 「期間を指定」: switch when start/end differ from the dates the page showed."""
        if self.period.data == "custom":
            return False
        typed = [(f.data or "").strip() for f in (self.start, self.end)]
        shown = [(f.data or "").strip() for f in (self.shown_start, self.shown_end)]
        if any(typed) and typed != shown:
            self.period.data = "custom"
            return True
        return False

    def _check(self, field, other_empty_message: str) -> None:
        """A custom bound must be present, a real date, within 2000–2099."""
        if self.period.data != "custom":
            return
        if not (field.data or "").strip():
            raise ValidationError(other_empty_message)
        value = parse_date(field.data)
        if value is None:
            raise ValidationError("日付は 2026-04-01 の形で、実在する日付を入力してください")
        if not MIN_DATE <= value <= MAX_DATE:
            raise ValidationError("2000年1月1日から2099年12月31日までの日付を入力してください")

    def validate_period(self, field) -> None:
        """Only the listed periods."""
        if field.data not in dict(PERIOD_CHOICES):
            raise ValidationError("期間は一覧から選んでください")

    def validate_start(self, field) -> None:
        """Start date required and valid for a custom range."""
        self._check(field, "期間を指定するときは開始日を入力してください")

    def validate_end(self, field) -> None:
        """End date required, valid, not before the start, and the range at most 10 years."""
        self._check(field, "期間を指定するときは終了日を入力してください")
        start, end = parse_date(self.start.data), parse_date(field.data)
        if self.period.data == "custom" and start and end:
            if end < start:
                raise ValidationError("終了日は開始日と同じ日かそれより後にしてください")
            if (end - start).days > MAX_SPAN_DAYS:
                raise ValidationError("期間は10年以内で指定してください")

    @property
    def start_date(self) -> date | None:
        """The parsed start date (custom range)."""
        return parse_date(self.start.data)

    @property
    def end_date(self) -> date | None:
        """The parsed end date (custom range)."""
        return parse_date(self.end.data)


class ExportOptionsForm(FlaskForm):
    """Options of a ticket export (query string)."""

    class Meta:
        csrf = False

    include_internal = BooleanField("内部メモを含める（DX推進担当のみ）")
