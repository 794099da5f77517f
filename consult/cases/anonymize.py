"""Anonymisation check of a case before it is published: find names, phone numbers, addresses …

`scan(text_fields, context)` is a pure function: it returns `Finding`s with offsets into the
original text of each field, so the edit page can highlight them and the publisher can
acknowledge them one by one (by their stable `id`).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

KIND_NAME = "氏名"
KIND_PHONE = "電話番号"
KIND_EMAIL = "メールアドレス"
KIND_ADDRESS = "住所"
KIND_NUMBER = "マイナンバー等の数字"
KIND_TICKET_TEXT = "個人情報の記述"
KINDS = (KIND_NAME, KIND_PHONE, KIND_EMAIL, KIND_ADDRESS, KIND_NUMBER, KIND_TICKET_TEXT)

MIN_COPIED_SENTENCE = 15
HONORIFICS = ("課長補佐", "係長", "課長", "部長", "次長", "室長", "所長", "局長", "主任", "主査", "主事", "主幹",
              "班長", "参事", "技師", "先生", "さん", "さま", "様", "氏", "君", "くん")

# One-to-one folding (keeps offsets): full-width digits, letters and signs → ASCII.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD.update({ord(c): "-" for c in "‐‑‒–—―−ー－"})
_FOLD[0x3000] = " "

_KANJI = "一-龥々〆ヵヶ"
_SEP = r"[-\s()]"
# Every pattern runs in linear time (audit finding 3; tests/cases/test_anonymize_redos.py): a match can only
# start where its first run of characters starts (look-behind), and runs of spaces are taken possessively
# (`\s*+`), so no position is tried against the same long run more than a bounded number of times.
_PATTERNS = (
    # My Number and other 12-digit identifiers, also 4-4-4 with spaces or hyphens.
    (KIND_NUMBER, re.compile(r"(?<![\d-])\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d-])")),
    (KIND_EMAIL, re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    (KIND_PHONE, re.compile(r"(?<![\d-])0[789]0-?\d{4}-?\d{4}(?![\d-])")),
    (KIND_PHONE, re.compile(rf"(?<![\d-])\(?0\d{{1,4}}\)?{_SEP}{{1,2}}\d{{1,4}}{_SEP}{{1,2}}\d{{3,4}}(?![\d-])")),
    (KIND_PHONE, re.compile(r"(?<![\d-])0\d{9,10}(?![\d-])")),
    (KIND_PHONE, re.compile(r"内線\s*+(?:[:：]\s*+)?\d{2,6}")),
    (KIND_ADDRESS, re.compile(
        rf"〒\s?\d{{3}}-?\d{{4}}(?:\s*(?:東京都|北海道|大阪府|京都府|[{_KANJI}]{{2,3}}県)?"
        rf"[{_KANJI}ぁ-んァ-ン]{{0,8}}[市区町村郡][{_KANJI}ぁ-んァ-ン]{{0,12}}(?:\d+(?:丁目|番地|番|号|-|の)?)*)?")),
    (KIND_ADDRESS, re.compile(
        rf"(?:(?:東京都|北海道|大阪府|京都府|[{_KANJI}]{{2,3}}県)\s*+)?[{_KANJI}ァ-ン]{{1,5}}?[市区郡]"
        rf"[{_KANJI}ぁ-んァ-ン]{{0,12}}?\d++\s*+(?:丁目|番地|番)(?:\s*+\d+(?:丁目|番地|番|号|-|の)?)*")),
    (KIND_ADDRESS, re.compile(
        rf"(?:東京都|北海道|大阪府|京都府|[{_KANJI}]{{2,3}}県)[{_KANJI}ぁ-んァ-ン]{{1,8}}?[市郡]"
        rf"[{_KANJI}ぁ-んァ-ン]{{1,10}}?[町村](?:\d+(?:丁目|番地|番|号|-|の)?)*")),
)


@dataclass(frozen=True)
class Finding:
    """Something that looks like personal information in one field of a case."""

    field: str
    start: int
    end: int
    text: str
    kind: str

    @property
    def id(self) -> str:
        """Stable id (same kind and text → same id), used to acknowledge the finding."""
        return hashlib.sha1(f"{self.kind}\x00{self.text}".encode(), usedforsecurity=False).hexdigest()[:16]


@dataclass
class ScanContext:
    """What the scanner knows beyond the text: people involved and the ticket's own words."""

    names: list[str] = field(default_factory=list)
    ticket_texts: list[str] = field(default_factory=list)


