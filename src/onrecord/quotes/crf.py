"""A CRF (python-crfsuite) that tags attribution roles in sentences the rules leave empty.

Labels are BIO tags over three roles: ``C`` cue, ``S`` source, ``Q`` content.  It is
trained on PolNeAR train by ``scripts/train_quotes.py --crf`` and ships as
``data/roles.crfsuite``; when the file is missing the extractor runs on rules alone.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from onrecord.models import Span

from .lexicon import cue_precision
from .rules import QUOTE_CHARS, Candidate, Sent, spans_of

MODEL_FILE = "roles.crfsuite"


def _bucket(p: float) -> str:
    return "0" if p <= 0 else "1" if p < 0.1 else "2" if p < 0.3 else "3" if p < 0.6 else "4"


_KID_DEPS = frozenset({"ccomp", "nsubj", "xcomp", "dobj", "prep", "nsubjpass"})


def token_features(sent: Sent) -> list[list[str]]:
    toks = list(sent.span)
    # Each token's own attributes once: a spaCy attribute read builds a Python object, and each token
    # is also read as a neighbour and as a head.
    lower = [t.lower_ for t in toks]
    tag = [t.tag_ for t in toks]
    feats: list[list[str]] = []
    for k, t in enumerate(toks):
        text, dep, head = t.text, t.dep_, t.head
        f = [
            "b",
            "w=" + lower[k],
            "suf=" + lower[k][-3:],
            "tag=" + tag[k],
            "dep=" + dep,
            "hdep=" + head.dep_,
            "htag=" + head.tag_,
            "hw=" + head.lower_,
            "tagdep=" + tag[k] + "_" + dep,
            "cp=" + _bucket(cue_precision(text)),
            "hcp=" + _bucket(cue_precision(head.text)),
            "q=" + str(int(sent.quoted(sent.start(t)))),
            "cap=" + str(int(text[:1].isupper())),
        ]
        f += ["kid=" + d for d in sorted({c.dep_ for c in t.children} & _KID_DEPS)]
        if text in QUOTE_CHARS:
            f.append("qmark")
        for off in (-2, -1, 1, 2):
            j = k + off
            if 0 <= j < len(toks):
                f += [f"{off}:w=" + lower[j], f"{off}:tag=" + tag[j]]
            else:
                f.append(f"{off}:pad")
        feats.append(f)
    return feats


@lru_cache(maxsize=1)
def load_tagger() -> Any | None:
    try:
        import pycrfsuite
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    ref = resources.files("onrecord.quotes").joinpath("data/" + MODEL_FILE)
    if not ref.is_file():
        return None
    tagger = pycrfsuite.Tagger()
    with resources.as_file(ref) as path:
        tagger.open(str(path))
    return tagger


def _role_tokens(sent: Sent, tags: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"C": [], "S": [], "Q": []}
    for t, tag in zip(sent.span, tags, strict=True):
        if tag != "O":
            out[tag[2:]].append(t)
    return out


def candidate_from_crf(sent: Sent) -> Candidate | None:
    """One attribution the CRF sees in ``sent`` (cue and content both required; a source too, unless
    ``sent.settings.crf_require_source`` is off)."""
    tagger = load_tagger()
    if tagger is None:
        return None
    tags = tagger.tag(token_features(sent))
    roles = _role_tokens(sent, tags)
    if not roles["C"] or not roles["Q"] or (sent.settings.crf_require_source and not roles["S"]):
        return None
    cue = spans_of(sent, roles["C"])
    content = spans_of(sent, roles["Q"])
    source = spans_of(sent, roles["S"])
    if not cue or not content:
        return None
    src = Span(source[0].start, source[-1].end) if source else None
    return Candidate(cue, src, content, sent.char_span, "crf")
