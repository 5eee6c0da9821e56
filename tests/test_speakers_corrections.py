"""User corrections and imported roles, applied inside link_corpus so that they survive re-linking."""

from __future__ import annotations

from onrecord.speakers import Corrections, RoleRecord, link_corpus
from test_speakers_seedcorpus import make_article, seed_corpus


def _corpus():
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
    return [a, b, c]


def test_merge_resolves_an_uncertain_link() -> None:
    r = link_corpus(
        _corpus(), corrections=Corrections(merges=[("camilla-stoltenberg", "stoltenberg")]), with_topics=False
    )
    assert {s.key for s in r.speakers} == {"jens-stoltenberg", "camilla-stoltenberg"}
    assert r.quote_speakers["c1-q0"] == ["camilla-stoltenberg"]
    cam = r.speaker("camilla-stoltenberg")
    assert cam is not None and "Stoltenberg" in cam.aliases
    assert not any(u.other_key == "stoltenberg" for _, u in r.uncertain)


def test_merge_by_name_and_rename_keep_the_key() -> None:
    corr = Corrections(
        merges=[("Camilla Stoltenberg", "Stoltenberg")], renames=[("camilla-stoltenberg", "Dr Camilla Stoltenberg")]
    )
    r = link_corpus(_corpus(), corrections=corr, with_topics=False)
    cam = r.speaker("camilla-stoltenberg")
    assert cam is not None and cam.name == "Dr Camilla Stoltenberg"


def test_split_moves_an_alias_to_its_own_speaker() -> None:
    seeds = list(seed_corpus())
    r = link_corpus(
        seeds, corrections=Corrections(splits=[("jens-stoltenberg", "NATO SG Stoltenberg")]), with_topics=False
    )
    split = r.speaker("nato-sg-stoltenberg")
    assert split is not None and split.name == "NATO SG Stoltenberg"
    assert r.quote_speakers["004-q3"] == ["nato-sg-stoltenberg"]
    assert r.quote_speakers["001-q2"] == ["jens-stoltenberg"]


def test_corrections_are_deterministic_across_runs() -> None:
    corr = Corrections(
        merges=[("camilla-stoltenberg", "stoltenberg")], renames=[("jens-stoltenberg", "J. Stoltenberg")]
    )
    one = link_corpus(_corpus(), corrections=corr, with_topics=False)
    two = link_corpus(list(reversed(_corpus())), corrections=corr, with_topics=False)
    assert [(s.key, s.name, s.aliases) for s in one.speakers] == [(s.key, s.name, s.aliases) for s in two.speakers]
    assert one.quote_speakers == two.quote_speakers


def test_unknown_corrections_are_ignored() -> None:
    r = link_corpus(
        _corpus(),
        corrections=Corrections(merges=[("nobody", "stoltenberg")], splits=[("x", "y")], renames=[("ghost", "Ghost")]),
        with_topics=False,
    )
    assert {s.key for s in r.speakers} == {"jens-stoltenberg", "camilla-stoltenberg", "stoltenberg"}
    assert [n.split(":")[0] for n in r.notes] == ["split", "merge", "rename"]


def test_imported_roles_take_precedence() -> None:
    # Articles alone would say the SG in this (made up) article is Stoltenberg, the last holder seen;
    # the import says Rutte held it from 1 October 2024.
    seeds = list(seed_corpus())
    late = make_article(
        "z1",
        "The NATO Secretary General said that the summit will be in The Hague.",
        "2024-12-01",
        [("the summit will be in The Hague", "NATO Secretary General", "indirect")],
        via="title",
    )
    imported = [
        RoleRecord("Secretary-General", "NATO", "Mark Rutte", "2024-10-01", None, "import"),
        RoleRecord(
            "Secretary General",
            "North Atlantic Treaty Organization",
            "Jens Stoltenberg",
            "2014-10-01",
            "2024-09-30",
            "import",
        ),
        RoleRecord("Prime Minister", "Netherlands", "Dick Schoof", "2024-07-02", None, "import"),
    ]
    r = link_corpus([*seeds, late], imported_roles=imported, with_topics=False)
    assert r.quote_speakers["z1-q0"] == ["mark-rutte"]
    rutte = r.speaker("Mark Rutte")
    assert rutte is not None and rutte.roles[0].source == "import" and rutte.roles[0].title == "Secretary General"
    assert rutte.roles[0].organisation == "NATO"
    js = r.speaker("Jens Stoltenberg")
    assert js is not None and js.roles[0].source == "import" and js.roles[0].start == "2014-10-01"
    schoof = [x for x in r.roles if x.person == "Dick Schoof"]
    assert schoof and schoof[0].person_key is None  # not quoted: kept in the role list, no speaker


def test_without_imports_a_later_title_goes_to_the_last_holder_seen() -> None:
    seeds = list(seed_corpus())
    late = make_article(
        "z1",
        "The NATO Secretary General said that the summit will be in The Hague.",
        "2024-12-01",
        [("the summit will be in The Hague", "NATO Secretary General", "indirect")],
        via="title",
    )
    early = make_article(
        "z0",
        "The NATO Secretary General said that the summit will be in Vilnius.",
        "2023-02-01",
        [("the summit will be in Vilnius", "NATO Secretary General", "indirect")],
        via="title",
    )
    r = link_corpus([*seeds, late, early], with_topics=False)
    assert r.quote_speakers["z1-q0"] == ["mark-rutte"]
    assert r.quote_speakers["z0-q0"] == ["jens-stoltenberg"]


def test_a_former_holder_named_in_the_article_does_not_take_the_title() -> None:
    seeds = list(seed_corpus())
    text = (
        "Former NATO Secretary General Jens Stoltenberg was in Oslo. "
        "The NATO Secretary General said that the summit will be in The Hague."
    )
    late = make_article(
        "z1",
        text,
        "2024-12-01",
        [("the summit will be in The Hague", "NATO Secretary General", "indirect")],
        via="title",
    )
    r = link_corpus([*seeds, late], with_topics=False)
    assert r.quote_speakers["z1-q0"] == ["mark-rutte"]
