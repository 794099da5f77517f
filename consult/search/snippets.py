"""Snippets of search hits: the passage of a case's text around the densest group of the query's words, marked
with <mark>, everything else HTML-escaped."""
import html
from functools import lru_cache

#: Characters of text a snippet shows.
SNIPPET_CHARS = 120


@lru_cache(maxsize=2048)
def _cached_units(analyzer, text: str):
    return tuple(analyzer.units(text))


def units(analyzer, text: str):
    """(term, start, end) of each analysed unit of `text` (cached for the analyzer's own `units`)."""
    if hasattr(analyzer, "units"):
        return _cached_units(analyzer, text)
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True)]


def snippet_html(analyzer, text: str, terms, width: int = SNIPPET_CHARS) -> str:
    """HTML snippet of ``text`` around the densest group of ``terms``, marked with <mark>;
    everything else is HTML-escaped."""
    text = text or ""
    wanted = set(terms)
    spans = sorted({(b, e) for t, b, e in units(analyzer, text) if t in wanted})
    merged = []
    for b, e in spans:
        if merged and b <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([b, e])
    start = 0
    if merged:
        best, best_n = merged[0][0], 0
        for i, (b, _) in enumerate(merged):
            n = sum(1 for x, y in merged[i:] if y <= b + width)
            if n > best_n:
                best, best_n = b, n
        start = max(0, best - width // 6)
        nl = text.rfind("\n", start, best)
        if nl >= 0:
            start = nl + 1
    end = min(len(text), start + width)
    out, pos = [], start
    for b, e in merged:
        if e <= start or b >= end:
            continue
        b, e = max(b, start), min(e, end)
        out.append(html.escape(text[pos:b]))
        out.append("<mark>" + html.escape(text[b:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    body = "".join(out).replace("\n", " ")
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
