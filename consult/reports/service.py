"""The dashboard 「実績」: gathers the figures of a period and turns them into charts (read-only)."""
from __future__ import annotations

from consult.jdates import format_date

from . import queries, timings
from .charts import make_chart
from .periods import Bucket, Period


def _axis_label(bucket: Bucket, first: bool, wareki: bool) -> str:
    """Short x-axis label: '4/6' per week, '4月' per month (with the year on the first and on January)."""
    if bucket.unit == "week":
        return f"{bucket.start.month}/{bucket.start.day}"
    if first or bucket.start.month == 1:
        return bucket.label(wareki)
    return f"{bucket.start.month}月"


def dashboard(period: Period, wareki: bool = False, structure: str | None = None) -> dict:
    """Every figure of the dashboard for one period."""
    buckets = period.buckets()
    labels = [b.label(wareki) for b in buckets]
    axis = [_axis_label(b, i == 0, wareki) for i, b in enumerate(buckets)]
    flow = queries.received_and_resolved(period)
    received = [flow["received"].get(b.key, 0) for b in buckets]
    resolved = [flow["resolved"].get(b.key, 0) for b in buckets]
    backlog = queries.backlog(period, flow)
    unit_label = "週" if period.unit == "week" else "月"

    breakdown = queries.received_breakdown(period, structure)
    resolution_types = queries.by_resolution_type(period)
    load = queries.handler_load()

    charts = {
        "flow": make_chart("bar", "chart-flow", f"{unit_label}ごとの受付件数と解決件数", labels,
                           [("受付", received), ("解決", resolved)], axis_labels=axis),
        "backlog": make_chart("line", "chart-backlog", f"未解決件数の推移（各{unit_label}末時点）", labels,
                              [("未解決件数", backlog)], axis_labels=axis),
        "top_departments": make_chart("hbar", "chart-top-departments", "部局別の受付件数", *_split(breakdown["top_departments"])),
        "departments": make_chart("hbar", "chart-departments", "課別の受付件数", *_split(breakdown["departments"])),
        "categories": make_chart("hbar", "chart-categories", "分類別の受付件数", *_split(breakdown["categories"])),
        "resolution_types": make_chart("hbar", "chart-resolution-types", "解決方法の種類別の件数", *_split(resolution_types)),
        "handlers": make_chart(
            "hbar", "chart-handlers", "担当者別の未解決件数（主担当・副担当）",
            [name for name, _, _ in load["rows"]],
            [("主担当", [m for _, m, _ in load["rows"]]), ("副担当", [b for _, _, b in load["rows"]])],
        ),
    }
    return {
        "period": period,
        "period_range": f"{format_date(period.start, wareki=wareki)}〜{format_date(period.end, wareki=wareki)}",
        "unit_label": unit_label,
        "received_total": sum(received),
        "resolved_total": sum(resolved),
        "charts": charts,
        "load": load,
        "first_response": timings.first_response(period),
        "resolution": timings.resolution(period),
        "hours": queries.hours_saved(period),
        "knowledge": queries.knowledge_use(period),
    }


def _split(pairs: list[tuple[str, int]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """(labels, [("件数", values)]) from (label, count) pairs."""
    return [label for label, _ in pairs], [("件数", [n for _, n in pairs])]
