"""Organisations and titles across articles: one role per title + organisation however it is written,
open-ended roles for bare titles, organisation types, places and headline words that are not speakers."""

from __future__ import annotations

from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef
from onrecord.speakers import LinkResult, link_corpus
from onrecord.speakers.names import expand_org, is_noise_name, is_org_name, is_title_only, parse_title

CWA = "Coastal Water Authority"


def _span(text: str, part: str) -> Span:
    i = text.index(part)
    return Span(i, i + len(part))


def article(
    aid: str,
    text: str,
    published: str | None,
    quotes: list[tuple[str, str, str, str]],
    *,
    outlet: str | None = "Herald",
    url: str | None = None,
) -> tuple[Article, list[Quote]]:
    """Quotes as (content, speaker name as the extractor gave it, source as written, resolved_via)."""
    art = Article(id=aid, text=text, published=published, outlet=outlet, url=url)
    out = []
    for n, (content, name, source, via) in enumerate(quotes):
        c, s = _span(text, content), _span(text, source)
        out.append(
            Quote(
                id=f"{aid}-q{n}",
                kind="direct",
                content=RoleSpan(content, [c]),
                source=RoleSpan(source, [s]),
                speakers=[SpeakerRef(name=name, type="person", resolved_via=via)],
            )
        )
    return art, out


def _link(*items: tuple[Article, list[Quote]]) -> LinkResult:
    return link_corpus(list(items), with_topics=False)


def _names(r: LinkResult) -> list[str]:
    return [s.name for s in r.speakers]


def test_title_spellings_of_one_organisation_meet() -> None:
    text = f"The {CWA} said so. The Authority's Director General agreed."
    variants = [
        "Director General of the Coastal Water Authority",
        "Director General, Coastal Water Authority",
        "Coastal Water Authority Director General",
        "Director General, Authority",
        "the Authority's Director General",
        "Director General of the Authority",
    ]
    keys = set()
    for v in variants:
        t = parse_title(v)
        assert t is not None and t.organisation is not None, v
        keys.add((t.title, expand_org(t.organisation, text)))
    assert keys == {("Director General", CWA)}


def test_alliance_is_nato() -> None:
    for v in ["the Alliance's Secretary General", "Secretary General, Alliance", "Alliance Secretary General"]:
        t = parse_title(v)
        assert t is not None and (t.title, t.organisation) == ("Secretary General", "NATO"), v


def test_short_organisation_needs_one_full_name_in_the_article() -> None:
    assert expand_org("Authority", f"The {CWA} and the Authority.") == CWA
    assert expand_org("Authority", "The Coastal Water Authority and the Port Authority.") == "Authority"
    assert expand_org("Authority", "Nothing here.") == "Authority"


def test_organisation_names_by_head_noun() -> None:
    for org in [
        CWA,
        "Valdoria's parliament",
        "Council",
        "Ministry of Infrastructure",
        "Valdorian Consumers' Union",
        "Port Selin fishing cooperative",
        "University of Marenza",
        "study by the University of Marenza",
    ]:
        assert is_org_name(org), org
    for person in ["Ana Petrov", "Tomas Reyes", "Port Selin", "Jens Stoltenberg"]:
        assert not is_org_name(person), person


def test_titles_with_organisations_are_bare_titles() -> None:
    for t in [
        "Authority Director General",
        "the Authority's Director General",
        "Director General of the Authority",
        "its Director General",
    ]:
        assert is_title_only(t), t
    assert not is_title_only("Coastal Water Authority Director General Ana Petrov")


def test_headline_words_are_not_names() -> None:
    assert is_noise_name("Inside") and is_noise_name("Study")
    assert not is_noise_name("Petrov") and not is_noise_name("Council") and not is_noise_name("Inside Out")


def _succession() -> list[tuple[Article, list[Quote]]]:
    t1 = f'"Water is scarce," said Ana Petrov, Director General of the {CWA}.'
    t2 = f'"Pipes leak," said Tomas Reyes, Director General of the {CWA}.'
    t3 = f'{CWA} Director General Tomas Reyes said the bay is safe. "We will not harm it," Reyes said.'
    t4 = '"Today the south drinks sea water," the Authority\'s Director General said. "It works," he said.'
    return [
        article(
            "a1",
            t1,
            "2022-11-04",
            [("Water is scarce", "Ana Petrov", f"Ana Petrov, Director General of the {CWA}", "name")],
        ),
        article(
            "a2",
            t2,
            "2023-06-12",
            [("Pipes leak", "Tomas Reyes", f"Tomas Reyes, Director General of the {CWA}", "name")],
        ),
        article("a3", t3, "2023-09-05", [("We will not harm it", "Tomas Reyes", "Reyes", "name")]),
        article(
            "a4",
            t4,
            "2024-01-22",
            [
                (
                    "Today the south drinks sea water",
                    "Authority Director General",
                    "the Authority's Director General",
                    "title",
                ),
                ("It works", "Director General", "he", "pronoun"),
            ],
        ),
    ]


def test_bare_title_after_the_last_sighting_goes_to_the_latest_holder() -> None:
    r = _link(*_succession())
    assert r.quote_speakers["a4-q0"] == ["tomas-reyes"] and r.quote_speakers["a4-q1"] == ["tomas-reyes"]
    assert "open-ended" in r.title_resolutions["a4-q0"][0]
    assert not [n for n in _names(r) if "Director General" in n]


