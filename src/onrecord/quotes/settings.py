"""The extractor's thresholds and switches, as one value passed in (no module globals).

``extract_quotes(article, settings=ExtractSettings(use_crf=False))`` runs with other values while
other callers in the same process keep the defaults; ``dataclasses.replace`` makes variants::

    loose = replace(DEFAULT_SETTINGS, floors=replace(DEFAULT_SETTINGS.floors, dobj=0.1))

The defaults are the values tuned on PolNeAR train (``scripts/tune_quotes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Thresholds:
    """Cue-precision floors per kind of content (``rules.content_of``); tuned on PolNeAR train."""

    ccomp: float = 0.05
    xcomp: float = 0.3
    prep: float = 0.2
    dobj: float = 0.3
    bare: float = 0.5


@dataclass(frozen=True)
class ExtractSettings:
    """What the quote extractor may vary; frozen, so one value is safe to share between threads."""

    floors: Thresholds = field(default_factory=Thresholds)
    require_subject: bool = True  # xcomp/prep/dobj cues need a subject (their own or a governing verb's)
    use_crf: bool = True  # tag sentences without a rule candidate with the CRF (when its model ships)
    crf_require_source: bool = True  # sourceless CRF guesses cost more attribution accuracy than they add
    # A sentence is parsed when it has a word PolNeAR marked as a cue at least this often: rarer cue
    # words ("made", "see") only ever give quotes scored below the default floor.  PolNeAR dev with
    # every candidate: 0.05 -> 0.15 keeps content F1 (83.7 -> 83.8) and parses ~15% less.
    parse_floor: float = 0.15
    min_orphan_words: int = 5  # a quote run with no cue in reach needs this many words to be kept
    continue_max_breaks: int = 2  # paragraph breaks an orphan quote may be from the quote it continues


DEFAULT_SETTINGS = ExtractSettings()
