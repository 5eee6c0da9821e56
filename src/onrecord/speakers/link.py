"""Cross-article speaker linking: one record per person or organisation however the articles name them.

Steps (all deterministic, no I/O):
1. mentions: every ``SpeakerRef`` of every quote, its name cleaned of glued titles;
2. full names meet when their folded tokens match ("Jānis Sārts" = "Janis Sarts");
3. roles are read from the text around each name;
4. a surname alone joins a full name only when the context is unambiguous (the same
   article names exactly one such person, or exactly one such person holds a role in an
   organisation the article mentions); otherwise it stays apart and the possible merge
   is listed as uncertain;
5. bare titles resolve to the holder on the article's date;
6. user corrections (splits, merges, renames) are applied last, the same way every run.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from onrecord.models import Article, Quote
from onrecord.speakers.names import (
    DOCUMENT_HEADS,
    PRONOUNS,
    TITLE_WORD,
    ParsedTitle,
    clean_name,
    expand_org,
    fold,
    has_diacritics,
    is_byline,
    is_noise_name,
    is_org_name,
    is_person_like,
    is_title_only,
    name_tokens,
    parse_title,
    slug,
)
from onrecord.speakers.roles import RoleObservation, RoleTable, build_article_roles, observe_roles
from onrecord.speakers.types import Corrections, DerivedCache, RoleRecord, UncertainLink


@dataclass
class Mention:
    idx: int
    article_id: str
    quote_id: str
    date: str | None
    outlet: str | None
    raw: str  # SpeakerRef.name as given
    name: str  # cleaned: glued titles and ranks removed
    type: str
    via: str
    surface: str | None = None  # the source mention as written, when it names someone
    title: ParsedTitle | None = None  # set for a bare title ("the NATO Secretary General")
    glued: str | None = None  # a title glued to the name ("NATO SG")


@dataclass
class Linking:
    """Mentions and where linking put them."""

    mentions: list[Mention]
    cluster_of: dict[int, str]  # mention idx -> cluster id
    keys: dict[str, str] = field(default_factory=dict)  # cluster id -> speaker key
    names: dict[str, str] = field(default_factory=dict)  # cluster id -> display name
    uncertain: dict[str, list[UncertainLink]] = field(default_factory=lambda: defaultdict(list))
    observations: list[RoleObservation] = field(default_factory=list)
    roles: list[RoleRecord] = field(default_factory=list)
    title_notes: dict[int, str] = field(default_factory=dict)  # mention idx -> how its title resolved
    notes: list[str] = field(default_factory=list)  # corrections that found nothing to act on
    observation_index: _ObservationIndex | None = None  # built once, see _observation_index


# --- 1. mentions --------------------------------------------------------------------


def _mention(idx: int, art: Article, q: Quote, raw: str, typ: str, via: str) -> Mention | None:
    raw = " ".join((raw or "").split())
    if not raw or fold(raw) in PRONOUNS or is_byline(raw) or via == "none":
        return None  # no name: a pronoun left unresolved, a byline
    if raw == raw.lower():
        return _role_phrase_mention(idx, art, q, raw, via)  # "site manager"; none for "this approach"
    raw = _document_author(raw, art.text) or raw
    if is_noise_name(raw):
        return None  # "Inside" (a headline's first word), "Study" by nobody the article names
    surface = _surface(q)
    base = dict(idx=idx, article_id=art.id, quote_id=q.id, date=art.published, outlet=art.outlet, raw=raw, via=via)
    base["surface"] = surface
    title = _bare_title(raw, surface, art.text)
    if title is not None:
        return Mention(name=raw, title=title, type="person", **base)  # type: ignore[arg-type]
    named = _person_in_surface(raw, surface)
    if named is not None:
        return Mention(name=named[0], glued=named[1], type="person", **base)  # type: ignore[arg-type]
    org = _org_in_surface(raw, surface)
    if typ == "organisation" or org is not None or is_org_name(raw):
        return Mention(name=expand_org(org_name(org or raw), art.text), type="organisation", **base)  # type: ignore[arg-type]
    core, glued = clean_name(raw)
    return Mention(name=core, glued=glued, type=typ or "unknown", **base)  # type: ignore[arg-type]


def _role_phrase_mention(idx: int, art: Article, q: Quote, raw: str, via: str) -> Mention | None:
    """A role phrase without a person ("the minister", "site manager") is the person the article names
    with it ("Infrastructure Minister Lena Varga", "The site manager, Petra Lund"), when exactly one."""
    name = named_by_role(re.sub(r"^(?:the|a|an)\s+", "", raw), art.text)
    if name is None:
        return None
    return Mention(
        idx=idx,
        article_id=art.id,
        quote_id=q.id,
        date=art.published,
        outlet=art.outlet,
        raw=raw,
        name=name,
        type="person",
        via=via,
        surface=_surface(q),
    )


_NAME = r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+)"


@lru_cache(maxsize=20_000)
def named_by_role(role: str, text: str) -> str | None:
    """The one person-like name written next to ``role`` in ``text``: "<Role> Name", "<role>, Name",
    "Name, the <role>"."""
    if not role or len(role.split()) > 4:
        return None
    r = rf"(?i:{re.escape(role)})"
    pats = [rf"\b{r}\s+{_NAME}", rf"\b{r},\s+{_NAME}", rf"{_NAME},\s+(?:the\s+|a\s+)?{r}\b"]
    found = {clean_name(m.group(1))[0] for p in pats for m in re.finditer(p, text)}
    found = {n for n in found if is_person_like(n)}
    return found.pop() if len(found) == 1 else None


def _document_author(raw: str, text: str) -> str | None:
    """A headline's "Study finds ..." is the study the article credits: "A study by the University of X"."""
    if len(raw.split()) != 1 or fold(raw) not in DOCUMENT_HEADS:
        return None
    return _credited(fold(raw), text)


