"""Timeline charts: an inline SVG for the web, written directly; PNG or SVG files for the CLI by matplotlib.

matplotlib is imported only when a file is drawn (it takes seconds to import), and figures are
made with the object API (``matplotlib.figure.Figure``), so no pyplot state or backend is shared.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

BAR_COLOUR = "#2f6f9f"
GROUPS = ("day", "week", "month", "year")
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-W(\d{2}))?$")
_BAR_DAYS = {"day": 0.8, "week": 5.6, "month": 24.0, "year": 300.0}  # bar width on the time axis
_LABEL = {"day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y", "year": "%Y"}
_DRAW = threading.Lock()  # matplotlib's font and text caches are not thread-safe


def period_date(period: str) -> date | None:
    """The first day of a timeline period ("2024", "2024-03", "2024-03-07", "2024-W10"); None if malformed."""
    m = _PERIOD.match(period)
    if not m:
        return None
    y, mo, d, w = m.groups()
    try:
        if w:
            return date.fromisocalendar(int(y), int(w), 1)
        return date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        return None


def _style(ax: Any, title: str) -> None:
    ax.set_ylabel("statements")
    ax.set_title(title)
    ax.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def plot_timeline(timeline: dict[str, Any], path: Path, *, title: str = "") -> Path:
    """Bar chart of statements per period, written as PNG or SVG (by the file's suffix)."""
    from matplotlib.figure import Figure

    periods = [b["period"] for b in timeline["buckets"]]
    counts = [b["count"] for b in timeline["buckets"]]
    width = max(6.0, min(16.0, 0.5 * len(periods) + 3))
    fig = Figure(figsize=(width, 3.6), dpi=120)
    ax = fig.add_subplot()
    ax.bar(range(len(periods)), counts, color=BAR_COLOUR)
    ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 6 else 0, ha="right")
    per = f"statements per {timeline['group']}"
    _style(ax, f"{title} — {per}" if title else per)
    fig.tight_layout()
    path = Path(path)
    with _DRAW:
        fig.savefig(path, format=path.suffix.lstrip(".").lower())
    return path


@lru_cache(maxsize=256)
def timeline_svg(counts: tuple[tuple[str, int], ...], group: str) -> str:
    """An SVG bar chart of ``(period, count)`` pairs, ready to inline in a page; memoised by its inputs.

    Written directly, not drawn by matplotlib: a page must not wait ~80 ms for a figure (each new
    speaker, filter or grouping is a new chart, in every server process). Bars sit on a time axis
    (gaps between periods stay visible), each a ``<g class="mark-rect role-mark">`` holding one
    ``<path>`` and a ``<title>`` tooltip ("Mar 2024: 3"). The SVG holds no script, style sheet, XML
    prolog or id, so any number of charts can share a page.
    """
    group = group if group in GROUPS else "month"
    dated = [(d, c) for d, c in ((period_date(p), c) for p, c in counts) if d is not None]
    if not dated:
        raise ValueError("no well-formed period to chart")
    n = len(dated)
    width = round(72 * max(4.5, min(9.5, 0.32 * n + 2.5)))
    height = 187
    left, right, top, bottom = 40, 12, 26, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [d.toordinal() for d, _ in dated]
    bar_days = _BAR_DAYS[group]
    pad = max(bar_days, 0.03 * (max(xs) - min(xs)))  # a bar at either end is not cut in half
    x0, x1 = min(xs) - pad, max(xs) + pad

    def x_of(ordinal: float) -> float:
        return left + (ordinal - x0) / (x1 - x0) * plot_w

    step = _nice_step(max(c for _, c in dated))
    y_max = step * max(1, -(-max(c for _, c in dated) // step))

    def y_of(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    label = f"Statements per {group}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="10">',
        f'<text x="{left + plot_w / 2:.1f}" y="16" text-anchor="middle" font-size="12">{label}</text>',
        f'<text transform="translate(11 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">statements</text>',
    ]
    for v in range(0, y_max + 1, step):  # y grid: integer ticks
        y = y_of(v)
        out.append(f'<path d="M{left - 4} {y:.1f}H{left}" stroke="#000" stroke-width="0.8"/>')
        out.append(f'<text x="{left - 6}" y="{y + 3.5:.1f}" text-anchor="end">{v}</text>')
    bar_w = max(1.5, bar_days / (x1 - x0) * plot_w)
    for (d, c), x in zip(dated, xs, strict=True):
        bx, by = x_of(x) - bar_w / 2, y_of(c)
        tip = html.escape(f"{d.strftime(_LABEL[group])}: {c}")
        out.append(
            f'<g class="mark-rect role-mark"><path d="M{bx:.2f} {top + plot_h:.2f}V{by:.2f}H{bx + bar_w:.2f}'
            f'V{top + plot_h:.2f}Z" fill="{BAR_COLOUR}"><title>{tip}</title></path></g>'
        )
    base = top + plot_h
    out.append(f'<path d="M{left} {top}V{base}H{left + plot_w}" fill="none" stroke="#000" stroke-width="0.8"/>')
    for tick in _x_ticks(dated[0][0], dated[-1][0], group):
        x = x_of(tick.toordinal())
        if left <= x <= left + plot_w:
            out.append(f'<path d="M{x:.1f} {base}V{base + 4}" stroke="#000" stroke-width="0.8"/>')
            text = html.escape(tick.strftime(_LABEL[group]))
            out.append(f'<text x="{x:.1f}" y="{base + 15}" text-anchor="middle">{text}</text>')
    out.append("</svg>")
    return "".join(out)


def _nice_step(top: int) -> int:
    """An integer y-tick step (1, 2 or 5 times a power of ten) giving at most five ticks above 0."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if top <= 5 * m * magnitude:
                return m * magnitude
        magnitude *= 10


def _x_ticks(first: date, last: date, group: str) -> list[date]:
    """At most about eight dates to label, on whole years or months where the group has them."""
    if group == "year":
        every = max(1, (last.year - first.year) // 8 + 1)
        return [date(y, 1, 1) for y in range(first.year, last.year + 1, every)]
    if group == "month":
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        every = max(1, -(-months // 8))
        out, y, m = [], first.year, first.month
        for i in range(months):
            if i % every == 0:
                out.append(date(y, m, 1))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    span = (last - first).days
    if span == 0:
        return [first]
    count = min(6, span + 1)
    return [date.fromordinal(first.toordinal() + round(i * span / (count - 1))) for i in range(count)]


