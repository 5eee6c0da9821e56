"""Names across articles: folding, glued titles, surnames in context, collisions left uncertain."""

from __future__ import annotations

from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef
from onrecord.speakers import link_corpus
from onrecord.speakers.names import clean_name, fold, is_title_only, parse_title, slug
from test_speakers_seedcorpus import make_article


def test_fold_and_slug() -> None:
    assert fold("Jānis  Sārts") == "janis sarts"
    assert fold("Micael Bydén") == fold("Micael Byden")
    assert fold("Jørgen Łukasz") == "jorgen lukasz"
    assert slug("Jānis Sārts") == "janis-sarts"


def test_clean_name_strips_glued_titles() -> None:
    assert clean_name("NATO SG Stoltenberg") == ("Stoltenberg", "NATO SG")
    assert clean_name("NATO Secretary General Mark Rutte")[0] == "Mark Rutte"
    assert clean_name("Admiral Rob Bauer")[0] == "Rob Bauer"
    assert clean_name("Jānis Sārts") == ("Jānis Sārts", None)


def test_title_parsing_normalises_variants() -> None:
    same = {
        parse_title(t).key
        for t in [
            "NATO SG",
            "NATO Secretary-General",
            "the Alliance Secretary General",
            "North Atlantic Treaty Organisation (NATO) secretary general (SG)",
            "the new NATO Secretary General",
        ]
    }
    assert same == {("secretary general", "nato")}
    bauer = parse_title("Chairman of the NATO Military Committee")
    assert (bauer.title, bauer.organisation) == ("Chair of the Military Committee", "NATO")
    assert parse_title("former NATO Secretary General").former
    assert is_title_only("the NATO SG") and not is_title_only("NATO SG Stoltenberg")


def test_diacritics_meet() -> None:
    a = make_article(
        "a1",
        "Jānis Sārts said that the story was false.",
        "2024-01-18",
        [("the story was false", "Jānis Sārts", "indirect")],
    )
    b = make_article(
        "b1", "Janis Sarts said that NATO was ready.", "2024-02-01", [("NATO was ready", "Janis Sarts", "indirect")]
    )
    r = link_corpus([a, b], with_topics=False)
    (s,) = r.speakers
    assert s.name == "Jānis Sārts" and s.key == "janis-sarts"
    assert {"Jānis Sārts", "Janis Sarts"} <= set(s.aliases)


def test_surname_joins_full_name_in_the_same_article() -> None:
    a = make_article(
        "a1",
        "Boris Ruge spoke in Vilnius. Ruge said that NATO is strong.",
        "2024-01-18",
        [("NATO is strong", "Ruge", "indirect")],
    )
    b = make_article(
        "b1",
        "Boris Ruge said that Russia is a threat.",
        "2024-01-19",
        [("Russia is a threat", "Boris Ruge", "indirect")],
    )
    r = link_corpus([a, b], with_topics=False)
    assert [s.name for s in r.speakers] == ["Boris Ruge"]
    assert r.quote_speakers["a1-q0"] == ["boris-ruge"]


def test_surname_joins_through_organisation_context() -> None:
    a = make_article(
        "a1",
        "NATO Secretary General Jens Stoltenberg said that allies are ready.",
        "2024-01-18",
        [("allies are ready", "Jens Stoltenberg", "indirect")],
    )
    b = make_article(
        "b1",
        "At NATO headquarters, Stoltenberg said that the Alliance stays vigilant.",
        "2024-01-19",
        [("the Alliance stays vigilant", "Stoltenberg", "indirect")],
    )
    r = link_corpus([a, b], with_topics=False)
    assert r.quote_speakers["b1-q0"] == ["jens-stoltenberg"]
    assert not r.uncertain