@lru_cache(maxsize=4096)
def _credited(head: str, text: str) -> str | None:
    """(one search of an article per document noun, not one per quote naming it)"""
    noun = rf"\b(?i:{re.escape(head)})\s+(?:by|from)\s+(?:the\s+)?"
    name = r"((?:[A-Z][\w'’.-]*\s+(?:of\s+(?:the\s+)?)?)*[A-Z][\w'’.-]*)"
    found = {m.group(1) for m in re.finditer(noun + name, text)}
    return found.pop() if len(found) == 1 else None


def _bare_title(raw: str, surface: str | None, text: str) -> ParsedTitle | None:
    """The title a mention names without a person: "the Director General", or an organisation the
    extractor gave for "the Director General of the Authority" (the title's holder, not the organisation)."""
    if is_title_only(raw):
        parsed = parse_title(raw)
    elif surface and is_title_only(surface) and is_org_name(raw):
        parsed = parse_title(surface)
        if parsed is not None and (parsed.organisation is None or fold(raw).endswith(fold(parsed.organisation))):
            parsed = replace(parsed, organisation=org_name(raw))
    else:
        return None
    if parsed is None or parsed.former:
        return None
    if parsed.organisation:
        parsed = replace(parsed, organisation=expand_org(parsed.organisation, text))
    return parsed


def _person_in_surface(raw: str, surface: str | None) -> tuple[str, str] | None:
    """ "The mayor of Port Selin, Viktor Hana" given as "Port Selin": the person the surface names."""
    if not surface or ", " not in surface:
        return None
    head, _, tail = surface.rpartition(", ")
    core, glued = clean_name(tail)
    if glued or not is_person_like(core) or fold(raw) in fold(core) or parse_title(head) is None:
        return None
    return core, re.sub(r"^the\s+", "", head, flags=re.I)


def _org_in_surface(raw: str, surface: str | None) -> str | None:
    """ "the Valdorian Consumers' Union" given as "Valdorian Consumers": the organisation the surface names."""
    if not surface or "," in surface or fold(raw) not in fold(surface) or fold(raw) == fold(surface):
        return None
    s = re.sub(r"^the\s+", "", surface, flags=re.I)
    return s if is_org_name(s) and not TITLE_WORD.search(s) else None


