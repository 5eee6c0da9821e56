"""Cross-article speakers, roles, statements, quote drift, said-dates and topics.

Pure functions over the dataclasses of ``onrecord.models``; the store persists what
``link_corpus`` returns. Statement matching is lexical by default (content-word overlap
plus rapidfuzz): it needs no optional extra, is fast and explainable; pass
``embedder=MiniLMEmbedder()`` (``onrecord.speakers.embeddings``, the ``embeddings``
extra) to also match by sentence-embedding cosine.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from functools import lru_cache
from typing import overload
from urllib.parse import urlsplit

from onrecord.models import Article, Quote
from onrecord.speakers.dates import SaidDate, find_said_date, from_article, previous_sentence, sentence_bounds
from onrecord.speakers.link import ARTICLE_INPUTS_KIND, Linking, Mention, Texts, link_speakers
from onrecord.speakers.names import TITLE_WORDS, fold, is_noise_name, is_org_name, name_tokens
from onrecord.speakers.statements import (
    Clustering,
    ClusterParams,
    Item,
    cluster,
    cluster_kind,
    content_words,
    drifted,
    quoted_wording,
    statement_id,
    variant_diffs,
)
from onrecord.speakers.topics import Topic, TopicFn, cached_topics, regex_topics, text_key, topics_kind
from onrecord.speakers.types import (
    CacheFactory,
    Corrections,
    DerivedCache,
    DiffToken,
    Embedder,
    LinkResult,
    QuoteInfo,
    RoleRecord,
    Speaker,
    Statement,
    StatementReport,
    UncertainLink,
    VariantDiff,
)

__all__ = [
    "ClusterParams",
    "Corrections",
    "DiffToken",
    "Embedder",
    "LinkResult",
    "QuoteInfo",
    "RoleRecord",
    "Speaker",
    "Statement",
    "StatementReport",
    "UncertainLink",
    "VariantDiff",
    "gc_paused",
    "link_corpus",
    "regex_topics",
]


def link_corpus(
    items: Iterable[tuple[Article, list[Quote]]],
    *,
    corrections: Corrections | None = None,
    imported_roles: Iterable[RoleRecord] = (),
    embedder: Embedder | None = None,
    with_topics: bool = True,
    topic_fn: TopicFn | None = None,
    params: ClusterParams | None = None,
    caches: CacheFactory | None = None,
    text_of: Callable[[str], str] | None = None,
) -> LinkResult:
    """Link speakers across articles, read roles, date and topic each quote, and group statements.

    ``topic_fn`` replaces spaCy topic extraction (e.g. ``regex_topics`` for speed);
    ``with_topics=False`` skips topics altogether. ``caches`` (kind -> cache, the store's
    ``link_cache``) keeps what is derived from one input alone: spaCy's topics per text, and each
    speaker's statement clusters per set of their quotes; a relink then computes only what new
    quotes touch, with the same result. Articles may then come without their text (``text == ""``):
    ``text_of(article_id)`` reads one when it is needed.
    """
    with gc_paused():
        return _link_corpus(
            [(a, list(qs)) for a, qs in items],
            corrections,
            imported_roles,
            embedder,
            with_topics,
            topic_fn,
            params,
            caches,
            text_of,
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: linking makes millions of small acyclic objects (freed by reference
    counting), and repeated full collections over them would make the run grow faster than n log n.
    Nests: only the outermost pause turns the collector back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _link_corpus(
    corpus: list[tuple[Article, list[Quote]]],
    corrections: Corrections | None,
    imported_roles: Iterable[RoleRecord],
    embedder: Embedder | None,
    with_topics: bool,
    topic_fn: TopicFn | None,
    params: ClusterParams | None,
    caches: CacheFactory | None = None,
    text_of: Callable[[str], str] | None = None,
) -> LinkResult:
    texts = Texts(corpus, text_of)
    inputs = caches(ARTICLE_INPUTS_KIND) if caches is not None else None
    lk = link_speakers(corpus, corrections, list(imported_roles), inputs, texts)
    speakers = _speakers(lk)
    quote_speakers = _quote_speakers(lk)
    roles_by_key: dict[str, list[RoleRecord]] = defaultdict(list)
    for r in lk.roles:
        if r.person_key:
            roles_by_key[r.person_key].append(r)
    said, topics, labels = quote_facts(
        corpus, quote_speakers, {s.key: s for s in speakers}, with_topics, topic_fn, caches, texts
    )
    info = {
        q.id: QuoteInfo(
            said_date=said[q.id].date,
            said_date_basis=said[q.id].basis,
            said_date_precision=said[q.id].precision,
            article_date=a.published[:10] if a.published else None,
            topics=topics.get(q.id, []),
            organisations=_organisations(quote_speakers.get(q.id, []), roles_by_key, said[q.id].date),
        )
        for a, qs in corpus
        for q in qs
    }
    block_cache = caches(cluster_kind(params, embedder)) if caches is not None else None
    detached = frozenset(corrections.detached) if corrections is not None else frozenset()
    names = {s.key: s.name for s in speakers}
    statements = build_statements(corpus, quote_speakers, info, embedder, params, block_cache, detached, names)
    return LinkResult(
        speakers=speakers,
        quote_speakers=quote_speakers,
        statements=statements,
        quote_info=info,
        roles=lk.roles,
        topic_labels=labels,
        quote_statement=statements.quote_statement(),
        notes=list(lk.notes),
        title_resolutions=_title_resolutions(lk),
    )


def _title_resolutions(lk: Linking) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for m in lk.mentions:
        if m.idx in lk.title_notes:
            out[m.quote_id].append(lk.title_notes[m.idx])
    return dict(out)


# --- speakers -----------------------------------------------------------------------


def _live(lk: Linking) -> dict[str, list[Mention]]:
    members: dict[str, list[Mention]] = defaultdict(list)
    for m in lk.mentions:
        members[lk.cluster_of[m.idx]].append(m)
    return members


def _speakers(lk: Linking) -> list[Speaker]:
    members = _live(lk)
    roles_of: dict[str, list[RoleRecord]] = defaultdict(list)
    for r in lk.roles:
        if r.person_key:
            roles_of[r.person_key].append(r)
    out = []
    for cid, ms in members.items():
        key = lk.keys[cid]
        dates = sorted(m.date[:10] for m in ms if m.date)
        uncertain = [u for u in lk.uncertain.get(cid, []) if u.other_key != key]
        out.append(
            Speaker(
                key=key,
                name=lk.names[cid],
                type=_type(cid, ms),
                aliases=_aliases(ms, lk.names[cid]),
                roles=sorted(
                    roles_of.get(key, []),
                    key=lambda r: (r.source != "import", r.start or "", r.title),
                ),
                uncertain=uncertain,
                first_seen=dates[0] if dates else None,
                last_seen=dates[-1] if dates else None,
                outlets=sorted({m.outlet for m in ms if m.outlet}),
                quote_count=len({m.quote_id for m in ms}),
            )
        )
    keys = {s.key for s in out}
    by_key = {s.key: s for s in out}
    for s in out:  # show each uncertain link from both sides
        for u in list(s.uncertain):
            other = by_key.get(u.other_key)
            if other is not None and u.other_key in keys and not any(x.other_key == s.key for x in other.uncertain):
                other.uncertain.append(UncertainLink(s.key, u.alias, u.reason, list(u.article_ids)))
    return sorted(out, key=lambda s: s.key)


def _type(cid: str, ms: list[Mention]) -> str:
    if cid.startswith("o:"):
        return "organisation"
    votes = Counter(m.type for m in ms if m.type in ("person", "organisation"))
    if votes:
        return votes.most_common(1)[0][0]
    return "person" if cid[:2] in ("p:", "s:") else "unknown"


def _aliases(ms: list[Mention], name: str) -> list[str]:
    """Every readable way the articles name a speaker, once each (whitespace, apostrophes and a leading
    "the" do not make a new form)."""
    forms: dict[str, str] = {}
    for m in ms:
        for f in _alias_forms(m):
            forms.setdefault(_alias_key(f), f)
    forms.setdefault(_alias_key(name), name)
    return sorted(forms.values(), key=lambda s: (fold(s), s))


def _alias_forms(m: Mention) -> tuple[str, ...]:
    """The name, the name as given, and the source as written when it is a short name or title (no clause)."""
    return _forms_of(m.name if m.title is None else None, m.raw if _raw_is_alias(m) else None, m.surface)


@lru_cache(maxsize=50_000)  # (most mentions of a speaker name them the same few ways)
def _forms_of(name: str | None, raw: str | None, surface: str | None) -> tuple[str, ...]:
    surface = surface if surface and "," not in surface and len(surface.split()) <= 7 else None
    out = []
    for f in (name, raw, surface):
        if f and not is_noise_name(f):
            f = " ".join(f.replace("’", "'").split())
            out.append(re.sub(r"^(?:the|an?)\s+", "", f, flags=re.I))
    return tuple(out)


def _raw_is_alias(m: Mention) -> bool:
    """The extractor's name is an alias unless linking replaced it: a place given for "the mayor of X, Name",
    a cut-off organisation ("Valdorian Consumers"), an organisation given for its Director General."""
    return m.title is None and _raw_names(m.type == "organisation", m.raw, m.name)


@lru_cache(maxsize=50_000)
def _raw_names(organisation: bool, raw: str, name: str) -> bool:
    if organisation:
        return is_org_name(raw) and not is_noise_name(raw)
    return not is_org_name(raw) and bool(set(name_tokens(raw)) & set(name_tokens(name)))


def _alias_key(form: str) -> str:
    return " ".join(form.replace("’", "'").replace("‘", "'").replace("`", "'").lower().split())


def _quote_speakers(lk: Linking) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in lk.mentions:
        keys = out.setdefault(m.quote_id, [])
        key = lk.keys[lk.cluster_of[m.idx]]
        if key not in keys:
            keys.append(key)
    return out


def _organisations(keys: list[str], roles: dict[str, list[RoleRecord]], date: str | None) -> list[str]:
    orgs: list[str] = []
    for k in keys:
        rs = roles.get(k, [])
        covering = [r for r in rs if r.covers(date)] if date and len(date) >= 10 else []
        for r in covering or rs:
            if r.organisation and r.organisation not in orgs:
                orgs.append(r.organisation)
    return orgs


# --- said dates ---------------------------------------------------------------------


SAID_DATES_VERSION = 1  # bump when what ``said_date_of`` finds for a quote changes
QUOTE_FACTS_VERSION = 1  # bump when what ``quote_facts`` keeps per article changes


def quote_facts(
    corpus: list[tuple[Article, list[Quote]]],
    quote_speakers: dict[str, list[str]],
    speakers: dict[str, Speaker],
    with_topics: bool,
    topic_fn: TopicFn | None,
    caches: CacheFactory | None,
    texts: Texts,
) -> tuple[dict[str, SaidDate], dict[str, list[str]], dict[str, str]]:
    """When each quote was said, its topics (keys), and the topics' display forms.

    With ``caches``, both are kept per article, by a digest of everything they depend on (the
    article, its quotes and their spans, each quote's speakers and the names those speakers go by,
    and the topic model): a relink reads one cached value per unchanged article and works out only
    new articles and those whose speakers changed. Topics of spaCy are also kept per text, so an
    article that changed re-reads only texts it has not seen.
    """
    cacheable_topics = with_topics and topic_fn is None
    # Hashed: the store's kind column holds 64 characters.
    depends = f"said-dates-v{SAID_DATES_VERSION}:{topics_kind() if cacheable_topics else 'said only'}"
    kind = f"quote-facts-v{QUOTE_FACTS_VERSION}:{hashlib.blake2b(depends.encode(), digest_size=6).hexdigest()}"
    facts = caches(kind) if caches is not None else None
    topic_cache = caches(topics_kind()) if caches is not None and cacheable_topics else None
    if facts is None:
        said = said_dates(corpus, quote_speakers, speakers, texts)
        per_quote, labels = _topics(corpus, with_topics, topic_fn, topic_cache)
        return said, per_quote, labels
    tokens: dict[tuple[str, ...], str] = {}
    ordered = [sorted(qs, key=lambda q: (q.start, q.id)) for _, qs in corpus]
    keys = []
    for (art, _), quotes in zip(corpus, ordered, strict=True):
        h = hashlib.blake2b(f"{art.id}\x1e{art.published}".encode(), digest_size=12)
        for q in quotes:
            ks = tuple(quote_speakers.get(q.id, []))
            if ks not in tokens:
                tokens[ks] = " ".join(ks) + "\x1d" + " ".join(sorted(_speaker_tokens(list(ks), speakers)))
            spans = ",".join(f"{sp.start}-{sp.end}" for sp in q.content.spans)
            sent = f"{q.sentence.start}-{q.sentence.end}" if q.sentence else ""
            h.update(f"\x1f{q.id}\x1e{spans}\x1e{sent}\x1e{tokens[ks]}".encode())
        keys.append(h.hexdigest())
    known = facts.get_many(keys)
    missed = [n for n, k in enumerate(keys) if k not in known]
    sub = [corpus[n] for n in missed]
    said_new = said_dates(sub, quote_speakers, speakers, texts)
    found: dict[str, list[Topic]] = {}
    if cacheable_topics and sub:
        unique = list(dict.fromkeys(q.content.text for _, qs in sub for q in qs))
        found = dict(zip(unique, cached_topics(unique, topic_cache), strict=True))
    fresh: dict[str, dict] = {}
    for n in missed:
        quotes = ordered[n]
        value: dict[str, list] = {"s": [_said_row(said_new[q.id]) for q in quotes]}
        if cacheable_topics:
            value["t"] = [[list(t) for t in found[q.content.text]] for q in quotes]
            value["k"] = [text_key(q.content.text) for q in quotes]
        fresh[keys[n]] = value
        known[keys[n]] = value
    if fresh:
        facts.put_many(fresh)
    keep = getattr(topic_cache, "keep", None)
    said: dict[str, SaidDate] = {}
    quote_topics: dict[str, list[Topic]] = {}
    for quotes, key in zip(ordered, keys, strict=True):
        value = known[key]
        for q, row in zip(quotes, value["s"], strict=True):
            said[q.id] = SaidDate(*row)
        if cacheable_topics:
            for q, row in zip(quotes, value["t"], strict=True):
                quote_topics[q.id] = [(k, d) for k, d in row]
            if keep is not None:  # the texts' own topics stay cached for when this article changes
                keep(value["k"])
    if not cacheable_topics:
        per_quote, labels = _topics(corpus, with_topics, topic_fn, None)
        return said, per_quote, labels
    labels: dict[str, str] = {}
    seen: set[str] = set()
    for _, qs in corpus:  # display forms as ``_topics`` picks them: the first text to name a topic
        for q in qs:
            if q.content.text not in seen:
                seen.add(q.content.text)
                for k, d in quote_topics[q.id]:
                    labels.setdefault(k, d)
    per_quote = {qid: [k for k, _ in row] for qid, row in quote_topics.items()}
    return said, per_quote, dict(sorted(labels.items()))


def _said_row(d: SaidDate) -> list:
    return [d.date, d.basis, d.precision]


def said_dates(
    corpus: list[tuple[Article, list[Quote]]],
    quote_speakers: dict[str, list[str]],
    speakers: dict[str, Speaker],
    texts: Texts | None = None,
) -> dict[str, SaidDate]:
    """When each quote was said. A date read for one quote carries over to the same speaker's later
    quotes in the article (a press conference reported quote by quote). ``quote_facts`` keeps the
    result per article."""
    tokens: dict[tuple[str, ...], set[str]] = {}  # per speaker set: most quotes share theirs with many
    out: dict[str, SaidDate] = {}
    for art, quotes in corpus:
        carried: dict[str, SaidDate] = {}
        all_spans: _SortedSpans | None = None
        for q in sorted(quotes, key=lambda q: (q.start, q.id)):
            keys = quote_speakers.get(q.id, [])
            ks = tuple(keys)
            if ks not in tokens:
                tokens[ks] = _speaker_tokens(keys, speakers)
            if all_spans is None:
                all_spans = _SortedSpans(s for q2 in quotes for s in q2.content.spans)
            got = said_date_of(texts.article(art) if texts is not None else art, q, tokens[ks], all_spans)
            if got is None:
                got = next((carried[k] for k in keys if k in carried), None) or from_article(art.published)
            elif keys:
                carried.update({k: got for k in keys})
            out[q.id] = got
    return out


def _speaker_tokens(keys: list[str], speakers: dict[str, Speaker]) -> set[str]:
    toks: set[str] = set()
    for k in keys:
        s = speakers.get(k)
        if s is not None:
            for a in [s.name, *s.aliases]:
                toks.update(t for t in name_tokens(a)[-1:] if len(t) > 2 and _names_speaker(t, s))
    return toks


def _names_speaker(token: str, s: Speaker) -> bool:
    """A person's alias ending in a title or an organisation ("Director General of the Authority") does not
    name them in a neighbouring sentence; the article would be talking about the office."""
    return s.type == "organisation" or not (token in TITLE_WORDS or is_org_name(token))


def said_date_of(art: Article, q: Quote, speaker_tokens: set[str], mask: list | None = None) -> SaidDate | None:
    """A date cue in the quote's sentence, else in the sentence before when it names the speaker.

    Quoted contents (``mask``: every content span of the article) are blanked first, so a
    date the speaker talks about is never taken for when they spoke.
    """
    text = art.text
    spans = q.content.spans
    if not spans:
        return None
    mask = spans if mask is None else mask
    lo, hi = (
        (q.sentence.start, q.sentence.end)
        if q.sentence
        else sentence_bounds(text, min(s.start for s in spans), max(s.end for s in spans))
    )
    masked = _mask(text, lo, hi, mask)
    got = find_said_date(masked, art.published)
    if got is not None:
        return got
    prev = previous_sentence(text, lo)
    if prev is None:
        return None
    ptext = _mask(text, prev[0], prev[1], mask)
    if (
        speaker_tokens
        and speaker_tokens & set(fold(ptext).replace("-", " ").split())
        or (speaker_tokens and any(t in fold(ptext) for t in speaker_tokens))
    ):
        return find_said_date(ptext, art.published)
    return None


class _SortedSpans(list):
    """An article's content spans sorted by start, with a running max of their ends, so that masking one
    sentence reads the spans near it, not every span of the article (quadratic in a long text)."""

    def __init__(self, spans: Iterable) -> None:
        super().__init__(sorted(spans, key=lambda s: s.start))
        self.starts = [s.start for s in self]
        self.reach: list[int] = []
        for s in self:
            self.reach.append(max(s.end, self.reach[-1]) if self.reach else s.end)

    def overlapping(self, lo: int, hi: int) -> list:
        out = []
        for k in range(bisect.bisect_left(self.starts, hi) - 1, -1, -1):
            if self.reach[k] <= lo:
                break
            if self[k].end > lo:
                out.append(self[k])
        return out


def _mask(text: str, lo: int, hi: int, spans) -> str:
    if isinstance(spans, _SortedSpans):
        spans = spans.overlapping(lo, hi)
    chars = list(text[lo:hi])
    for s in spans:
        a, b = max(s.start, lo), min(s.end, hi)
        if b > a:
            chars[a - lo : b - lo] = " " * (b - a)
    return "".join(chars)


# --- topics -------------------------------------------------------------------------


def _topics(
    corpus: list[tuple[Article, list[Quote]]],
    with_topics: bool,
    topic_fn: TopicFn | None,
    cache: DerivedCache | None = None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    if not with_topics:
        return {}, {}
    unique: dict[str, int] = {}
    for _a, qs in corpus:
        for q in qs:
            unique.setdefault(q.content.text, len(unique))
    found = cached_topics(list(unique), cache, topic_fn)
    labels: dict[str, str] = {}
    for row in found:
        for key, display in row:
            labels.setdefault(key, display)
    per_quote = {q.id: [k for k, _ in found[unique[q.content.text]]] for _a, qs in corpus for q in qs}
    return per_quote, dict(sorted(labels.items()))


# --- statements ---------------------------------------------------------------------


def build_statements(
    corpus: list[tuple[Article, list[Quote]]],
    quote_speakers: dict[str, list[str]],
    info: dict[str, QuoteInfo],
    embedder: Embedder | None = None,
    params: ClusterParams | None = None,
    cache: DerivedCache | None = None,
    detached: frozenset[str] = frozenset(),
    names: dict[str, str] | None = None,
) -> Statements:
    """One speaker's reports of one remark grouped into statements; ``detached`` quotes (a reader's
    corrections: "this report is another remark") stay statements of their own. ``names`` (speaker
    key -> name) is part of each statement's digest, as the stored row shows it."""
    items: list[Item] = []
    rows: list[tuple[Article, Quote]] = []
    words_cache: dict[str, frozenset[str]] = {}

    def words(text: str) -> frozenset[str]:
        if text not in words_cache:
            words_cache[text] = content_words(text)
        return words_cache[text]
    for ai, (art, quotes) in enumerate(corpus):
        for q in quotes:
            qi = info[q.id]
            date = qi.said_date or qi.article_date
            keys = quote_speakers.get(q.id) or []
            items.append(
                Item(
                    q.id,
                    keys[0] if keys else None,
                    date,
                    q.content.text,
                    (date or "9999", qi.article_date or "9999", ai, q.start, q.id),
                )
            )
            rows.append((art, q))
    found = cluster(items, params, embedder, cache, words, detached)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(found.labels):
        groups[lab].append(i)
    p = params or ClusterParams()
    ordered = [sorted(idxs, key=lambda i: items[i].order) for idxs in groups.values()]
    ordered.sort(key=lambda idxs: (items[idxs[0]].date or "9999", statement_id(items[idxs[0]].quote_id)))
    return Statements(ordered, items, rows, info, found, p.drift_confidence, names or {})


