"""Server-side SVG charts: accessible, CSP-safe, sane scales."""
from consult.reports.charts import PALETTE, make_chart, nice_ticks


def test_nice_ticks():
    """Round steps covering the maximum."""
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(230)[-1] >= 230


def test_bar_chart_is_accessible_and_escaped():
    """role=img, title/desc ids, Okabe-Ito colours, hatching for the second series, escaped labels."""
    chart = make_chart("bar", "c1", "受付と解決", ["<4月>", "5月"], [("受付", [3, 1]), ("解決", [1, 2])])
    svg = str(chart.svg)
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">受付と解決</title>' in svg
    assert "&lt;4月&gt;" in svg and "<4月>" not in svg
    assert PALETTE[0] in svg and "url(#c1-hatch1)" in svg
    assert "style=" not in svg
    assert "受付の最大は&lt;4月&gt;の3件" in svg


def test_line_chart_uses_markers_and_dashes():
    """Lines carry marker shapes; a legend names each series."""
    chart = make_chart("line", "c2", "推移", ["a", "b", "c"], [("未解決", [1, 2, 3]), ("参考", [0, 1, 1])])
    svg = str(chart.svg)
    assert "<polyline" in svg and "stroke-dasharray" in svg and "<circle" in svg and "未解決" in svg


def test_empty_horizontal_chart_has_no_svg():
    """Nothing to draw: the template shows 「データがありません」."""
    chart = make_chart("hbar", "c3", "部局別", [], [("件数", [])])
    assert chart.empty and not chart.svg


def test_horizontal_chart_truncates_long_labels():
    """Long names are shortened on the axis but kept whole in the bar's tooltip."""
    name = "総務部 情報政策課 デジタル推進室 第二係"
    svg = str(make_chart("hbar", "c4", "課別", [name], [("件数", [5])]).svg)
    assert name[:15] + "…" in svg and f"<title>{name} 件数: 5件</title>" in svg
