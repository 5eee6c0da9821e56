"""The cue lexicon mined from PolNeAR train (``scripts/train_quotes.py``) plus a few hand cues."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Speech verbs that always count, whatever the corpus says (forms, lower case).
HAND_CUES = frozenset(
    """say says said saying tell tells told telling add adds added adding state states stated
    stating note notes noted noting claim claims claimed claiming insist insists insisted
    argue argues argued arguing explain explains explained warn warns warned announce announced
    announces declare declared declares write wrote writes written tweet tweeted tweets
    stress stressed stresses emphasise emphasised emphasize emphasized emphasizes recall recalled
    recalls conclude concluded concludes continue continued continues report reported reports
    assure assured assures believe believes believed think thinks thought urge urged urges
    acknowledge acknowledged admit admitted suggest suggested suggests reply replied replies
    respond responded ask asked asks confirm confirmed confirms deny denied denies predict
    predicted vow vowed promise promised pledged pledge mention mentioned mentions observe
    observed observes disclose disclosed discloses voice voiced voices express expressed
    allege alleged alleges highlight highlighted highlighting relate related relating urging
    explaining alleging remark remarked remarks point pointed agree agreed agrees complain
    complained complains comment commented comments""".split()
)
# Reporting nouns that may carry a cue in "in an interview", "in a statement".
CUE_NOUNS = frozenset(
    """interview statement conversation letter tweet post email speech briefing conference
    release op-ed column remarks address message video appearance hearing""".split()
)


@dataclass(frozen=True)
class CueStats:
    in_cue: int
    total: int

    @property
    def precision(self) -> float:
        return self.in_cue / self.total if self.total else 0.0


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, CueStats]:
    raw = resources.files("onrecord.quotes").joinpath("data/cue_lexicon.json").read_text("utf-8")
    forms = json.loads(raw)["forms"]
    return {f: CueStats(n, t) for f, (n, t) in forms.items()}


@lru_cache(maxsize=131072)  # the rules, the CRF features and the parse filter ask about every word
def cue_precision(form: str) -> float:
    """How often ``form`` was (part of) a cue in PolNeAR train; hand cues count as 1."""
    form = form.lower()
    if form in HAND_CUES:
        return 1.0
    stats = load_lexicon().get(form)
    return stats.precision if stats else 0.0


_HEAD_SEGMENT_RE = re.compile(r",|\(|\b(?:who|which|that|of|at|for|in|from|with|on)\b")
_HEAD_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019\-]*")


def source_head(source: str) -> str | None:
    """The head noun of a source mention, lower-cased, when it is a common noun: "the waiter" ->
    "waiter", "researchers at ESET" -> "researchers"; None for names ("Jo Grady") and empty ones."""
    seg = _HEAD_SEGMENT_RE.split(source, maxsplit=1)[0]
    words = _HEAD_WORD_RE.findall(seg)
    # "media reports monitoring the incident": a participle after the head starts a modifier
    cut = next((i for i, w in enumerate(words) if i and w.endswith(("ing", "ed")) and w.islower()), len(words))
    words = words[:cut]
    if not words or not words[-1].islower():
        return None
    return words[-1].lower()


@lru_cache(maxsize=1)
def load_source_heads() -> frozenset[str]:
    """Common nouns that headed a gold source in PolNeAR train (``scripts/train_quotes.py``)."""
    path = resources.files("onrecord.quotes").joinpath("data/source_heads.json")
    if not path.is_file():
        return frozenset()
    return frozenset(json.loads(path.read_text("utf-8"))["heads"])