class Statements(Sequence[Statement]):
    """The statements of one run, each built when first asked for. ``digests`` (statement id -> digest
    of everything the statement is made from: its reports' quotes, articles, dates and link scores, the
    pair scores among them, the speaker's name) lets the store build and write only the statements
    whose digest it does not hold: after a small ingest, most of a large store's are unchanged."""

    def __init__(
        self,
        groups: list[list[int]],
        items: list[Item],
        rows: list[tuple[Article, Quote]],
        info: dict[str, QuoteInfo],
        found: Clustering,
        drift_confidence: float,
        names: dict[str, str],
    ) -> None:
        self._groups = groups
        self._items = items
        self._rows = rows
        self._info = info
        self._found = found
        self._drift_confidence = drift_confidence
        self._names = names
        self._built: list[Statement | None] = [None] * len(groups)
        self.ids = [statement_id(items[g[0]].quote_id) for g in groups]
        self._index = {sid: n for n, sid in enumerate(self.ids)}
        self._digests: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self._groups)

    @overload
    def __getitem__(self, n: int) -> Statement: ...
    @overload
    def __getitem__(self, n: slice) -> list[Statement]: ...
    def __getitem__(self, n: int | slice) -> Statement | list[Statement]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        st = self._built[n]
        if st is None:
            st = self._built[n] = _statement(
                self._groups[n], self._items, self._rows, self._info, self._found, self._drift_confidence
            )
        return st

    def __iter__(self) -> Iterator[Statement]:
        return (self[n] for n in range(len(self)))

    def by_id(self, statement_id: str) -> Statement:
        return self[self._index[statement_id]]

    def quote_statement(self) -> dict[str, str]:
        """Quote id -> the statement it reports (no statement built)."""
        return {self._items[i].quote_id: sid for sid, g in zip(self.ids, self._groups, strict=True) for i in g}

    @property
    def digests(self) -> dict[str, str]:
        if self._digests is None:
            self._digests = {sid: self._digest(g) for sid, g in zip(self.ids, self._groups, strict=True)}
        return self._digests

    def _digest(self, idxs: list[int]) -> str:
        items, found = self._items, self._found
        name = self._names.get(items[idxs[0]].speaker_key or "")
        parts: list[object] = [_STATEMENT_FORMAT, self._drift_confidence, name]
        for i in idxs:
            art, q = self._rows[i]
            qi = self._info[q.id]
            it = items[i]
            parts.append((it.quote_id, it.speaker_key, it.date, it.text, q.kind, art.id, outlet_of(art),
                          qi.article_date, qi.said_date, qi.said_date_basis, found.scores[i]))  # fmt: skip
        if len(idxs) > 1:
            edges = found.edges
            parts.append([edges.get((a, b) if a < b else (b, a)) for k, a in enumerate(idxs) for b in idxs[k + 1 :]])
        return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