def org_name(raw: str) -> str:
    """ "the German tabloid Bild" -> "Bild": descriptive words before a proper name go."""
    name = re.sub(r"^the\s+", "", raw, flags=re.I)
    name = re.sub(
        r"^(?:an?\s+)?(?:study|report|survey|poll|analysis)\s+(?:by|of|from)\s+(?:the\s+)?", "", name, flags=re.I
    )
    name = re.sub(
        r"^(.*\b[A-Z][\w.-]*)\s+(?:publication|newspaper|paper|tabloid|daily|agency|website|outlet)$", r"\1", name
    )
    toks = name.split()
    low = [i for i, t in enumerate(toks) if t.islower() and t not in {"of", "for", "and", "the", "on", "in", "de"}]
    if low and low[-1] < len(toks) - 1 and all(t[:1].isupper() for t in toks[low[-1] + 1 :]):
        return " ".join(toks[low[-1] + 1 :])
    return name


def _surface(q: Quote) -> str | None:
    if q.source is None:
        return None
    s = " ".join(q.source.text.split()).strip(" ,")
    if not s or fold(s) in PRONOUNS or len(s) > 90 or is_byline(s):
        return None
    return s if s[:1].isupper() or s.lower().startswith("the ") else None


# --- 2-4. names ---------------------------------------------------------------------


def _full_key(name: str) -> str | None:
    """A first name and a surname at least: "Biden Jr." is a surname alone, "Donald Trump Jr." a full name."""
    toks = [t for t in name_tokens(name) if len(t) > 1 or not t.isalpha()]
    core = len(toks)
    while core > 1 and toks[core - 1].strip(".") in _SUFFIXES:
        core -= 1
    return " ".join(toks) if core >= 2 else None


def _initial(name: str) -> str | None:
    toks = name.split()
    if len(toks) == 2 and re.fullmatch(r"[A-Z]\.?", toks[0]):
        return toks[0][0].lower()
    return None


def link_names(
    mentions: list[Mention], texts: Mapping[str, str], observations: list[RoleObservation] | None = None
) -> Linking:
    """``observations``: the articles' role observations when already read (``article_inputs``)."""
    lk = Linking(mentions=mentions, cluster_of={})
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_article[m.article_id].append(m)
    # Full names and organisations.
    surnames: dict[str, set[str]] = defaultdict(set)
    named_in: dict[str, set[str]] = defaultdict(set)  # full-name cluster -> the articles that name it in full
    org_typed: list[Mention] = []
    for m in mentions:
        if m.title is not None:
            continue
        if m.type == "organisation":
            org_typed.append(m)
            continue
        full = _full_key(m.name) if _initial(m.name) is None else None
        if full:
            cid = "p:" + full
            lk.cluster_of[m.idx] = cid
            surnames[_surname(full)].add(cid)
            named_in[cid].add(m.article_id)
    # A speaker typed an organisation whose name is a person's full name that more articles quote as a
    # person ("Donald Trump" read as an organisation in one article) is that person: the type is a guess
    # from one sentence, the name is not.
    org_articles: dict[str, set[str]] = defaultdict(set)
    for m in org_typed:
        org_articles[fold(m.name)].add(m.article_id)
    spelled = _initialisms(org_articles)
    for m in org_typed:
        full = _full_key(m.name)
        person = "p:" + full if full else None
        if person in named_in and len(named_in[person]) > len(org_articles[fold(m.name)]):
            lk.cluster_of[m.idx] = person
        else:
            key = fold(m.name)
            lk.cluster_of[m.idx] = "o:" + (spelled.get(key, key) if m.name.isupper() else key)
    # Roles, anchored on the names each article quotes.
    if observations is not None:
        lk.observations = list(observations)
    else:
        for aid, ms in by_article.items():
            lk.observations += _article_observations(aid, texts[aid], ms)
    cluster_orgs = _cluster_orgs(lk)
    orgs_by_surface: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in lk.observations:
        if o.title.organisation:
            orgs_by_surface[(o.article_id, fold(o.surface))].add(o.title.organisation)
    articles: dict[str, _ArticleText] = {}  # per article: its text, folded once, and what it was searched for
    # Surnames alone (and "J. Stoltenberg").
    prominence = {c: len(a) for c, a in named_in.items()}
    for m in mentions:
        if m.idx in lk.cluster_of or m.title is not None:
            continue
        if m.article_id not in articles:
            articles[m.article_id] = _ArticleText(texts, m.article_id)
        ctx = _Context(articles[m.article_id], orgs_by_surface[(m.article_id, fold(m.name))])
        lk.cluster_of[m.idx] = _resolve_surname(
            m, by_article[m.article_id], lk, surnames, cluster_orgs, ctx, prominence
        )
    return lk


