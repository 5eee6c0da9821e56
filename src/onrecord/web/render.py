"""HTML fragments built in Python: highlighted article text, wording diffs, charts.

Every piece of stored text goes through ``markupsafe.escape`` fragment by fragment;
only the tags written here are markup. Offsets are ``[start, end)`` into the
verbatim article text, as everywhere in onrecord.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as urlquote

from markupsafe import Markup, escape

from onrecord.charts import GROUPS, period_date, timeline_svg

if TYPE_CHECKING:
    from onrecord.speakers.types import DiffToken

ROLE_ORDER = ("content", "cue", "source", "evidence")
ROLE_LABEL = {"content": "quoted content", "cue": "cue", "source": "source", "evidence": "speaker evidence"}


# ----------------------------------------------------------- article text
@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    role: str  # content | cue | source | evidence | skip
    quote_id: str | None = None
    note: str = ""


def quote_marks(quote: dict[str, Any]) -> list[Mark]:
    """The spans of one stored quote (content, cue, source, speaker evidence) as marks."""
    out: list[Mark] = []
    qid = str(quote.get("id", ""))
    for role in ("content", "cue", "source"):
        part = quote.get(role)
        if not isinstance(part, dict):
            continue
        for span in part.get("spans") or []:
            try:
                out.append(Mark(int(span[0]), int(span[1]), role, qid))
            except (TypeError, ValueError, IndexError):
                continue
    for sp in quote.get("speakers") or []:
        if not isinstance(sp, dict):
            continue
        for span in sp.get("evidence_spans") or []:
            try:
                out.append(Mark(int(span[0]), int(span[1]), "evidence", qid, str(sp.get("name", ""))))
            except (TypeError, ValueError, IndexError):
                continue
    return out


def highlight_text(text: str, marks: Iterable[Mark], skip_ranges: Sequence[dict[str, Any]] = ()) -> Markup:
    """``text`` escaped, with each mark's stretch wrapped in ``<mark>`` and skip ranges dimmed.

    Marks may overlap: the text is cut at every boundary and each piece carries the
    classes of all marks covering it. A quote's first piece carries ``id="q-…"``.
    """
    n = len(text)
    spans: list[Mark] = []
    for m in marks:
        s, e = max(0, min(m.start, n)), max(0, min(m.end, n))
        if e > s:
            spans.append(Mark(s, e, m.role, m.quote_id, m.note))
    for r in skip_ranges:
        try:
            s, e = max(0, min(int(r["start"]), n)), max(0, min(int(r["end"]), n))
        except (KeyError, TypeError, ValueError):
            continue
        if e > s:
            spans.append(Mark(s, e, "skip", None, str(r.get("reason", ""))))
    cuts = sorted({0, n, *(m.start for m in spans), *(m.end for m in spans)})
    starts: dict[str, int] = {}
    for m in spans:
        if m.role == "content" and m.quote_id:
            starts[m.quote_id] = min(starts.get(m.quote_id, n), m.start)
    anchors: dict[int, list[str]] = {}
    for qid, s in starts.items():
        anchors.setdefault(s, []).append(qid)
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for qid in anchors.get(a, []):
            out.append(f'<span class="anchor" id="q-{escape(anchor_id(qid))}"></span>')
        covering = [m for m in spans if m.start <= a and b <= m.end]
        piece = str(escape(text[a:b]))
        roles = sorted({m.role for m in covering if m.role != "skip"}, key=ROLE_ORDER.index)
        skip = [m for m in covering if m.role == "skip"]
        if roles:
            label = ", ".join(ROLE_LABEL[r] for r in roles)
            cls = " ".join(f"hl-{r}" for r in roles)
            piece = f'<mark class="hl {cls}" title="{escape(label)}">{piece}</mark>'
        if skip:
            reason = ", ".join(sorted({m.note for m in skip if m.note})) or "skipped"
            piece = f'<span class="skip" title="{escape("skipped: " + reason)}">{piece}</span>'
        out.append(piece)
    return Markup("".join(out))


def anchor_id(quote_id: str) -> str:
    """A quote id made safe for an HTML id / URL fragment."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", quote_id)


def resolution_chain(speaker: dict[str, Any]) -> list[str]:
    """Readable steps from the words in the article to the speaker ("he" → Jens Stoltenberg)."""
    chain = [str(c) for c in speaker.get("chain") or [] if str(c).strip()]
    name = str(speaker.get("name") or "")
    if not chain:
        return [name] if name else []
    if name and chain[-1] != name and name not in chain[-1]:
        chain.append(name)
    return chain


# ------------------------------------------------------------ search terms
def mark_terms(text: str, query: str | None) -> Markup:
    """``text`` escaped, with the words of ``query`` wrapped in ``<mark>``."""
    words = sorted({w for w in re.findall(r"\w+", query or "") if len(w) > 1}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[pos : m.start()])))
        out.append(f'<mark class="term">{escape(m.group(0))}</mark>')
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


# --------------------------------------------------------------- wording
def tokens_of(tokens: Iterable[DiffToken]) -> list[dict[str, str]]:
    """Diff tokens as the templates take them (what the linking stage stores): {tag, text}."""
    return [{"tag": t.tag, "text": t.text} for t in tokens]


