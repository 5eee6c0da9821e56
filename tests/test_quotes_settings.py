"""Extractor settings: one frozen value passed in, so two configurations live in one process."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from onrecord.models import Article
from onrecord.quotes import (
    DEFAULT_SETTINGS,
    ExtractSettings,
    Thresholds,
    crf,
    extract,
    extract_quotes,
    extract_quotes_batch,
    rules,
)

STRICT = ExtractSettings(floors=Thresholds(ccomp=0.9, xcomp=0.9, prep=0.9, dobj=0.9, bare=0.9))
XCOMP = "The union threatened to strike over pay next week."
NO_SUBJECT = "Hoping to calm markets, warned about rising flood risks in the city."
CONTINUED = 'Jane Doe said the plan was good.\n\n"It will work, and it will work well for all of us."'
CRF_ONLY = (
    "The senator has long championed lesbian and gay rights in the chamber.\n\n"
    "Critics have questioned the plan for months without any answer from the mayor."
)


def contents(text: str, settings: ExtractSettings | None = None) -> list[tuple[str, str]]:
    quotes = extract_quotes(Article(id="t", text=text), min_confidence=0.0, settings=settings)
    return [(q.content.text, q.rule) for q in quotes]


def rules_found(text: str, settings: ExtractSettings | None = None) -> list[str]:
    return [rule for _, rule in contents(text, settings)]


def test_defaults_are_the_values_the_module_globals_held() -> None:
    assert DEFAULT_SETTINGS == ExtractSettings()
    assert DEFAULT_SETTINGS.floors == Thresholds(ccomp=0.05, xcomp=0.3, prep=0.2, dobj=0.3, bare=0.5)
    assert (DEFAULT_SETTINGS.require_subject, DEFAULT_SETTINGS.use_crf, DEFAULT_SETTINGS.crf_require_source) == (
        True,
        True,
        True,
    )
    assert (
        DEFAULT_SETTINGS.parse_floor,
        DEFAULT_SETTINGS.min_orphan_words,
        DEFAULT_SETTINGS.continue_max_breaks,
    ) == (0.15, 5, 2)


def test_no_module_global_is_left_to_mutate() -> None:
    gone = {rules: ["TH", "REQUIRE_SUBJECT"], crf: ["REQUIRE_SOURCE"],
            extract: ["USE_CRF", "PARSE_FLOOR", "MIN_ORPHAN_WORDS", "CONTINUE_MAX_BREAKS"]}  # fmt: skip
    for module, names in gone.items():
        for name in names:
            assert not hasattr(module, name), f"{module.__name__}.{name}"


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.use_crf = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.floors.dobj = 0.0  # type: ignore[misc]


def test_no_settings_equal_the_default_settings(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        art = Article(id=path.stem, text=text, title=text.split("\n", 1)[0])
        want = [q.to_dict() for q in extract_quotes(art, min_confidence=0.0)]
        assert want
        for s in (None, DEFAULT_SETTINGS, ExtractSettings()):
            got = [q.to_dict() for q in extract_quotes(art, min_confidence=0.0, settings=s)]
            assert got == want, path.name


def test_each_setting_changes_what_is_found() -> None:
    assert contents(XCOMP) == [("to strike over pay next week", "verb:xcomp")]
    assert contents(XCOMP, STRICT) == []  # the floors
    assert contents(NO_SUBJECT) == []
    assert contents(NO_SUBJECT, ExtractSettings(require_subject=False, floors=Thresholds(xcomp=0.0, dobj=0.0)))
    assert rules_found(CRF_ONLY, STRICT) == ["crf", "crf"]  # the rules give way to the CRF
    assert contents(CRF_ONLY, dataclasses.replace(STRICT, use_crf=False)) == []
    assert rules_found(CONTINUED) == ["verb:ccomp", "continued+orphan"]
    assert rules_found(CONTINUED, ExtractSettings(min_orphan_words=50)) == ["verb:ccomp"]
    assert rules_found(CONTINUED, ExtractSettings(continue_max_breaks=0)) == ["verb:ccomp", "orphan+orphan"]
    announced = "The minister announced a review of the tax rules on Monday."
    assert contents(announced) and contents(announced, ExtractSettings(parse_floor=1.01)) == []  # never parsed


def test_two_configurations_run_side_by_side_in_one_process() -> None:
    """Two batches with different settings, read in turn: neither leaks into the other."""
    texts = [XCOMP, CRF_ONLY, NO_SUBJECT, XCOMP]
    want_default = [contents(t) for t in texts]
    want_strict = [contents(t, STRICT) for t in texts]
    assert want_default != want_strict

    def batch() -> list[Article]:
        return [Article(id=f"{i}", text=t) for i, t in enumerate(texts)]

    a = extract_quotes_batch(batch(), batch_size=1, min_confidence=0.0)
    b = extract_quotes_batch(batch(), batch_size=1, min_confidence=0.0, settings=STRICT)
    got_a, got_b = [], []
    for _ in texts:
        got_a.append([(q.content.text, q.rule) for q in next(a)])
        got_b.append([(q.content.text, q.rule) for q in next(b)])
    assert got_a == want_default and got_b == want_strict


def test_the_python_api_passes_settings_through() -> None:
    import onrecord

    text = "Port talks\n\nThe union threatened to strike over pay next week, its leader said.\n"
    closed = ExtractSettings(floors=Thresholds(ccomp=2.0, xcomp=2.0, prep=2.0, dobj=2.0, bare=2.0), use_crf=False)
    assert onrecord.extract(text).quotes  # the shipped floors find the quote
    assert onrecord.extract(text, settings=closed).quotes == []  # floors no cue reaches find none
    assert onrecord.extract(text).quotes == onrecord.extract(text, settings=DEFAULT_SETTINGS).quotes