def test_surname_collision_is_not_merged_silently() -> None:
    a = make_article(
        "a1",
        "NATO Secretary General Jens Stoltenberg said that allies are ready.",
        "2024-01-18",
        [("allies are ready", "Jens Stoltenberg", "indirect")],
    )
    b = make_article(
        "b1",
        "Public health chief Camilla Stoltenberg said that vaccines work.",
        "2021-02-01",
        [("vaccines work", "Camilla Stoltenberg", "indirect")],
    )
    c = make_article(
        "c1",
        "In Oslo, Stoltenberg said that the figures were encouraging.",
        "2021-03-01",
        [("the figures were encouraging", "Stoltenberg", "indirect")],
    )
    r = link_corpus([a, b, c], with_topics=False)
    keys = {s.key for s in r.speakers}
    assert {"jens-stoltenberg", "camilla-stoltenberg", "stoltenberg"} == keys
    assert r.quote_speakers["c1-q0"] == ["stoltenberg"]
    lone = r.speaker("stoltenberg")
    assert lone is not None
    assert {u.other_key for u in lone.uncertain} == {"jens-stoltenberg", "camilla-stoltenberg"}
    assert all(u.reason for u in lone.uncertain) and lone.uncertain[0].article_ids == ["c1"]
    jens = r.speaker("jens-stoltenberg")
    assert jens is not None and any(u.other_key == "stoltenberg" for u in jens.uncertain)


def test_two_people_sharing_a_surname_in_one_article_stay_apart() -> None:
    text = "Jens Stoltenberg and Camilla Stoltenberg met. Stoltenberg said that it went well."
    a = make_article("a1", text, "2024-01-18", [("it went well", "Stoltenberg", "indirect")])
    b = make_article(
        "b1",
        "Jens Stoltenberg said that allies are ready. Camilla Stoltenberg said vaccines work.",
        "2024-01-18",
        [("allies are ready", "Jens Stoltenberg", "indirect"), ("vaccines work", "Camilla Stoltenberg", "indirect")],
    )
    r = link_corpus([a, b], with_topics=False)
    assert r.quote_speakers["a1-q0"] == ["stoltenberg"]
    lone = r.speaker("stoltenberg")
    assert lone is not None and "several people" in lone.uncertain[0].reason


def _span(text: str, part: str) -> Span:
    return Span(text.index(part), text.index(part) + len(part))


def test_bylines_and_pronouns_are_never_speakers() -> None:
    text = "By Monitoring Desk\nNATO said that it was ready. He said it again."
    art = Article(id="a1", text=text, published="2021-03-23")
    q1 = Quote(
        id="q1",
        kind="indirect",
        content=RoleSpan("it was ready", [_span(text, "it was ready")]),
        speakers=[SpeakerRef("Monitoring Desk", "unknown", "name")],
    )
    q2 = Quote(
        id="q2",
        kind="indirect",
        content=RoleSpan("it again", [_span(text, "it again")]),
        speakers=[SpeakerRef("he", "person", "pronoun")],
    )
    r = link_corpus([(art, [q1, q2])], with_topics=False)
    assert r.speakers == []
    assert r.quote_speakers == {}
    assert len(r.statements) == 2


def test_unresolvable_title_stays_a_title() -> None:
    a = make_article(
        "a1",
        "The NATO spokesperson said that talks went well.",
        "2024-01-18",
        [("talks went well", "NATO Spokesperson", "indirect")],
        via="title",
    )
    r = link_corpus([a], with_topics=False)
    (s,) = r.speakers
    assert s.name == "NATO Spokesperson"


def test_honorifics_and_titles_before_surnames() -> None:
    assert clean_name("Mr. Trump")[0] == "Trump"
    assert clean_name("Sen. Bernie Sanders")[0] == "Bernie Sanders"
    assert clean_name("President Obama") == ("Obama", "President")
    a = make_article(
        "a1",
        "Donald Trump spoke in Iowa. Mr. Trump said that the wall will be built.",
        "2016-01-10",
        [("the wall will be built", "Mr. Trump", "indirect")],
    )
    b = make_article(
        "b1", "Donald Trump said that taxes will fall.", "2016-01-11", [("taxes will fall", "Donald Trump", "indirect")]
    )
    r = link_corpus([a, b], with_topics=False)
    assert [s.key for s in r.speakers] == ["donald-trump"]
    assert "Mr. Trump" in r.speakers[0].aliases


