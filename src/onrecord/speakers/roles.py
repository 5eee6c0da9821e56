"""Roles: who held which title when, read from article text and from imports."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from onrecord.speakers.names import RANKS, ParsedTitle, fold, normalise_org, normalise_title, parse_title
from onrecord.speakers.types import RoleRecord

# Tokens that may make up a title phrase written before a name.
_PHRASE_TOKEN = re.compile(
    r"^(?:[A-Z][\w'’.-]*|\([A-Z]{2,}\)|of|for|the|and|on|in|secretary|general|minister|chief|"
    r"secretary-general|commander-in-chief|chairman|director|president|spokesperson|spokesman|"
    r"ambassador|new|former|deputy|assistant|vice|prime|foreign|defence|defense|top|senior)$"
)
_SENT_BREAK = re.compile(r"[.!?;:\"“”]\s|\n")
_GENERAL_HEADS = {"secretary", "secretary-", "director", "attorney", "surgeon", "inspector", "solicitor"}
_LEADING_JUNK = {"of", "for", "the", "and", "on", "in"}


@dataclass(frozen=True)
class RoleObservation:
    """A title seen next to a name in one article (the name as written there)."""

    article_id: str
    date: str | None
    surface: str  # the name as written: "Mark Rutte", "Stoltenberg"
    title: ParsedTitle
    evidence: str


def observe_roles(article_id: str, text: str, date: str | None, names: Iterable[str]) -> list[RoleObservation]:
    """Find titles written right before ("NATO SG Stoltenberg") or after ("Jānis Sārts, Director of …")
    each of ``names`` in ``text``."""
    out: list[RoleObservation] = []
    ordered = [n for n in sorted(set(names), key=len, reverse=True) if n and len(n) >= 3]
    tokens = _name_tokens(names)  # once per article, not once per mention found
    found = _occurrences(text, ordered)
    for name in ordered:
        for start in found[name]:
            end = start + len(name)
            pre = _title_before(text, start, names, tokens)
            if pre:
                out.append(_obs(article_id, date, name, pre, text[start - len(pre[1]) : end]))
            post = _title_after(text, end)
            if post:
                out.append(_obs(article_id, date, name, post, text[start : end + len(post[1]) + 2]))
    return out


_WORD_START = re.compile(r"(?<![\w-])\w+")
_WORDISH = re.compile(r"[\w-]")


def _occurrences(text: str, names: list[str]) -> dict[str, list[int]]:
    r"""Where each name stands alone in ``text`` (not inside a longer word or hyphenation), as
    ``re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)`` finds it, in one pass over the text
    for all names at once: a name can only start where a word starts, and only with that whole word."""
    out: dict[str, list[int]] = {n: [] for n in names}
    by_first: dict[str, list[str]] = {}
    for n in names:
        first = _WORD_START.match(n)
        if first is None:  # a name not opening with a letter or digit: searched on its own
            out[n] = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
        else:
            by_first.setdefault(first.group(), []).append(n)
    if not by_first:
        return out
    ends: dict[str, int] = {}  # where each name's last occurrence ends: finditer never overlaps a name with itself
    for w in _WORD_START.finditer(text):
        for n in by_first.get(w.group(), ()):
            p = w.start()
            e = p + len(n)
            if p >= ends.get(n, 0) and text.startswith(n, p) and (e == len(text) or not _WORDISH.match(text, e)):
                out[n].append(p)
                ends[n] = e
    return out


def _obs(article_id: str, date: str | None, name: str, found: tuple[ParsedTitle, str], ev: str) -> RoleObservation:
    return RoleObservation(article_id, date, name, found[0], f'{article_id}: "{" ".join(ev.split())}"')


def _name_tokens(names: Iterable[str]) -> set[str]:
    return {t for n in names for t in n.split()}


def _title_before(
    text: str, pos: int, names: Iterable[str], name_tokens: set[str] | None = None
) -> tuple[ParsedTitle, str] | None:
    window = text[max(0, pos - 160) : pos]
    cut = max((m.end() for m in _SENT_BREAK.finditer(window)), default=0)
    window = window[cut:]
    # A comma may separate the title from a rank + name: "Chairman of the X, Admiral Rob Bauer".
    rank = re.search(r",\s*((?:Admiral|General|Gen\.|Adm\.|Colonel|Dr\.?)\s+)?$", window)
    stem = window[: rank.start()] if rank else window
    if not rank:
        toks = stem.split()
        glued = len(toks) >= 2 and toks[-2].lower() in _GENERAL_HEADS
        if toks and RANKS.match(toks[-1] + " ") and not glued:
            stem = stem[: stem.rstrip().rfind(" ") + 1] if " " in stem.rstrip() else ""
    tokens = stem.split()
    if name_tokens is None:
        name_tokens = _name_tokens(names)
    phrase: list[str] = []
    for tok in reversed(tokens):
        if tok.endswith(",") or tok in name_tokens or not _PHRASE_TOKEN.match(tok):
            break
        phrase.insert(0, tok)
    while phrase and phrase[0].lower() in _LEADING_JUNK:
        phrase.pop(0)
    if not phrase:
        return None
    raw = " ".join(phrase)
    parsed = parse_title(raw)
    if parsed is None or parsed.former:
        return None
    start = window.rfind(phrase[0])
    return parsed, window[start:]


def _title_after(text: str, pos: int) -> tuple[ParsedTitle, str] | None:
    m = re.match(
        r",\s+((?:the\s+)?(?:[A-Z][\w'’-]*|of|for|the|and|in)(?:[\s-]+(?:[A-Z][\w'’-]*|of|for|the|and|in|\([A-Z]{2,}\)))*)"
        r"\s*(?=,|\.|\s+(?:said|says|told|stated|noted|added))",
        text[pos : pos + 200],
    )
    if not m:
        return None
    parsed = parse_title(m.group(1))
    if parsed is None or parsed.former or not re.match(r"(?:the\s+)?[A-Z]", m.group(1)):
        return None
    return parsed, m.group(1)


# --- the role table ------------------------------------------------------------------


def build_article_roles(observations: Iterable[tuple[str, RoleObservation]], names: dict[str, str]) -> list[RoleRecord]:
    """Group (speaker_key, observation) pairs into dated role records, one per (person, title, org).

    A title seen without organisation ("Secretary General Mark Rutte") joins the same
    person's title with an organisation when there is exactly one.
    """
    groups: dict[tuple[str, str, str | None], list[RoleObservation]] = defaultdict(list)
    for key, obs in observations:
        groups[(key, fold(obs.title.title), obs.title.organisation)].append(obs)
    with_org: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, t, org in groups:
        if org:
            with_org[(key, t)].add(org)
    merged: dict[tuple[str, str, str | None], list[RoleObservation]] = defaultdict(list)
    for (key, t, org), obs in groups.items():
        if org is None and len(with_org[(key, t)]) == 1:
            org = next(iter(with_org[(key, t)]))
        merged[(key, t, org)].extend(obs)
    records = []
    for (key, _t, org), obs in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        dates = sorted(o.date[:10] for o in obs if o.date)
        titles = sorted({o.title.title for o in obs}, key=lambda s: (-len(s), s))
        records.append(
            RoleRecord(
                title=titles[0],
                organisation=org,
                person=names.get(key, key),
                start=dates[0] if dates else None,
                end=dates[-1] if dates else None,
                source="article",
                evidence=sorted({o.evidence for o in obs}),
                person_key=key,
            )
        )
    return records


def normalise_imported(role: RoleRecord) -> RoleRecord:
    parsed = parse_title(f"{role.organisation or ''} {role.title}".strip()) if role.title else None
    title = parsed.title if parsed else normalise_title(role.title)
    org = (parsed.organisation if parsed else None) or normalise_org(role.organisation)
    return RoleRecord(
        title=title,
        organisation=org,
        person=role.person.strip(),
        start=(role.start or None),
        end=(role.end or None),
        source="import",
        evidence=list(role.evidence) or ["imported"],
        person_key=role.person_key,
    )


class RoleTable:
    """Answers "who held this title on this date?", imports first, then what the articles show."""

    def __init__(self, records: Iterable[RoleRecord]) -> None:
        self._by_title: dict[tuple[str, str | None], list[RoleRecord]] = defaultdict(list)
        for r in records:
            if r.person_key:
                self._by_title[(fold(r.title), fold(r.organisation) if r.organisation else None)].append(r)

    def holder(self, title: ParsedTitle, date: str | None, prefer: Iterable[str] = ()) -> tuple[str, str] | None:
        """The speaker key holding ``title`` on ``date`` and why; ``prefer`` = keys named in the same article."""
        cands = self._candidates(title)
        if not cands:
            return None
        preferred = set(prefer)
        local = sorted({r.person_key for r in cands if r.person_key in preferred})
        if len(local) == 1:
            return local[0], "holder named in the same article"
        for source in ("import", "article"):
            pool = [r for r in cands if r.source == source]
            covering = sorted({r.person_key for r in pool if r.covers(date)})
            if len(covering) == 1:
                return covering[0], f"holder on {date} ({source})"
            if date and not covering and pool and source == "article":
                return self._nearest(pool, date)
        holders = sorted({r.person_key for r in cands})
        if len(holders) == 1:
            return holders[0], "only known holder"
        return None

    def _candidates(self, title: ParsedTitle) -> list[RoleRecord]:
        t, org = title.key
        if org is not None:
            exact = self._by_title.get((t, org), [])
            return list(exact) if exact else self._short_org(t, org)
        pooled = [r for (tt, _o), rs in self._by_title.items() if tt == t for r in rs]
        return pooled if len({r.organisation for r in pooled}) == 1 else []

    def _short_org(self, t: str, org: str) -> list[RoleRecord]:
        """ "the Authority" where the table knows exactly one organisation of that title ending in "Authority"."""
        if " " in org:
            return []
        orgs = {o for (tt, o) in self._by_title if tt == t and o and o.split()[-1] == org}
        return list(self._by_title[(t, orgs.pop())]) if len(orgs) == 1 else []

    @staticmethod
    def _nearest(pool: list[RoleRecord], date: str) -> tuple[str, str] | None:
        """A role read from articles lasts until a successor's start: the holder who started last before
        ``date`` (open-ended, so less certain); else the first holder seen after ``date``."""
        d = date[:10]
        started = [r for r in pool if r.start and r.start[:10] <= d]
        if started:
            best = max(started, key=lambda r: (r.start or "", r.end or "", r.person_key or ""))
            return best.person_key or "", f"latest holder to start before {d}, no successor seen (open-ended)"
        after = [r for r in pool if r.start and r.start[:10] >= d]
        if after:
            best = min(after, key=lambda r: (r.start or "", r.person_key or ""))
            return best.person_key or "", f"first holder seen after {d} (uncertain)"
        return None