@cache
def surnames() -> tuple[str, ...]:
    """The common family names of surnames.txt, longest first."""
    path = Path(__file__).with_name("surnames.txt")
    names = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    return tuple(sorted((n for n in names if n and not n.startswith("#")), key=lambda n: (-len(n), n)))


@cache
def _surname_re() -> re.Pattern:
    """Family name (+ optional given name) followed by an honorific or a job title."""
    names = "|".join(map(re.escape, surnames()))
    titles = "|".join(map(re.escape, HONORIFICS))
    return re.compile(rf"(?<![{_KANJI}])(?:{names})(?:[{_KANJI}]{{1,2}})??\s?(?:{titles})")


def _person_patterns(names) -> list[re.Pattern]:
    """Regexes for the people of the ticket: full name with or without a space, family name alone."""
    titles = "|".join(map(re.escape, HONORIFICS))
    out = []
    for name in names:
        parts = [p for p in re.split(r"[\s\u3000]+", (name or "").strip()) if p]
        if not parts:
            continue
        if len(parts) > 1:
            out.append(re.compile(r"[\s\u3000]?".join(map(re.escape, parts)) + rf"(?:\s?(?:{titles}))?"))
        else:
            out.append(re.compile(re.escape(parts[0]) + rf"(?:\s?(?:{titles}))?"))
        if len(parts) > 1 and len(parts[0]) >= 2:
            out.append(re.compile(re.escape(parts[0]) + rf"(?:\s?(?:{titles}))?"))
    return out


def _sentences(text: str) -> list[str]:
    """Sentences of a text (split on 。！？ and line breaks), long enough to be telling."""
    parts = re.split(r"[。！？!?\n]+", text or "")
    return [p.strip() for p in parts if len(p.strip()) >= MIN_COPIED_SENTENCE]


def _scan_field(name: str, text: str, context: ScanContext) -> list[Finding]:
    """Every candidate finding of one field (overlaps resolved by the caller)."""
    folded = text.translate(_FOLD)
    found = []
    for kind, pattern in _PATTERNS:
        found += [Finding(name, m.start(), m.end(), text[m.start():m.end()], kind) for m in pattern.finditer(folded)]
    for pattern in _person_patterns(context.names):
        found += [Finding(name, m.start(), m.end(), text[m.start():m.end()], KIND_NAME) for m in pattern.finditer(folded)]
    found += [Finding(name, m.start(), m.end(), text[m.start():m.end()], KIND_NAME) for m in _surname_re().finditer(folded)]
    for sentence in {s for t in context.ticket_texts for s in _sentences(t)}:
        start = text.find(sentence)
        while start >= 0:
            found.append(Finding(name, start, start + len(sentence), sentence, KIND_TICKET_TEXT))
            start = text.find(sentence, start + len(sentence))
    return found


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    """Keep the longest of overlapping findings, in text order."""
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.start, -(f.end - f.start), KINDS.index(f.kind))):
        if kept and f.start < kept[-1].end:
            if f.end - f.start > kept[-1].end - kept[-1].start:
                kept[-1] = f
            continue
        kept.append(f)
    return kept


def scan(text_fields: dict, context: ScanContext | dict | None = None) -> list[Finding]:
    """Find what looks like personal information in each field; findings in field, then text order."""
    if context is None:
        context = ScanContext()
    elif isinstance(context, dict):
        context = ScanContext(names=list(context.get("names") or []), ticket_texts=list(context.get("ticket_texts") or []))
    findings = []
    for name, text in text_fields.items():
        if isinstance(text, (list, tuple)):
            text = "、".join(str(t) for t in text)
        if text:
            findings += _without_overlaps(_scan_field(name, str(text), context))
    return findings


def unacknowledged(findings: list[Finding], acknowledged) -> list[Finding]:
    """Findings whose id is not among the acknowledged ids."""
    done = set(acknowledged or ())
    return [f for f in findings if f.id not in done]


def highlight(text: str, findings: list[Finding]) -> Markup:
    """The text HTML-escaped, with <mark> around each finding (findings of this field only)."""
    text = text or ""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        out.append(escape(text[pos:f.start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(f.kind, text[f.start:f.end]))
        pos = f.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