def _named_in_full(n: int, name: str, start: int = 0) -> list:
    return [
        make_article(f"f{start + k}", f"{name} said that talks went well.", f"2024-01-{k + 1:02d}",
                     [("talks went well", name, "indirect")])
        for k in range(n)
    ]  # fmt: skip


def test_a_surname_alone_is_the_bearer_far_more_articles_name_in_full() -> None:
    """A news article writes a full name at first mention except for people it takes as known: "Trump"
    alone, in an article that names no Trump in full, is the Trump other articles name far more often."""
    corpus = _named_in_full(8, "Donald Trump") + _named_in_full(1, "Ivanka Trump", start=20)
    lone = make_article("s1", "Trump said that the deal was off.", "2024-02-01",
                        [("the deal was off", "Trump", "indirect")])  # fmt: skip
    r = link_corpus([*corpus, lone], with_topics=False)
    assert r.quote_speakers["s1-q0"] == ["donald-trump"]
    donald = r.speaker("donald-trump")
    assert donald is not None
    assert [(u.other_key, u.reason) for u in donald.uncertain] == [
        ("ivanka-trump", "surname alone: taken as its most named bearer")
    ]


def test_a_surname_alone_between_bearers_named_alike_stays_uncertain() -> None:
    corpus = _named_in_full(4, "Donald Trump") + _named_in_full(2, "Ivanka Trump", start=20)
    lone = make_article("s1", "Trump said that the deal was off.", "2024-02-01",
                        [("the deal was off", "Trump", "indirect")])  # fmt: skip
    r = link_corpus([*corpus, lone], with_topics=False)
    assert r.quote_speakers["s1-q0"] == ["trump"]  # 4 articles to 2: not surely the one


def test_a_generational_suffix_is_no_surname() -> None:
    corpus = _named_in_full(3, "Joseph R. Biden Jr.")
    lone = make_article("s1", "Vice President Biden Jr. said that the deal was off.", "2024-02-01",
                        [("the deal was off", "Biden Jr.", "indirect")])  # fmt: skip
    junior = make_article("j1", "Donald Trump Jr. said that the deal was on.", "2024-02-02",
                          [("the deal was on", "Donald Trump Jr.", "indirect")])  # fmt: skip
    r = link_corpus([*corpus, lone, junior], with_topics=False)
    assert r.quote_speakers["s1-q0"] == r.quote_speakers["f0-q0"]
    assert r.quote_speakers["j1-q0"] == ["donald-trump-jr"]  # a full name: Jr. is part of who he is


def test_an_initialism_is_the_one_organisation_it_spells() -> None:
    def org(aid: str, name: str, day: int) -> tuple:
        art, qs = make_article(aid, f"{name} said that turnout rose.", f"2024-03-{day:02d}",
                               [("turnout rose", name, "indirect")])  # fmt: skip
        qs[0].speakers[0].type = "organisation"
        return art, qs

    r = link_corpus([org("a1", "Associated Press", 1), org("a2", "AP", 2), org("a3", "Apple", 3)], with_topics=False)
    assert r.quote_speakers["a2-q0"] == r.quote_speakers["a1-q0"] == ["associated-press"]
    assert r.quote_speakers["a3-q0"] == ["apple"]


def test_a_person_read_as_an_organisation_in_one_article_is_that_person() -> None:
    corpus = _named_in_full(3, "Donald Trump")
    art, qs = make_article("o1", "Donald Trump said that taxes were unfair.", "2024-02-01",
                           [("taxes were unfair", "Donald Trump", "indirect")])  # fmt: skip
    qs[0].speakers[0].type = "organisation"
    r = link_corpus([*corpus, (art, qs)], with_topics=False)
    assert r.quote_speakers["o1-q0"] == ["donald-trump"]