def _article_observations(aid: str, text: str, ms: list[Mention]) -> list[RoleObservation]:
    """Titles next to the names one article quotes, with short organisations ("the Authority") written out
    as the article names them ("Coastal Water Authority")."""
    names = {m.name for m in ms if m.title is None} | {
        clean_name(m.surface)[0] for m in ms if m.surface and m.title is None and not is_title_only(m.surface)
    }
    names = {n for n in names if len(n.split()) <= 4}
    found = observe_roles(aid, text, ms[0].date, names)
    for m in ms:
        parsed = parse_title(m.glued) if m.glued else None
        if parsed is not None and not parsed.former:
            found.append(RoleObservation(aid, m.date, m.name, parsed, f'{aid}: "{m.surface or m.raw}"'))
    return [_expanded(o, text) for o in found]


def _expanded(o: RoleObservation, text: str) -> RoleObservation:
    org = o.title.organisation
    if not org:
        return o
    full = expand_org(org, text)
    return o if full == org else replace(o, title=replace(o.title, organisation=full))


class _ArticleText:
    """An article's text as surname resolution searches it: read (and folded) only when a search needs it,
    so a relink does not read every stored text; each search done once per article."""

    def __init__(self, texts: Mapping[str, str], article_id: str) -> None:
        self._texts = texts
        self._id = article_id
        self._folded: str | None = None
        self.seen: dict[tuple[str, str], bool] = {}

    @property
    def text(self) -> str:
        return self._texts[self._id]

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.text).replace("-", " ")
        return self._folded


@dataclass
class _Context:
    """What a surname's article offers: its text (as is and folded) and organisations titled next to it."""

    article: _ArticleText
    orgs_here: set[str]

    def names(self, key: str) -> bool:
        """``key in folded``, once per key (a long article has many surnames, each searched again otherwise)."""
        seen = self.article.seen
        if ("name", key) not in seen:
            seen[("name", key)] = key in self.article.folded
        return seen[("name", key)]

    def has_org(self, org: str) -> bool:
        seen = self.article.seen
        if ("org", org) not in seen:
            seen[("org", org)] = _org_in_text(org, self.article.text)
        return seen[("org", org)]


def _cluster_orgs(lk: Linking) -> dict[str, set[str]]:
    """Organisations each full-name cluster holds a role in (from observations of full names)."""
    out: dict[str, set[str]] = defaultdict(set)
    for o in lk.observations:
        full = _full_key(o.surface)
        if full and o.title.organisation:
            out["p:" + full].add(o.title.organisation)
    return out


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})  # generational: "Joseph R. Biden Jr." is a Biden
# A surname alone, in an article that names no bearer of it in full, is the bearer other articles name in
# full far more often: news write the full name at first mention except for people they take as known.
PROMINENT_MIN_ARTICLES = 3
PROMINENT_RATIO = 4
_PROMINENT = "surname alone: taken as its most named bearer"


def _surname(full: str) -> str:
    toks = full.split()
    while len(toks) > 1 and toks[-1].strip(".") in _SUFFIXES:
        toks.pop()
    return toks[-1] if toks else ""


_MINOR = frozenset({"of", "the", "for", "and", "on", "in", "de", "&"})


def _initialisms(orgs: Iterable[str]) -> dict[str, str]:
    """Folded initialisms ("ap") -> the one organisation in ``orgs`` (folded names) they spell out
    ("associated press"), for the initialisms ``orgs`` holds; none where two names share the initials."""
    names = list(orgs)
    spelled: dict[str, set[str]] = defaultdict(set)
    for name in names:
        words = [w for w in name.replace("-", " ").split() if w not in _MINOR]
        if len(words) >= 2 and all(w[:1].isalpha() for w in words):
            spelled["".join(w[0] for w in words)].add(name)
    return {n: next(iter(spelled[n])) for n in names if n.isalpha() and len(spelled.get(n, ())) == 1}


def _most_named(cands: list[str], prominence: Mapping[str, int]) -> str | None:
    """The candidate named in full in at least ``PROMINENT_MIN_ARTICLES`` articles and in
    ``PROMINENT_RATIO`` times as many as any other, else None."""
    ranked = sorted(cands, key=lambda c: (-prominence.get(c, 0), c))
    top = prominence.get(ranked[0], 0) if ranked else 0
    runner = prominence.get(ranked[1], 0) if len(ranked) > 1 else 0
    return ranked[0] if top >= PROMINENT_MIN_ARTICLES and top >= PROMINENT_RATIO * runner else None


