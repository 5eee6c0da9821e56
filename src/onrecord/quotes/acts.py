"""What kind of act a cue reports: speech (said, wrote, tweeted, according to) or thought.

A cue is *thought* when its head word is a verb, adjective or noun of cognition or attitude
("believes", "is convinced", "fears", "in his view"); everything else that reports (verbs of
saying and writing, "according to", a colon or dash) is *speech*.  The classes of cognition are
few and closed in English, so a lemma set is the mechanism here, not a list of cases seen.
"""

from __future__ import annotations

import re
from functools import lru_cache

SPEECH = "speech"
THOUGHT = "thought"
ACTS = (SPEECH, THOUGHT)

# Lemmas of cognition, belief, emotion-with-content and intention.
_THOUGHT_LEMMAS = frozenset(
    """believe think expect hope fear worry want wish doubt suspect know feel assume guess
    imagine suppose reckon understand realize realise recognize recognise intend consider view
    anticipate trust presume figure dread prefer desire suspect question wonder envision
    envisage remember recall forget estimate calculate judge deem perceive sense""".split()
)
_THOUGHT_ADJECTIVES = frozenset(
    """convinced sure certain confident concerned worried afraid optimistic pessimistic
    skeptical sceptical hopeful doubtful aware persuaded unsure uncertain fearful""".split()
)
_THOUGHT_NOUNS = frozenset("belief view opinion hope fear expectation assumption thinking mind".split())
_IRREGULAR = {
    "thought": "think", "thinks": "think", "knew": "know", "known": "know", "felt": "feel",
    "understood": "understand", "forgot": "forget", "forgotten": "forget",
}
_WORD_RE = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=8192)
def lemma_candidates(word: str) -> tuple[str, ...]:
    """Base forms a regular English inflection may come from ('believes' -> 'believe', ...)."""
    w = word.lower()
    if w in _IRREGULAR:
        return (_IRREGULAR[w],)
    out = [w]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""),
                         ("ing", ""), ("ing", "e")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            out.append(w[: len(w) - len(suffix)] + repl)
    if w.endswith(("ing", "ed")) and len(w) > 5 and w[-4] == w[-5]:  # "planned", "dropping"
        out.append(w[: -4] if w.endswith("ing") else w[:-3])
    return tuple(out)


def is_thought_word(word: str) -> bool:
    low = word.lower()
    if low in _THOUGHT_ADJECTIVES or low in _THOUGHT_NOUNS:
        return True
    return any(c in _THOUGHT_LEMMAS for c in lemma_candidates(low))


def act_of(cue: str | None) -> str:
    """'believes' -> thought; 'said', 'according to', ':' or no cue -> speech."""
    if not cue:
        return SPEECH
    words = _WORD_RE.findall(cue)
    # "told reporters he believes": the first word is the reporting head; "is convinced": any
    # cognition word of the cue phrase, since auxiliaries and adverbs carry no act.
    return THOUGHT if any(is_thought_word(w) for w in words[:4]) else SPEECH
