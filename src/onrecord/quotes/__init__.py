"""Quotation extraction and in-article attribution.

``extract_quotes(article)`` finds direct, indirect and mixed quotes with their cue, source
and speakers; ``extract_quotes_batch(articles)`` does the same for many articles with
one batched spaCy pass.  Both take ``settings=ExtractSettings(...)`` (``settings.py``) for
other floors and switches than the defaults.  See ``docs/architecture.md``.

How it works (one module per step):

* ``marks``: pairs quotation marks (straight and curly) into runs, including quotes that
  run over several paragraphs with the closing mark left off;
* ``extract.units``: only the paragraphs outside skip ranges that hold a quotation mark,
  a colon or a word of the cue lexicon are parsed (plus the headline), with
  tagger+parser only (no NER, lemmatizer or attribute ruler);
* ``rules``: a registry of dependency rules (reporting verb + ccomp/xcomp/prep/dobj,
  "according to", headline/transcript colons) gated by the cue lexicon that
  ``scripts/train_quotes.py`` mines from PolNeAR train (``data/cue_lexicon.json``), with
  floors (``settings.Thresholds``) tuned on a train slice by ``scripts/tune_quotes.py``;
* ``extract``: assembles candidates and quote runs (a registry of attachers: cue in the
  same sentence, any verb framing the quote — "X educated, “…”" —, the next sentence,
  "― Name" sources, "X said:" before, fragments inside another quote's sentence,
  continuation paragraphs);
* ``attribution`` + ``names``: resolves each source mention to speakers (pronoun,
  full name, organisation, glued title, title, nominal, continuation) with a chain.
"""

from __future__ import annotations

from .extract import extract_quotes, extract_quotes_batch
from .settings import DEFAULT_SETTINGS, ExtractSettings, Thresholds

__all__ = ["DEFAULT_SETTINGS", "ExtractSettings", "Thresholds", "extract_quotes", "extract_quotes_batch"]