def word_diff_tokens(base: str, variant: str) -> list[dict[str, str]]:
    """``speakers.statements.word_diff`` as template tokens {tag: same|removed|added, text}."""
    from onrecord.speakers.statements import word_diff  # lazy: the speakers package is slow to import

    return tokens_of(word_diff(base, variant))


def render_side(tokens: Sequence[dict[str, str]], side: str) -> Markup:
    """One column of a side-by-side diff: the base (with <del>) or the variant (with <ins>)."""
    keep, tag = ("removed", "del") if side == "base" else ("added", "ins")
    parts: list[str] = []
    for t in tokens:
        word = str(escape(t.get("text", "")))
        if t.get("tag") == "same":
            parts.append(word)
        elif t.get("tag") == keep:
            parts.append(f"<{tag}>{word}</{tag}>")
    return Markup(" ".join(parts))


def _valid_tokens(tokens: Any) -> bool:
    return isinstance(tokens, list) and all(
        isinstance(t, dict) and t.get("tag") in {"same", "removed", "added"} and isinstance(t.get("text"), str)
        for t in tokens
    )


QUOTED = {"direct", "mixed"}


def statement_variants(statement: dict[str, Any]) -> dict[str, Any]:
    """Pairs of wordings side by side (base with <del>, variant with <ins>).

    The linking stage's word diff is used where it is there and well formed (each entry
    names its base and variant quote); otherwise the quoted (direct or mixed) reports are
    compared with the earliest quoted one here. Paraphrases (indirect speech) are not diffed.
    """
    reports = [r for r in statement.get("reports") or [] if isinstance(r, dict)]
    by_quote = {str(r.get("quote_id")): r for r in reports}
    pairs: list[dict[str, Any]] = []
    diff = statement.get("diff")
    if isinstance(diff, list):
        for entry in diff:
            if not isinstance(entry, dict) or not _valid_tokens(entry.get("tokens")):
                continue
            base, variant = by_quote.get(str(entry.get("base_quote_id"))), by_quote.get(str(entry.get("quote_id")))
            if base is None or variant is None:
                continue
            pairs.append(_pair(base, variant, entry["tokens"], "linking"))
    if not pairs:
        quoted = [r for r in reports if r.get("kind") in QUOTED] or reports
        quoted.sort(key=lambda r: not r.get("is_earliest"))  # the earliest first, else in report order
        # the linking stage's own diff, over whole texts: each wording once, against the earliest
        from onrecord.speakers.statements import variant_diffs

        diffs = variant_diffs([(str(i), str(r.get("text") or "")) for i, r in enumerate(quoted)])
        for d in diffs:
            pairs.append(_pair(quoted[0], quoted[int(d.quote_id)], tokens_of(d.tokens), "computed"))
    return {"pairs": pairs}


def _pair(base: dict[str, Any], variant: dict[str, Any], tokens: list[dict[str, str]], source: str) -> dict[str, Any]:
    return {
        "base": base,
        "report": variant,
        "base_html": render_side(tokens, "base"),
        "variant_html": render_side(tokens, "variant"),
        "changed": sum(1 for t in tokens if t["tag"] != "same"),
        "diff_source": source,
    }


# ----------------------------------------------------------------- charts
def _fill_months(counts: dict[str, int]) -> dict[str, int]:
    """Months with no statement between the first and last become zero bars (time stays true)."""
    keys = sorted(counts)
    if not keys:
        return counts
    y, m = int(keys[0][:4]), int(keys[0][5:7])
    end = (int(keys[-1][:4]), int(keys[-1][5:7]))
    if len(keys) < 3:  # a lone month gets its neighbours, so the bar has a time around it
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        end = (end[0] + 1, 1) if end[1] == 12 else (end[0], end[1] + 1)
    out: dict[str, int] = {}
    while (y, m) <= end and len(out) < 240:
        k = f"{y:04d}-{m:02d}"
        out[k] = counts.get(k, 0)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def timeline_chart(buckets: Sequence[dict[str, Any]], group: str) -> Markup | None:
    """An inline SVG bar chart (``onrecord.charts``, memoised by its counts); None when empty."""
    group = group if group in GROUPS else "month"  # the only free text that reaches the SVG
    counts: dict[str, int] = {}
    for b in buckets:
        period = str(b.get("period", ""))
        if period_date(period) is not None:  # only well-formed periods reach the chart
            counts[period] = counts.get(period, 0) + int(b.get("count", 0))
    if not counts:
        return None
    if group == "month" and all(len(k) == 7 for k in counts):
        counts = _fill_months(counts)
    # Natural size on wide screens; CSS (max-width: 100%, height: auto) shrinks it on narrow ones.
    return Markup(timeline_svg(tuple(sorted(counts.items())), group))


# ----------------------------------------------------------------- misc
def url(*parts: str) -> str:
    """A path from parts, each percent-encoded (ids may hold any character)."""
    return "/" + "/".join(urlquote(str(p), safe="") for p in parts)
