"""Timeline charts by matplotlib: a PNG or SVG file for the CLI, an inline SVG for the web.

matplotlib is imported only when a chart is drawn (it takes seconds to import), and figures are
made with the object API (``matplotlib.figure.Figure``), so no pyplot state or backend is shared.
"""

from __future__ import annotations

import hashlib
import io
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
_DRAW = threading.Lock()  # matplotlib's font and text caches are not thread-safe; charts are rare misses


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

    Bars sit on a time axis (gaps between periods stay visible), each a ``<g class="mark-rect role-mark">``
    (the classes of the Vega-Lite bars it replaces). The SVG holds no script, style sheet or XML prolog,
    and its few ids are prefixed by a hash of the inputs, so that they stay unique on a page.
    """
    from matplotlib import rc_context
    from matplotlib.dates import AutoDateLocator, DateFormatter, MonthLocator, YearLocator, date2num
    from matplotlib.figure import Figure

    group = group if group in GROUPS else "month"
    dated = [(d, c) for d, c in ((period_date(p), c) for p, c in counts) if d is not None]
    if not dated:
        raise ValueError("no well-formed period to chart")
    xs = [date2num(d) for d, _ in dated]
    fig = Figure(figsize=(max(4.5, min(9.5, 0.32 * len(dated) + 2.5)), 2.6), dpi=72)
    ax = fig.add_subplot()
    for bar in ax.bar(xs, [c for _, c in dated], width=_BAR_DAYS[group], color=BAR_COLOUR):
        bar.set_gid("mark-rect")
    months = (dated[-1][0].year - dated[0][0].year) * 12 + dated[-1][0].month - dated[0][0].month + 1
    if group == "year":
        ax.xaxis.set_major_locator(YearLocator(base=max(1, len(dated) // 8 + 1)))
    elif group == "month":
        ax.xaxis.set_major_locator(MonthLocator(interval=max(1, -(-months // 8))))
    else:
        ax.xaxis.set_major_locator(AutoDateLocator(minticks=2, maxticks=6))
    ax.xaxis.set_major_formatter(DateFormatter(_LABEL[group]))
    pad = max(_BAR_DAYS[group], 0.03 * (max(xs) - min(xs)))  # a bar at either end is not cut in half
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    _style(ax, f"Statements per {group}")
    # Fixed margins (inches) instead of tight_layout, which lays the text out a second time (~40% of a draw).
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.5 / width, right=1 - 0.15 / width, bottom=0.42 / height, top=1 - 0.36 / height)
    buf = io.StringIO()
    with _DRAW, rc_context({"svg.fonttype": "none", "svg.hashsalt": "onrecord"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    prefix = "tl" + hashlib.sha1(repr((counts, group)).encode("utf-8")).hexdigest()[:8] + "-"
    return _inline(buf.getvalue(), prefix, f"Statements per {group}")


def _inline(svg: str, prefix: str, label: str) -> str:
    """matplotlib's SVG document as an element for an HTML page (see ``timeline_svg``)."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)  # it would style the whole page
    svg = re.sub(r"\s*<script.*?</script>", "", svg, flags=re.DOTALL | re.IGNORECASE)  # (matplotlib writes none)
    svg = svg.replace('id="mark-rect"', 'class="mark-rect role-mark"')  # the bar classes Vega-Lite charts used
    used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))  # clip paths, tick markers
    svg = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in used else "", svg)
    svg = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: m.group(1) + prefix + m.group(2), svg)
    # the stroke defaults of the dropped style sheet, as inherited attributes of the root
    attrs = f'role="img" aria-label="{label}" stroke-linejoin="round" stroke-linecap="butt" '
    return svg.replace("<svg ", "<svg " + attrs, 1)


def warm_up() -> None:
    """Import matplotlib and load its fonts (about a second) before the first page needs a chart."""
    timeline_svg((("2000-01", 1),), "month")
