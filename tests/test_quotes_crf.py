"""The role CRF trained on PolNeAR train: it loads, and fills sentences the rules leave empty."""

from __future__ import annotations

import pytest

from onrecord.models import Article
from onrecord.quotes import extract
from onrecord.quotes.crf import load_tagger
from onrecord.quotes.lexicon import load_lexicon
from onrecord.quotes.settings import ExtractSettings

pytestmark = pytest.mark.skipif(load_tagger() is None, reason="roles.crfsuite not built")


def test_lexicon_has_counts_and_precision() -> None:
    lex = load_lexicon()
    assert lex["said"].in_cue > 1000
    assert lex["said"].precision > 0.8
    assert lex["the"].precision < 0.1 if "the" in lex else True


def test_crf_can_be_switched_off() -> None:
    text = "Peter Hansen said that the talks had failed."
    without = extract.extract_quotes(Article(id="t", text=text), settings=ExtractSettings(use_crf=False))
    with_crf = extract.extract_quotes(Article(id="t", text=text))
    assert [q.to_dict() for q in without] == [q.to_dict() for q in with_crf]


def test_crf_candidates_slice_exactly() -> None:
    text = (
        "The senator has long championed lesbian and gay rights in the chamber.\n\n"
        "Critics have questioned the plan for months without any answer from the mayor."
    )
    for q in extract.extract_quotes(Article(id="t", text=text)):
        for role in (q.content, q.cue, q.source):
            if role:
                assert role.text == " ".join(s.slice(text) for s in role.spans)
