"""Topics: entities and key noun phrases inside a quote's content, plus the speaker's organisations."""

from __future__ import annotations

from onrecord.speakers import link_corpus, regex_topics
from onrecord.speakers.topics import spacy_topics, topic_key
from test_speakers_seedcorpus import make_article


def test_topic_keys_are_normalised() -> None:
    assert topic_key("the Alliance") == ("nato", "NATO")
    assert topic_key("North Atlantic Treaty Organization") == ("nato", "NATO")
    assert topic_key("Russian")[0] == "russia"
    assert topic_key("Nuclear Weapons") == ("nuclear weapons", "Nuclear Weapons")


def test_spacy_topics_read_only_the_content() -> None:
    (found,) = spacy_topics(["we do not see any imminent threat of nuclear weapons being used by Russia"])
    keys = {k for k, _ in found}
    assert {"nuclear weapons", "russia"} <= keys


def test_regex_fallback() -> None:
    (found,) = regex_topics(["We support Ukraine and NATO against Russia."])
    assert {k for k, _ in found} >= {"ukraine", "nato", "russia"}


def test_quote_topics_exclude_the_frame() -> None:
    text = "Speaking in Berlin, Mark Rutte said that Russia threatens Ukraine."
    art = make_article("a1", text, "2024-10-15", [("Russia threatens Ukraine", "Mark Rutte", "indirect")])
    r = link_corpus([art])
    topics = r.quote_info["a1-q0"].topics
    assert "russia" in topics and "ukraine" in topics and "berlin" not in topics


def test_custom_topic_function_and_switch_off() -> None:
    art = make_article(
        "a1",
        "Mark Rutte said that Russia threatens Ukraine.",
        "2024-10-15",
        [("Russia threatens Ukraine", "Mark Rutte", "indirect")],
    )
    assert link_corpus([art], topic_fn=regex_topics).quote_info["a1-q0"].topics == ["russia", "ukraine"]
    assert link_corpus([art], with_topics=False).quote_info["a1-q0"].topics == []
