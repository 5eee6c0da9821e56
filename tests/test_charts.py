"""Timeline charts: the web's inline, memoised SVG and the CLI's files (matplotlib)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from onrecord import charts
from onrecord.web import render

MONTHS = (("2024-01", 2), ("2024-02", 0), ("2024-03", 1))


def test_inline_svg_is_safe_to_put_in_a_page() -> None:
    svg = charts.timeline_svg(MONTHS, "month")
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    for banned in ("<?xml", "<!DOCTYPE", "<script", "<style", "<metadata", "onload", "javascript:"):
        assert banned not in svg
    assert 'role="img"' in svg and 'aria-label="Statements per month"' in svg
    assert svg.count('<g class="mark-rect role-mark">') == 3  # one per bar, the empty month too
    assert ">Jan 2024<" in svg and ">statements<" in svg  # text stays text


def test_bars_are_scaled_to_their_counts_and_placed_in_time() -> None:
    svg = charts.timeline_svg((("2024-01", 4), ("2024-02", 2), ("2024-06", 1)), "month")
    bars = re.findall(r'role-mark"><path d="M([\d.]+) ([\d.]+)V([\d.]+)H([\d.]+)', svg)
    assert len(bars) == 3
    heights = [float(base) - float(top) for _, base, top, _ in bars]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.02) == pytest.approx(4 * heights[2], abs=0.04)
    assert heights[2] > 10
    lefts = [float(x) for x, *_ in bars]
    assert lefts[1] - lefts[0] < (lefts[2] - lefts[1]) / 3  # February next to January, June four months on
    assert "<title>Jan 2024: 4</title>" in svg  # each bar says what it counts
    assert ' id="' not in svg  # nothing to collide with another chart on the page


def test_y_ticks_are_few_whole_numbers() -> None:
    for top, ticks in {1: [0, 1], 4: [0, 1, 2, 3, 4], 7: [0, 2, 4, 6, 8], 230: [0, 50, 100, 150, 200, 250]}.items():
        svg = charts.timeline_svg((("2024-01", top),), "month")
        assert [int(v) for v in re.findall(r'text-anchor="end">(\d+)<', svg)] == ticks, top


def test_inline_svg_is_memoised_by_its_inputs() -> None:
    charts.timeline_svg.cache_clear()
    first = charts.timeline_svg(MONTHS, "month")
    assert charts.timeline_svg(MONTHS, "month") is first
    assert charts.timeline_svg(MONTHS, "year") is not first
    info = charts.timeline_svg.cache_info()
    assert (info.hits, info.misses) == (1, 2) and info.maxsize is not None


def test_web_chart_comes_from_charts_and_every_group_draws() -> None:
    html = render.timeline_chart([{"period": p, "count": c} for p, c in MONTHS], "month")
    assert html is not None and str(html) == charts.timeline_svg(MONTHS, "month")
    for group, periods in {"day": ["2024-01-03", "2024-02-20"], "week": ["2024-W01", "2024-W09"],
                           "year": ["2019", "2024"]}.items():  # fmt: skip
        svg = str(render.timeline_chart([{"period": p, "count": 3} for p in periods], group))
        assert svg.count("mark-rect") == 2, group
    assert render.timeline_chart([{"period": "2024-01", "count": 1}], "<script>") is not None  # group is checked


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = (
        "import sys, onrecord.charts, onrecord.web.render\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'altair', 'vl_convert')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_chart_files(tmp_path: Path) -> None:
    timeline = {"group": "month", "buckets": [{"period": p, "count": c} for p, c in MONTHS]}
    png = charts.plot_timeline(timeline, tmp_path / "t.png", title="Jens Stoltenberg")
    svg = charts.plot_timeline(timeline, tmp_path / "t.svg")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in svg.read_bytes()
