"""Server-rendered SVG charts: line, bar and sparkline, readable without JavaScript.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what
a screen reader announces); the page shows the same numbers in a table beneath.
Colours come from CSS (``currentColor`` and classes), so dark mode just works.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 180, 12
BAR_WIDTH = 420


def _short(label: str, limit: int = 20) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _points(values: Sequence[float], width: int, height: int, pad: int) -> list:
    top = max(values) if values and max(values) > 0 else 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    return [
        (pad + i * step, height - pad - (v / top) * (height - 2 * pad))
        for i, v in enumerate(values)
    ]


def line(
    chart_id: str,
    title: str,
    desc: str,
    values: Sequence[float],
    previous: Sequence[float] = (),
    labels: tuple[str, str] = ("", ""),
) -> Markup:
    """A line chart of ``values`` (and a dashed ``previous`` period)."""
    both = list(values) + list(previous)
    top = max(both) if both and max(both) > 0 else 1
    scaled = [v / top for v in values]
    before = [v / top for v in previous]
    path = _path(_points(scaled, WIDTH, HEIGHT, PAD))
    old = _path(_points(before, WIDTH, HEIGHT, PAD)) if previous else ""
    base = HEIGHT - PAD
    parts = [
        f'<svg class="chart chart-line" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="none">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line class="chart-axis" x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" '
        f'y2="{base}"/>',
    ]
    if old:
        parts.append(f'<path class="chart-previous" d="{old}"/>')
    if path:
        parts.append(f'<path class="chart-current" d="{path}"/>')
    parts.append("</svg>")
    # Axis labels in HTML: SVG text would shrink with the chart on a phone.
    parts.append(
        f'<p class="chart-axis-labels" aria-hidden="true"><span>{escape(labels[0])}'
        f"</span><span>max {_num(top)}</span><span>{escape(labels[1])}</span></p>"
    )
    return Markup('<div class="chart-wrap">' + "".join(parts) + "</div>")


def sparkline(title: str, values: Sequence[float]) -> Markup:
    """A small line for a table cell; ``title`` says what it shows."""
    path = _path(_points([float(v) for v in values], 96, 24, 2))
    return Markup(
        f'<svg class="chart chart-spark" viewBox="0 0 96 24" width="96" height="24" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<path class="chart-current" d="{path}"/></svg>'
    )


def bars(
    chart_id: str, title: str, desc: str, items: Sequence[tuple[str, float]]
) -> Markup:
    """A horizontal bar chart, one labelled bar per item."""
    row, label_w, width = 26, 150, BAR_WIDTH
    height = max(len(items), 1) * row + 8
    top = max((v for _k, v in items), default=0) or 1
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 50) * value / top
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + 17}" '
            f'text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="chart-bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row - 10}" rx="3"/>'
            f'<text class="chart-label" x="{label_w + w + 6:.1f}" y="{y + 17}">'
            f"{_num(value)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _path(points: list) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points)
    )


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bars_of(
    chart_id: str, title: str, desc: str, rows: Sequence, label: str, value: str
) -> Markup:
    """:func:`bars` over objects: ``label`` and ``value`` name their attributes."""
    return bars(
        chart_id,
        title,
        desc,
        [(str(getattr(r, label)), float(getattr(r, value))) for r in rows],
    )
