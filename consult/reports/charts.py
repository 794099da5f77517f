"""Server-side SVG charts (no library, no JavaScript): bar, line and horizontal bar charts.

Charts are inline <svg role="img"> with <title>/<desc>, the Okabe-Ito colour-blind-safe palette,
and series told apart by more than colour (hatching for bars, dash patterns and marker shapes for
lines, a text legend). Only SVG presentation attributes are used (the CSP forbids style attributes).
Every chart is shown with a data table in the template (reports/_chart.html).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

#: Okabe-Ito colours, darkest first so that the first series keep a 3:1 contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
FONT = "Hiragino Sans, Hiragino Kaku Gothic ProN, Yu Gothic UI, Yu Gothic, Meiryo, IPAGothic, Noto Sans CJK JP, sans-serif"
INK, GRID, MUTED = "#1f2933", "#cbd2d9", "#52606d"
WIDTH = 720


@dataclass
class Chart:
    """A chart and the data behind it (for the table alternative)."""

    id: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = "件"
    desc: str = ""
    svg: Markup = field(default=Markup(""))

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw (no categories, or every value is zero)."""
        return not self.labels or not any(v for _, values in self.series for v in values)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values 0 … ≥ top (steps of 1, 2, 5 × 10^k)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(step, 1) if top >= 1 else step
    n = math.ceil(top / step)
    return [round(i * step, 6) for i in range(n + 1)]