def _resolve_surname(
    m: Mention,
    same_article: list[Mention],
    lk: Linking,
    surnames: dict[str, set[str]],
    cluster_orgs: dict[str, set[str]],
    ctx: _Context,
    prominence: Mapping[str, int] | None = None,
) -> str:
    toks = name_tokens(m.name)
    if not toks:
        return "u:" + fold(m.name)
    sur, initial = _surname(" ".join(toks)), _initial(m.name)
    cands = sorted(c for c in surnames.get(sur, ()) if initial is None or c[2:].startswith(initial))
    if not cands:
        return "s:" + fold(m.name)
    local = sorted({lk.cluster_of[x.idx] for x in same_article if lk.cluster_of.get(x.idx) in cands})
    if len(local) == 1:
        return local[0]
    named = sorted(c for c in cands if ctx.names(c[2:]))
    if len(named) == 1 and not local:
        return named[0]
    if not local and not named:
        by_org = sorted(
            c
            for c in cands
            if cluster_orgs.get(c)
            and (cluster_orgs[c] & ctx.orgs_here or any(ctx.has_org(org) for org in cluster_orgs[c]))
        )
        if len(by_org) == 1:
            return by_org[0]
        known = _most_named(cands, prominence or {})
        if known is not None:
            for c in cands:
                if c != known:
                    lk.uncertain[known].append(UncertainLink(
                        other_key=c, alias=m.name, reason=_PROMINENT, article_ids=[m.article_id]
                    ))
            return known
    why = (
        "several people with this surname in the article"
        if len(local) > 1 or len(named) > 1
        else ("same surname, but no shared article or organisation")
    )
    cid = "s:" + fold(m.name)
    for c in cands:
        lk.uncertain[cid].append(UncertainLink(other_key=c, alias=m.name, reason=why, article_ids=[m.article_id]))
    return cid


_ORG_SURFACES = {"NATO": ("NATO", "Alliance", "North Atlantic")}


def _org_in_text(org: str, text: str) -> bool:
    return any(s in text for s in _ORG_SURFACES.get(org, (org,)))


# --- keys and names -----------------------------------------------------------------


def assign_keys(lk: Linking, taken: dict[str, str] | None = None) -> None:
    """A display name and a stable key for every cluster that has none yet."""
    members: dict[str, list[Mention]] = defaultdict(list)
    for m in lk.mentions:
        cid = lk.cluster_of.get(m.idx)
        if cid is not None:
            members[cid].append(m)
    used = set(lk.keys.values())
    for cid in sorted(members, key=lambda c: (c[:2] != "p:", c)):
        if cid in lk.keys:
            continue
        name = lk.names.get(cid) or canonical_name(members[cid])
        lk.names[cid] = name
        key = slug(name)
        n = 2
        while key in used:
            key, n = f"{slug(name)}-{n}", n + 1
        lk.keys[cid] = key
        used.add(key)


def canonical_name(ms: list[Mention]) -> str:
    names = [m.name for m in ms if m.title is None] or [_title_display(m.title) for m in ms if m.title]
    counts = Counter(names)
    return max(counts, key=lambda n: (len(n.split()), has_diacritics(n), counts[n], n[:1].isupper(), n))


def _title_display(t: ParsedTitle | None) -> str:
    if t is None:
        return ""
    return f"{t.organisation} {t.title}" if t.organisation else t.title


# --- 5. bare titles -----------------------------------------------------------------


def resolve_titles(lk: Linking, table: RoleTable, named: list[str | None] | None = None) -> None:
    """Bare titles go to the holder: first one the same article names with that title (not "former"),
    else the holder on the article's date (imports first). ``named`` as for ``build_roles``."""
    titled: dict[tuple[str, str], set[str]] = defaultdict(set)  # (article, folded title) -> speaker keys
    for o, cid in zip(lk.observations, named if named is not None else _observation_clusters(lk), strict=True):
        if cid is not None and cid in lk.keys:
            titled[(o.article_id, o.title.key[0])].add(lk.keys[cid])
    by_key = {k: c for c, k in lk.keys.items()}
    for m in lk.mentions:
        if m.title is None:
            continue
        got = table.holder(m.title, m.date, prefer=titled.get((m.article_id, m.title.key[0]), set()))
        if got and got[0] in by_key:
            lk.cluster_of[m.idx] = by_key[got[0]]
            lk.title_notes[m.idx] = f"{_title_display(m.title)} -> {got[0]} ({got[1]})"
        else:
            lk.cluster_of[m.idx] = _unresolved_title(lk, m, m.title)


