"""How sure onrecord is that a quote is a real attribution, from what produced it.

A quote is trusted for what attributes it, not for being in quotation marks:

- the **cue class**: a verb of saying or writing (the hand list, or a form PolNeAR's annotators
  marked as a cue most of the times they met it), a verb of cognition (``acts.py``), or any
  other verb (which reports only in some uses: "makes", "shows", "named");
- the **content**: a clause (ccomp, or the sentence around a parenthetical "she says") is what
  reports carry; an object or an infinitive after a verb that is not one of saying reports an
  event or the subject's own plan ("plans to", "hopes to"), except after verbs of announcing
  ("announced a deal") and of promising or claiming ("vowed to"); a quoted run that reads as a title or a term
  ("Parasite", "FaceTime Attention Correction") is no speech at all;
- the **source**: a mention that can speak (a person, an organisation, a document, a pronoun or
  nominal for one); the writer's own "I"/"we" outside quotation marks is narration, not an
  attribution; a quote with no source at all is less sure.

The scores are tiers, set so that a tier's share of real quotes on the out-of-domain news dev
set (``benchmarks/news.py``) is at least its score; ``DEFAULT_MIN_CONFIDENCE`` is what ``extract``
and ``ingest`` keep by default (``--min-confidence 0`` keeps every candidate, PolNeAR-style).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .acts import is_thought_word, lemma_candidates
from .lexicon import HAND_CUES, load_lexicon, load_source_heads

DEFAULT_MIN_CONFIDENCE = 0.5
SPEECH_FLOOR = 0.6  # a form PolNeAR marked as a cue this often (and at least MIN_SEEN times) is a speech verb
MIN_SEEN = 5
# Research reports: "the study found that", "researchers discovered that" (documents speak).
FINDINGS = frozenset("find finds found finding discover discovers discovered".split())
# Speech acts (directives, assertions, verdicts) beside the hand cues: "demanded they stop", "posit".
SPEECH_ACTS = frozenset(
    """demand posit assert contend caution advise recommend propose request accuse criticise
    criticize praise testify concede boast quip joke insist reiterate""".split()
)
# Evidence, not a statement: "carbon dating showed it to be 50,000 years old", "a chart shows".
EVIDENTIAL = frozenset("show shows showed shown showing".split())
# Speech acts whose infinitive is the promise or claim made ("vowed to", "claims to have found"),
# and those whose object is the news announced ("announced a deal", "reported outages").
COMMISSIVES = frozenset("vow pledge promise threaten swear claim offer".split())
ANNOUNCING = frozenset("announce report declare reiterate confirm deny disclose admit acknowledge".split())
LONG_ORPHAN_WORDS = 12  # a quoted paragraph this long with no cue is still most often speech
FIRST_PERSON = frozenset("i we me us you lemme".split())  # the writer, or the reader addressed
NOBODY = ("no one", "nobody", "none", "nothing", "no-one")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def cue_class(head: str | None) -> str:
    """'S' saying or writing, 'T' cognition, 'O' any other verb, '' no verb (colon, dash, none)."""
    if not head:
        return ""
    low = head.lower()
    if low in EVIDENTIAL:
        return "O"
    if (low in HAND_CUES or low in FINDINGS) and not is_thought_word(low):
        return "S"
    if not is_thought_word(low) and any(c in HAND_CUES or c in SPEECH_ACTS for c in lemma_candidates(low)):
        return "S"  # another form of a speech verb ("warning"), or a speech act PolNeAR rarely saw
    if is_thought_word(low):
        return "T"
    stats = load_lexicon().get(low)
    if stats is not None and stats.total >= MIN_SEEN and stats.precision >= SPEECH_FLOOR:
        return "S"
    return "O"


_SMALL_WORDS = frozenset("a an the of in on for and or to at by with from vs via de la".split())
NAMING_WORDS = ("titled", "entitled", "called", "named", "dubbed", "headlined", "nicknamed", "known as")


AGENT_SUFFIXES = ("er", "or", "ist", "ian", "man", "men", "woman", "women", "person", "people", "ess", "eer", "ant")


QUANTIFIERS = ("one ", "some ", "many ", "several ", "few ", "most ", "two ", "three ", "other ")


def can_speak_noun(head: str | None) -> bool:
    """Can a common noun heading a source speak?  Yes when one did in PolNeAR train ("officials",
    "the campaign", "a poll") or when it names an agent by its ending ("the winemaker", "a merchant")."""
    if head is None or head in load_source_heads():
        return True
    words = head.split("-")
    last = words[-1].rstrip("s") if words[-1].endswith("s") and not words[-1].endswith("ss") else words[-1]
    return last.endswith(AGENT_SUFFIXES) or head.endswith(AGENT_SUFFIXES)


def _in_class(word: str, lemmas: frozenset[str]) -> bool:
    return any(c in lemmas for c in lemma_candidates(word))


def title_like(text: str) -> bool:
    """Does a quoted run read as a name, title or term rather than speech?

    No sentence punctuation inside, and the content words capitalised ("Once Upon A Time in
    Hollywood", "FaceTime Attention Correction", a paper's title in a reference list), or one to
    three words without the shape of a sentence ("net zero carbon", "sex simulation").
    """
    words = _WORD_RE.findall(text)
    if not words or len(words) > 24:
        return False
    if any(ch in text.rstrip(".,!?;:") for ch in ".!?;"):
        return False
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    caps = sum(1 for w in content if w[0].isupper())
    if content and (caps == len(content) if len(words) <= 8 else caps >= 0.8 * len(content)):
        return True
    return len(words) <= 3 and not text.rstrip().endswith(("!", "?", "."))


def named_by(before: str) -> bool:
    """ "a paper titled “…”", "a feature called “…”": the marks hold a name."""
    return before.rstrip(" \t\u00a0,:").lower().endswith(NAMING_WORDS)


@dataclass(frozen=True)
class Evidence:
    """What produced a quote, as the scorer sees it."""

    rule: str  # the rule or attacher, e.g. "verb:ccomp", "verb:bare+cue_in_same_sentence", "crf"
    kind: str  # direct | indirect | mixed
    cue_head: str | None  # the verb (or None for colon, dash, according to)
    has_source: bool
    first_person_source: bool
    source_can_speak: bool
    quoted_words: int  # words inside quotation marks in the content
    title_like_run: bool  # the only quoted run is a title or term
    hedged: bool = False  # the cue is modal, an infinitive or an imperative: no act took place
    negated: bool = False  # "don't say": no speech (a negated thought, "didn't think", is still one)
    named_source: bool = False  # the source has a title word or a two-word name
    it_source: bool = False  # the source is "it"
    wh_content: bool = False  # the content opens with what/how/whether/if: a question, not a belief
    passive: bool = False  # "it was assumed that", "was discovered": the subject is not who spoke
    doubtful_speaker: bool = False  # a common noun never seen heading a source ("the incident")
    directive: bool = False  # "urged victims to", "told her to": an object and an infinitive
    advocacy: bool = False  # the cue's preposition is "for" or "against"


def score(e: Evidence) -> float:
    if e.first_person_source or not e.source_can_speak:
        return 0.1
    if e.kind == "direct" and e.title_like_run:
        return 0.05
    base = _base(e)
    if e.hedged or (e.negated and cue_class(e.cue_head) == "S"):
        base *= 0.4  # "could argue", "don't say", "to write", "Note that": said by nobody
    if e.passive:
        base *= 0.5
    if e.doubtful_speaker:
        base *= 0.5
    if not e.has_source:
        base *= 0.8
    return round(base, 3)


def _base(e: Evidence) -> float:
    rule, how = e.rule.split("+")[0], e.rule.split("+")[-1]
    cls = cue_class(e.cue_head)
    if rule == "according":
        return 0.95
    if rule == "signature":  # a post signed "— Name (@handle) date"
        return 0.9
    if rule in ("orphan", "continued") or how == "orphan":
        if rule == "continued":
            return 0.6
        return 0.63 if e.quoted_words >= LONG_ORPHAN_WORDS else 0.4
    if e.kind in ("direct", "mixed") and e.quoted_words >= 3:
        if cls in ("S", "T") or rule in ("colon", "dash"):
            return 0.95
        return 0.7 if how in ("adjacent_verb", "cue_in_next_sentence") else 0.55
    if rule == "crf":  # the CRF tags roles without a parse: trusted only with a cue of saying or thinking
        return 0.55 if cls in ("S", "T") else 0.25
    if rule in ("colon", "dash"):  # "NATO ASG: …", "… – NATO Secretary General"; not "Standards: …"
        return 0.75 if e.named_source else 0.4
    how_found = rule.split(":")[-1]
    if how_found == "ccomp" and cls == "T" and e.it_source:
        return 0.45  # "it therefore feels that …": a thing does not think (an organisation rarely does)
    if how_found == "ccomp" and cls == "T" and e.wh_content:
        return 0.3  # "doesn't know what the happy path should do": no belief is reported
    if how_found in ("ccomp", "parenthetical", "trailing"):
        return {"S": 0.92, "T": 0.75}.get(cls, 0.25)
    if how_found == "xcomp" and e.directive:
        return 0.8 if cls == "S" else 0.3
    head = (e.cue_head or "").lower()
    if how_found == "xcomp" and _in_class(head, COMMISSIVES):
        return 0.75  # "vowed to resurrect coal", "claim to have found a bug": a promise or a claim
    if how_found == "dobj" and _in_class(head, ANNOUNCING):
        return 0.6  # "announced his decision", "confirmed the deal": the object is what was announced
    if how_found == "prep" and e.advocacy and cls == "S":
        return 0.6  # "called for a new round of talks", "argued against the plan": a proposal
    if how_found in ("dobj", "xcomp", "prep"):
        return 0.45 if cls == "S" else 0.2  # an object or the subject's own plan: an event, not a report
    return 0.5 if cls in ("S", "T") else 0.2