# What a statement's digest stands for: the code that builds it (bump on a change to ``_statement``) and
# the fields it fills, so a stored row built by other code is never taken for current.
_STATEMENT_FORMAT = (
    1,
    tuple(f.name for f in fields(Statement)),
    tuple(f.name for f in fields(StatementReport)),
    tuple(f.name for f in fields(VariantDiff)),
    tuple(f.name for f in fields(DiffToken)),
)


def _statement(
    idxs: list[int],
    items: list[Item],
    rows: list[tuple[Article, Quote]],
    info: dict[str, QuoteInfo],
    found: Clustering,
    drift_confidence: float,
) -> Statement:
    first = items[idxs[0]]
    # Why the reports were joined: the content words each shares with the earliest (and its link score).
    base_words = (first.words or content_words(first.text)) if len(idxs) > 1 else frozenset()
    reports = []
    quoted: list[tuple[str, str, str]] = []  # (article id, quote id, wording)
    article_rank: dict[str, int] = {}
    for n, i in enumerate(idxs):
        art, q = rows[i]
        qi = info[q.id]
        reports.append(
            StatementReport(
                q.id,
                art.id,
                outlet_of(art),
                qi.article_date,
                qi.said_date,
                qi.said_date_basis,
                q.content.text,
                q.kind,
                is_earliest=n == 0,
                link_score=found.scores[i],
                shared_words=sorted(base_words & (items[i].words or content_words(q.content.text)))
                if n and base_words else [],
            )
        )
        article_rank.setdefault(art.id, n)
        wording = quoted_wording(q.content.text, q.kind)
        if wording:
            quoted.append((art.id, q.id, wording))
    # The base of the diff: the longest wording of the earliest article.
    quoted.sort(key=lambda t: (article_rank[t[0]], -len(t[2])))
    confidence = _confidence(idxs, found)
    # Drift only where the reports are surely one statement: on a doubtful merge a wording
    # difference would accuse an outlet of misquoting a remark it never reported.
    drift = (
        confidence is not None
        and confidence >= drift_confidence
        and len({a for a, _, _ in quoted}) > 1
        and _cross_article_drift(quoted)
    )
    return Statement(
        id=statement_id(first.quote_id),
        speaker_key=first.speaker_key,
        reports=reports,
        drift=drift,
        diff=variant_diffs([(qid, w) for _, qid, w in quoted]) if drift else [],
        said_date=first.date,
        confidence=confidence,
    )


def _confidence(idxs: list[int], found: Clustering) -> float | None:
    """The mean P(same) over every pair of the statement's reports (unscored pairs count 0)."""
    if len(idxs) < 2:
        return None
    pairs = [(a, b) if a < b else (b, a) for k, a in enumerate(idxs) for b in idxs[k + 1 :]]
    return round(sum(found.edges.get(pr, 0.0) for pr in pairs) / len(pairs), 4)


def outlet_of(art: Article) -> str | None:
    """The outlet, else the host of the article's address (``www.`` dropped), else None."""
    if art.outlet:
        return art.outlet
    host = urlsplit(art.url).hostname if art.url else None
    return host.removeprefix("www.") if host else None


def _cross_article_drift(quoted: list[tuple[str, str, str]]) -> bool:
    for i in range(len(quoted)):
        for j in range(i + 1, len(quoted)):
            if quoted[i][0] != quoted[j][0] and drifted([quoted[i][2], quoted[j][2]]):
                return True
    return False