def _unresolved_title(lk: Linking, m: Mention, title: ParsedTitle) -> str:
    """A title no holder is known for stays a title ("Council Spokesperson"), never a person or organisation
    named by its parts."""
    return "t:" + fold(_title_display(title))


# --- 6. corrections -----------------------------------------------------------------


def apply_corrections(lk: Linking, corr: Corrections) -> list[str]:
    """Splits, then merges, then renames; returns notes on corrections that found nothing to act on."""
    notes: list[str] = []
    for speaker, alias in corr.splits:
        cid = _find_cluster(lk, speaker)
        if cid is None:
            notes.append(f"split: no speaker {speaker!r}")
            continue
        moved = [m for m in lk.mentions if lk.cluster_of.get(m.idx) == cid and fold(alias) in _forms(m)]
        if not moved:
            notes.append(f"split: {speaker!r} has no alias {alias!r}")
            continue
        new = "x:" + fold(alias)
        for m in moved:
            lk.cluster_of[m.idx] = new
        lk.names[new] = alias.strip()
        lk.keys.pop(new, None)
        assign_keys(lk)
    for keep, absorb in corr.merges:
        a, b = _find_cluster(lk, keep), _find_cluster(lk, absorb)
        if a is None or b is None or a == b:
            notes.append(f"merge: cannot merge {keep!r} and {absorb!r}")
            continue
        for m in lk.mentions:
            if lk.cluster_of.get(m.idx) == b:
                lk.cluster_of[m.idx] = a
        lk.uncertain[a] = [u for u in lk.uncertain.get(a, []) + lk.uncertain.pop(b, []) if u.other_key not in (a, b)]
    for speaker, new_name in corr.renames:
        cid = _find_cluster(lk, speaker)
        if cid is None:
            notes.append(f"rename: no speaker {speaker!r}")
            continue
        lk.names[cid] = new_name.strip()
    return notes


def _forms(m: Mention) -> set[str]:
    forms = {fold(m.raw), fold(m.name)}
    if m.surface:
        forms |= {fold(m.surface), fold(re.sub(r"^the\s+", "", m.surface, flags=re.I))}
    return forms


def _find_cluster(lk: Linking, ref: str) -> str | None:
    live = set(lk.cluster_of.values())
    for cid, key in sorted(lk.keys.items()):
        if key == ref and cid in live:
            return cid
    f = fold(ref)
    for cid, name in sorted(lk.names.items()):
        if fold(name) == f and cid in live:
            return cid
    hits = sorted({lk.cluster_of[m.idx] for m in lk.mentions if m.idx in lk.cluster_of and f in _forms(m)})
    return hits[0] if len(hits) == 1 else None


# --- everything ---------------------------------------------------------------------


class Texts(Mapping[str, str]):
    """Article id -> text, for articles that may come without theirs (``text == ""``): ``text_of`` reads
    one when linking needs it (an article or quote it has not seen before), once."""

    def __init__(self, items: Iterable[tuple[Article, list[Quote]]], text_of: Callable[[str], str] | None = None):
        self._articles = {a.id: a for a, _ in items}
        self._text_of = text_of
        self._read: dict[str, str] = {}

    def __getitem__(self, article_id: str) -> str:
        art = self._articles[article_id]
        if art.text or self._text_of is None:
            return art.text
        if article_id not in self._read:
            self._read[article_id] = self._text_of(article_id)
        return self._read[article_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._articles)

    def __len__(self) -> int:
        return len(self._articles)

    def article(self, art: Article) -> Article:
        """``art`` with its text."""
        return art if art.text or self._text_of is None else replace(art, text=self[art.id])


ARTICLE_INPUTS_VERSION = 1  # bump when what ``article_inputs`` reads from an article changes
ARTICLE_INPUTS_KIND = f"speaker-mentions-v{ARTICLE_INPUTS_VERSION}"