def test_one_role_per_person_with_merged_dates() -> None:
    r = _link(*_succession())
    dg = {(x.person, x.start, x.end) for x in r.roles if x.title == "Director General"}
    assert dg == {("Ana Petrov", "2022-11-04", "2022-11-04"), ("Tomas Reyes", "2023-06-12", "2023-09-05")}
    assert {x.organisation for x in r.roles} == {CWA}


def test_bare_title_before_a_successor_stays_with_the_holder() -> None:
    t = '"Rain helps," the Director General said.'
    early = article("a0", t, "2023-01-10", [("Rain helps", "Director General", "the Director General", "title")])
    r = _link(*_succession(), early)
    assert r.quote_speakers["a0-q0"] == ["ana-petrov"]


def test_place_in_a_title_is_not_the_speaker() -> None:
    t1 = "The mayor of Port Selin, Viktor Hana, said the town had asked for funds."
    t2 = "The Port Selin fishing cooperative has welcomed the decision."
    r = _link(
        article(
            "m1",
            t1,
            "2022-12-01",
            [("the town had asked for funds", "Port Selin", "The mayor of Port Selin, Viktor Hana", "name")],
        ),
        article("m2", t2, "2023-12-11", [("the decision", "Port Selin", "The Port Selin fishing cooperative", "name")]),
    )
    hana = r.speaker("Viktor Hana")
    coop = r.speaker("Port Selin fishing cooperative")
    assert hana is not None and hana.type == "person" and "Port Selin" not in hana.aliases
    assert coop is not None and coop.type == "organisation" and hana.key != coop.key
    assert "Port Selin" not in _names(r)


def test_organisations_typed_whatever_the_extractor_said() -> None:
    t = f"The {CWA} said rationing ends. Valdoria's parliament approved the barriers."
    r = _link(
        article(
            "o1",
            t,
            "2023-10-10",
            [
                ("rationing ends", CWA, f"The {CWA}", "name"),
                ("the barriers", "Valdoria's parliament", "Valdoria's parliament", "nominal"),
            ],
        )
    )
    assert {s.name: s.type for s in r.speakers} == {CWA: "organisation", "Valdoria's parliament": "organisation"}


def test_headline_word_is_not_a_speaker() -> None:
    t = "Inside the Port Selin plant: a race against the summer"
    r = _link(
        article("h1", t, "2023-08-15", [("a race against the summer", "Inside", "Inside the Port Selin plant", "name")])
    )
    assert r.speakers == []


def test_aliases_differ_by_more_than_apostrophes() -> None:
    t = "The Valdorian Consumers’ Union said prices rise. The Valdorian Consumers' Union said tariffs rise."
    r = _link(
        article(
            "u1",
            t,
            None,
            [
                ("prices rise", "Valdorian Consumers’ Union", "The Valdorian Consumers’ Union", "name"),
                ("tariffs rise", "Valdorian Consumers' Union", "The Valdorian Consumers' Union", "name"),
            ],
        )
    )
    (s,) = r.speakers
    assert s.aliases == ["Valdorian Consumers' Union"]


def test_report_outlet_falls_back_to_the_host() -> None:
    t = '"Water is scarce," Ana Petrov said.'
    r = _link(
        article(
            "w1",
            t,
            "2023-01-01",
            [("Water is scarce", "Ana Petrov", "Ana Petrov", "name")],
            outlet=None,
            url="https://www.gazette.example/a",
        ),
        article("w2", t + " ", "2023-01-02", [("Water is scarce", "Ana Petrov", "Ana Petrov", "name")], outlet=None),
    )
    outlets = sorted((rep.outlet or "-") for st in r.statements for rep in st.reports)
    assert outlets == ["-", "gazette.example"]


def test_headline_document_is_the_study_the_article_credits() -> None:
    t = "Study finds brine stays near the shore\n\nA study by the University of Marenza has found that brine stays."
    r = _link(
        article(
            "s1",
            t,
            "2023-09-05",
            [
                ("brine stays near the shore", "Study", "Study", "name"),
                (
                    "that brine stays",
                    "study by the University of Marenza",
                    "A study by the University of Marenza",
                    "name",
                ),
            ],
        )
    )
    (s,) = r.speakers
    assert (s.name, s.type, s.quote_count) == ("University of Marenza", "organisation", 2)
    assert "Study" not in s.aliases


def test_role_phrase_attaches_to_the_person_the_article_names_with_it() -> None:
    t = (
        "Infrastructure Minister Lena Varga visited. The site manager, Petra Lund, said crews worked. "
        '"It is on time," the minister said. "We start at five," the site manager said. '
        "The project is expected to cost more."
    )
    r = _link(
        article(
            "r1",
            t,
            "2023-08-15",
            [
                ("It is on time", "minister", "the minister", "title"),
                ("We start at five", "site manager", "the site manager", "nominal"),
                ("to cost more", "project", "The project", "nominal"),
            ],
        )
    )
    assert r.quote_speakers == {"r1-q0": ["lena-varga"], "r1-q1": ["petra-lund"]}