def _num(v: float) -> str:
    """Compact number text."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _e(text) -> str:
    """Escape text for SVG."""
    return str(escape(text))


def _open(chart: Chart, height: int) -> list[str]:
    """The <svg> root with its accessible name and description, and hatch patterns."""
    desc = chart.desc or _summary(chart)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart.id}-title {chart.id}-desc" font-family="{FONT}" font-size="12" fill="{INK}">',
        f'<title id="{chart.id}-title">{_e(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{_e(desc)}</desc>',
        "<defs>",
    ]
    for i, colour in enumerate(PALETTE):
        parts.append(
            f'<pattern id="{chart.id}-hatch{i}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{colour}"/></pattern>'
        )
    parts.append("</defs>")
    return parts


def _summary(chart: Chart) -> str:
    """A one-sentence text description: the maximum per series."""
    bits = []
    for name, values in chart.series:
        if values:
            top = max(range(len(values)), key=lambda i: values[i])
            bits.append(f"{name}の最大は{chart.labels[top]}の{_num(values[top])}{chart.unit}")
    return "、".join(bits) + "。詳しい数値は下の表にあります。" if bits else "データがありません。"


def _fill(chart: Chart, i: int) -> str:
    """Solid colour for even series, hatching for odd ones (so that colour is not the only cue)."""
    colour = PALETTE[i % len(PALETTE)]
    return f"url(#{chart.id}-hatch{i % len(PALETTE)})" if i % 2 else colour


def _legend(chart: Chart, kind: str, y: int = 16) -> list[str]:
    """Legend: a swatch (or line sample) and the series name, left to right."""
    if len(chart.series) < 2 and kind != "line":
        return []
    parts, x = [], 60
    for i, (name, _) in enumerate(chart.series):
        colour = PALETTE[i % len(PALETTE)]
        if kind == "line":
            dash = f' stroke-dasharray="{DASHES[i % len(DASHES)]}"' if DASHES[i % len(DASHES)] else ""
            parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" stroke-width="3"{dash}/>')
            parts.append(_marker(MARKERS[i % len(MARKERS)], x + 12, y - 4, colour))
            x += 30
        else:
            parts.append(f'<rect x="{x}" y="{y - 12}" width="14" height="14" fill="{_fill(chart, i)}" stroke="{colour}"/>')
            x += 20
        parts.append(f'<text x="{x}" y="{y}">{_e(name)}</text>')
        x += 16 + 13 * len(name)
    return parts


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A point marker of the given shape."""
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _vertical(chart: Chart, kind: str, axis_labels: list[str] | None) -> Markup:
    """Bar or line chart with a y axis, grid lines and x labels."""
    axis_labels = axis_labels or chart.labels
    n = len(chart.labels)
    rotate = n > 8
    left, right, top, bottom = 56, 16, 34, (70 if rotate else 40)
    height = 300
    pw, ph = WIDTH - left - right, height - top - bottom
    ticks = nice_ticks(max([v for _, vs in chart.series for v in vs] + [0]))
    ymax = ticks[-1] or 1
    parts = _open(chart, height) + _legend(chart, kind)

    def y_of(v):
        return top + ph - ph * v / ymax

    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(t)}</text>')
    parts.append(f'<text x="8" y="{top - 10}" fill="{MUTED}">（{_e(chart.unit)}）</text>')
    slot = pw / max(n, 1)
    every = max(1, math.ceil(n / (pw / (28 if rotate else 60))))
    for i, label in enumerate(axis_labels):
        if i % every:
            continue
        x = left + slot * (i + 0.5)
        y = top + ph + 16
        if rotate:
            parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end" transform="rotate(-40 {x:.1f} {y:.1f})">{_e(label)}</text>')
        else:
            parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{_e(label)}</text>')
    k = max(len(chart.series), 1)
    if kind == "bar":
        bw = slot * 0.72 / k
        show_values = n * k <= 24
        for s, (name, values) in enumerate(chart.series):
            colour = PALETTE[s % len(PALETTE)]
            for i, v in enumerate(values):
                x = left + slot * i + slot * 0.14 + bw * s
                y = y_of(v)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{top + ph - y:.1f}" fill="{_fill(chart, s)}" stroke="{colour}">'
                    f"<title>{_e(chart.labels[i])} {_e(name)}: {_num(v)}{_e(chart.unit)}</title></rect>"
                )
                if show_values:
                    parts.append(f'<text x="{x + bw / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{_num(v)}</text>')
    else:
        for s, (_name, values) in enumerate(chart.series):
            colour = PALETTE[s % len(PALETTE)]
            pts = [(left + slot * (i + 0.5), y_of(v)) for i, v in enumerate(values)]
            dash = DASHES[s % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
            if n <= 60:
                parts += [_marker(MARKERS[s % len(MARKERS)], x, y, colour) for x, y in pts]
    parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{WIDTH - right}" y2="{top + ph}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text is escaped by _e(); ids and numbers come from code


def _horizontal(chart: Chart) -> Markup:
    """Horizontal (stacked) bars: long Japanese category names stay readable on the left."""
    n = len(chart.labels)
    left, right, top, row = 210, 60, 34, 26
    height = top + row * n + 24
    pw = WIDTH - left - right
    totals = [sum(vs[i] for _, vs in chart.series) for i in range(n)]
    ticks = nice_ticks(max(totals + [0]))
    xmax = ticks[-1] or 1
    parts = _open(chart, height) + _legend(chart, "bar")
    for t in ticks:
        x = left + pw * t / xmax
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + row * n}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + row * n + 16}" text-anchor="middle">{_num(t)}</text>')
    for i, label in enumerate(chart.labels):
        y = top + row * i
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end">{_e(short)}</text>')
        x = left
        for s, (name, values) in enumerate(chart.series):
            w = pw * values[i] / xmax
            colour = PALETTE[s % len(PALETTE)]
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{_fill(chart, s)}" stroke="{colour}">'
                    f"<title>{_e(label)} {_e(name)}: {_num(values[i])}{_e(chart.unit)}</title></rect>"
                )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + row / 2 + 4:.1f}">{_num(totals[i])}</text>')
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{top + row * n}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text is escaped by _e(); ids and numbers come from code


def make_chart(kind: str, chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[float]]],
               unit: str = "件", desc: str = "", axis_labels: list[str] | None = None) -> Chart:
    """Build a chart of `kind` 'bar', 'line' or 'hbar' with its SVG rendering."""
    chart = Chart(chart_id, title, list(labels), [(name, list(values)) for name, values in series], unit, desc)
    if chart.empty and kind == "hbar":
        return chart
    chart.svg = _horizontal(chart) if kind == "hbar" else _vertical(chart, kind, axis_labels)
    return chart