def article_inputs(art: Article, quotes: list[Quote]) -> tuple[list[Mention], list[RoleObservation]]:
    """What linking reads from one article alone: its speaker mentions (``idx`` 0, numbered later) and
    the titles it writes next to the names it quotes."""
    ms = [m for q in quotes for ref in q.speakers if (m := _mention(0, art, q, ref.name, ref.type, ref.resolved_via))]
    return ms, (_article_observations(art.id, art.text, ms) if ms else [])


def _inputs_key(art: Article, quotes: list[Quote]) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=12)
    h.update(f"{art.id}\x1e{art.published}\x1e{art.outlet}".encode())  # the id is the text's digest
    for q in quotes:
        src = q.source.text if q.source else ""
        refs = "\x1d".join(f"{r.name}\x1c{r.type}\x1c{r.resolved_via}" for r in q.speakers)
        h.update(f"\x1f{q.id}\x1e{src}\x1e{refs}".encode())
    return h.hexdigest()


def _inputs_json(ms: list[Mention], obs: list[RoleObservation]) -> dict:
    def title(t: ParsedTitle | None) -> list | None:
        return None if t is None else [t.title, t.organisation, t.former]

    return {
        "m": [
            [m.quote_id, m.date, m.outlet, m.raw, m.name, m.type, m.via, m.surface, title(m.title), m.glued]
            for m in ms
        ],
        "o": [[o.date, o.surface, title(o.title), o.evidence] for o in obs],
    }


def _inputs_from_json(aid: str, data: dict) -> tuple[list[Mention], list[RoleObservation]]:
    ms = [
        Mention(0, aid, qid, date, outlet, raw, name, typ, via, surface, ParsedTitle(*t) if t else None, glued)
        for qid, date, outlet, raw, name, typ, via, surface, t, glued in data["m"]
    ]
    obs = [RoleObservation(aid, date, surface, ParsedTitle(*t), ev) for date, surface, t, ev in data["o"]]
    return ms, obs


def gather_inputs(
    items: list[tuple[Article, list[Quote]]], cache: DerivedCache | None = None, texts: Texts | None = None
) -> tuple[list[Mention], list[RoleObservation]]:
    """Every article's mentions (numbered in order) and role observations; with a ``cache``, read only
    from articles (or quotes) it has not seen (``texts`` gives the text of an article that came without)."""
    keys = [_inputs_key(a, qs) for a, qs in items] if cache is not None else []
    known = cache.get_many(keys) if cache is not None else {}
    fresh: dict[str, dict] = {}
    mentions: list[Mention] = []
    observations: list[RoleObservation] = []
    for n, (art, quotes) in enumerate(items):
        if cache is not None and keys[n] in known:
            ms, obs = _inputs_from_json(art.id, known[keys[n]])
        else:
            ms, obs = article_inputs(texts.article(art) if texts is not None else art, quotes)
            if cache is not None:
                fresh[keys[n]] = _inputs_json(ms, obs)
        for m in ms:
            m.idx = len(mentions)
            mentions.append(m)
        observations += obs
    if cache is not None and fresh:
        cache.put_many(fresh)
    return mentions, observations


def link_speakers(
    items: list[tuple[Article, list[Quote]]],
    corrections: Corrections | None = None,
    imported_roles: Iterable[RoleRecord] = (),
    cache: DerivedCache | None = None,
    texts: Texts | None = None,
) -> Linking:
    texts = texts if texts is not None else Texts(items)
    mentions, observations = gather_inputs(items, cache, texts)
    lk = link_names(mentions, texts, observations)
    assign_keys(lk)
    lk.uncertain = defaultdict(list, {c: _keyed(lk, us) for c, us in lk.uncertain.items()})
    imported = _link_imported(lk, imported_roles)
    # Which cluster each role observation names, read once: resolving titles moves only title mentions,
    # which name no observation, so the roles built before it stay right unless corrections move people.
    named = _observation_clusters(lk)
    roles = build_roles(lk, named)
    resolve_titles(lk, RoleTable([*imported, *roles]), named)
    assign_keys(lk)
    if corrections:
        before = (dict(lk.cluster_of), dict(lk.keys), dict(lk.names))
        lk.notes = apply_corrections(lk, corrections)
        assign_keys(lk)
        if (lk.cluster_of, lk.keys, lk.names) != before:
            roles = build_roles(lk, _observation_clusters(lk))
            imported = _link_imported(lk, imported_roles)
    lk.roles = [*imported, *roles]
    return lk


