"""Characters no form should keep (audit finding 4), applied to every WTForms form by one shared filter.

- Everywhere: characters XML 1.0 forbids — C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF —
  are removed (they break XLSX exports and most readers).
- Single-line fields (StringField and its kinds, not text areas or passwords): every control character, and bidi
  embeddings/overrides/isolates (U+202E disguises a title in lists), are removed; tab and line breaks become
  one space.
"""
import re

from wtforms import PasswordField, StringField, TextAreaField
from wtforms.meta import DefaultMeta

XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS_RE = re.compile(r"[\t\r\n]+")
_SINGLE_LINE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """`value` without the characters XML 1.0 forbids."""
    return XML_FORBIDDEN_RE.sub("", value)


def single_line(value: str) -> str:
    """`value` for a one-line field: line breaks/tabs → one space, controls and bidi overrides removed."""
    return _SINGLE_LINE_RE.sub("", _BREAKS_RE.sub(" ", value))


def _multi_line_filter(value):
    return xml_safe(value) if isinstance(value, str) else value


def _single_line_filter(value):
    return single_line(value) if isinstance(value, str) else value


_original_bind_field = DefaultMeta.bind_field


def _bind_field(self, form, unbound_field, options):
    """DefaultMeta.bind_field plus the shared character filter (first, so validators see clean text)."""
    field = _original_bind_field(self, form, unbound_field, options)
    if isinstance(field, PasswordField):
        return field  # a password is checked as typed
    if isinstance(field, StringField) and not isinstance(field, TextAreaField):
        field.filters = (_single_line_filter, *field.filters)
    else:
        field.filters = (_multi_line_filter, *field.filters)
    return field


def install() -> None:
    """Make every form of the application (FlaskForm and plain wtforms.Form) apply the filter."""
    DefaultMeta.bind_field = _bind_field
