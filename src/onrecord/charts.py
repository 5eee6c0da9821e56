"""Timeline charts a person would rather look at than a table (no browser needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_timeline(timeline: dict[str, Any], path: Path, *, title: str = "") -> Path:
    """Bar chart of statements per period, written as PNG or SVG by matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on servers and CI
    import matplotlib.pyplot as plt

    periods = [b["period"] for b in timeline["buckets"]]
    counts = [b["count"] for b in timeline["buckets"]]
    width = max(6.0, min(16.0, 0.5 * len(periods) + 3))
    fig, ax = plt.subplots(figsize=(width, 3.6), dpi=120)
    ax.bar(range(len(periods)), counts, color="#2f6f9f")
    ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 6 else 0, ha="right")
    ax.set_ylabel("statements")
    ax.set_title(f"{title} — statements per {timeline['group']}" if title else f"statements per {timeline['group']}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format=path.suffix.lstrip(".").lower())
    plt.close(fig)
    return path