def _keyed(lk: Linking, links: list[UncertainLink]) -> list[UncertainLink]:
    seen: dict[str, UncertainLink] = {}
    for u in links:
        key = lk.keys.get(u.other_key, u.other_key)
        if key in seen:
            seen[key].article_ids = sorted(set(seen[key].article_ids) | set(u.article_ids))
        else:
            seen[key] = UncertainLink(key, u.alias, u.reason, sorted(set(u.article_ids)))
    return list(seen.values())


def _observation_clusters(lk: Linking) -> list[str | None]:
    """The cluster each of ``lk.observations`` names (None: no one mention of its article)."""
    index = _observation_index(lk)
    return [index.cluster(o, lk) for o in lk.observations]


def build_roles(lk: Linking, named: list[str | None] | None = None) -> list[RoleRecord]:
    """Role records per speaker key from the observations, each mapped to the cluster its name went to
    (``named``: ``_observation_clusters``, when already read)."""
    pairs = []
    for o, cid in zip(lk.observations, named if named is not None else _observation_clusters(lk), strict=True):
        if cid is not None and cid in lk.keys and not cid.startswith("o:"):
            pairs.append((lk.keys[cid], o))
    names = {lk.keys[c]: n for c, n in lk.names.items() if c in lk.keys}
    return build_article_roles(pairs, names)


def _observation_index(lk: Linking) -> _ObservationIndex:
    """One index per linking run (it keys mentions, which do not change; clusters are looked up live)."""
    if lk.observation_index is None:
        by_article: dict[str, list[Mention]] = defaultdict(list)
        for m in lk.mentions:
            by_article[m.article_id].append(m)
        lk.observation_index = _ObservationIndex(by_article)
    return lk.observation_index


class _ObservationIndex:
    """Which cluster a role observation names (one exact name form, else one surname), by lookup: each
    article's mentions keyed once by the folded forms compared, not cleaned again per observation."""

    def __init__(self, by_article: dict[str, list[Mention]]) -> None:
        self.by_article = by_article
        self.exact: dict[str, dict[str, list[Mention]]] = {}
        self.last: dict[str, dict[str, list[Mention]]] = {}

    def _build(self, aid: str) -> None:
        exact: dict[str, list[Mention]] = defaultdict(list)
        last: dict[str, list[Mention]] = defaultdict(list)
        for m in self.by_article.get(aid, []):
            if m.title is not None:
                continue
            keys = {fold(m.name)}
            if m.surface:
                keys.add(fold(clean_name(m.surface)[0]))
            for k in keys:
                exact[k].append(m)
            toks = name_tokens(m.name)
            if toks:
                last[toks[-1]].append(m)
        self.exact[aid], self.last[aid] = exact, last

    def cluster(self, o: RoleObservation, lk: Linking) -> str | None:
        if o.article_id not in self.exact:
            self._build(o.article_id)
        f = fold(o.surface)
        exact = {lk.cluster_of.get(m.idx) for m in self.exact[o.article_id].get(f, ())}
        exact.discard(None)
        if len(exact) == 1:
            return exact.pop()
        last = {lk.cluster_of.get(m.idx) for m in self.last[o.article_id].get(f, ())}
        last.discard(None)
        return last.pop() if len(last) == 1 else None


def _link_imported(lk: Linking, roles: Iterable[RoleRecord]) -> list[RoleRecord]:
    from onrecord.speakers.roles import normalise_imported

    by_name: dict[str, str] = {}
    for cid, name in lk.names.items():
        if cid in lk.keys:
            by_name.setdefault(fold(name), lk.keys[cid])
            full = _full_key(name)
            if full:
                by_name.setdefault(full, lk.keys[cid])
    out = []
    for r in roles:
        n = normalise_imported(r)
        n.person_key = by_name.get(fold(n.person)) or by_name.get(_full_key(n.person) or "")
        if n.person_key:
            n.person = lk.names.get(next(c for c, k in lk.keys.items() if k == n.person_key), n.person)
        out.append(n)
    return out
