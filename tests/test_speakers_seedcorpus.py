"""The seed articles with the quotes the quotes stage returns for them (issue 3's checks), built by hand.

Other ``test_speakers_*`` modules import ``seed_corpus`` from here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from conftest import seed
from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef

DATES = {"000": "2024-01-18", "001": "2024-01-23", "002": None, "003": "2024-10-15", "004": "2021-03-23"}
OUTLETS = {"000": "lrt.lt", "001": "ukrinform", "002": "unian", "003": "wp.pl", "004": "pakobserver"}

JS, MR, BR = "Jens Stoltenberg", "Mark Rutte", "Boris Ruge"
P = "person"

# (kind, content, source, [(name, type, via)], nth occurrence of the content)
QUOTES: dict[str, list[tuple]] = {
    "000": [
        (
            "indirect",
            "the Alliance is sufficiently powerful today to defend itself against Russian aggression",
            "NATO Assistant Secretary-General for Political Affairs and Security Policy Boris Ruge",
            [(BR, P, "name")],
        ),
        (
            "indirect",
            "since 2014, when Russia first invaded Ukraine and occupied Crimea, NATO's main task has been "
            "to enhance deterrence and defence",
            "Boris Ruge",
            [(BR, P, "name")],
        ),
        (
            "direct",
            "So, over the past ten years, we've been working on better deterring Russia and, if necessary, "
            "defending against any kind of Russian aggression,",
            "the NATO Assistant Secretary-General",
            [(BR, P, "title")],
        ),
        (
            "indirect",
            "Russia is currently considered the number one threat to the Alliance, and that NATO has a "
            "comprehensive set of military plans for deterrence and defence",
            "He",
            [(BR, P, "pronoun")],
        ),
        (
            "indirect",
            "NATO takes the support of allies on the eastern flank and protection against any possible "
            "aggression very seriously",
            "Ruge",
            [(BR, P, "name")],
        ),
        (
            "direct",
            "Ultimately, NATO, soon to have 32 members, is a very powerful alliance. We have very strong "
            "economies and cutting-edge technologies. We are fully capable of defending ourselves against Russian "
            "aggression,",
            "Ruge",
            [(BR, P, "name")],
        ),
        (
            "indirect",
            "it gained access to a secret Bundeswehr document",
            "the Bild publication",
            [("Bild", "organisation", "nominal")],
        ),
        (
            "indirect",
            "the story by the German tabloid Bild, which says NATO is preparing for war with Russia, is "
            "based on a training scenario document",
            "Jānis Sārts",
            [("Jānis Sārts", P, "name")],
        ),
        (
            "indirect",
            "they are not changing their assessment of the threats in the region",
            "The Office of the President of Lithuania and the Ministry of National Defence of the country",
            [
                ("Office of the President of Lithuania", "organisation", "name"),
                ("Ministry of National Defence", "organisation", "name"),
            ],
        ),
    ],
    "001": [
        (
            "direct",
            "There is no direct threat from Russia to NATO countries, but we are vigilant",
            "NATO Secretary General",
            [("NATO Secretary General", P, "title")],
        ),
        (
            "indirect",
            "he saw no direct or imminent threat from Russia to any NATO member state, though the Alliance "
            "has increased its vigilance to prevent an attack",
            "NATO Secretary General Jens Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "direct",
            "...we don't see any direct or imminent threat against any NATO Ally. And therefore, we, of "
            "course, monitor closely what Russia does, we have increased our vigilance, our presence in the eastern "
            "part of the Alliance, but the whole idea of that is to prevent an attack on a NATO Ally,",
            "Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "indirect",
            "in response to Russia's full-scale invasion of Ukraine, NATO members increased defence "
            "production, not only to provide additional military assistance to Kyiv, but also to strengthen their "
            "own defence capabilities",
            "Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "mixed",
            'another task of the Alliance in the current war is to prevent escalation "by deploying more '
            "combat troops to the eastern part of the Alliance, by further increasing our defence investments, and "
            'also by exercising more"',
            "The NATO Secretary General",
            [(JS, P, "title")],
        ),
        (
            "direct",
            "We will have the big exercise starting later this week, which will be the biggest exercise in "
            "decades for NATO, with 90,000 personnel participating,",
            "Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "direct",
            "We do all of this to ensure that we have the readiness, the preparedness and the forces in "
            "place to remove any room for miscalculation or misunderstanding in Moscow about our readiness to "
            "protect every inch of NATO territory. And as long as we do that, there will be no attack against the "
            "NATO territory,",
            "he",
            [(JS, P, "pronoun")],
        ),
        (
            "indirect",
            "all citizens should be prepared for war",
            "Swedish Armed Forces Commander-in-Chief Micael Bydén and Minister for Civil Defence Carl-Oskar Bohlin",
            [("Micael Bydén", P, "name"), ("Carl-Oskar Bohlin", P, "name")],
        ),
        (
            "mixed",
            "a transformation of the Alliance's combat capability in an era of unpredictability in which "
            '"anything can happen.',
            "the Chairman of the NATO Military Committee, Admiral Rob Bauer",
            [("Rob Bauer", P, "name")],
        ),
    ],
    "002": [
        (
            "direct",
            "NATO sees no direct threat from Russia to its members",
            "Stoltenberg",
            [("Stoltenberg", P, "name")],
        ),
        (
            "indirect",
            "he does not yet see a direct threat of Russian aggression against any of the Alliance's states",
            "NATO Secretary General Jens Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "direct",
            "We see no direct or immediate threat to any NATO ally. Of course, we are closely monitoring "
            "what Russia is doing. We have increased our vigilance, our presence in the eastern part of the "
            "alliance, but the idea behind this is to prevent any attack on the allies,",
            "Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "mixed",
            "after Russia's full-scale invasion of Ukraine in February 2022, \"it was obvious to NATO that "
            'we had two tasks: one was to support Ukraine."',
            "him",
            [(JS, P, "pronoun")],
        ),
        (
            "direct",
            "NATO Allies are providing unprecedented support to Ukraine, and I am sure that they will "
            "continue to do so. The other task, of course, is to prevent this war from escalating into a "
            "full-scale war between Russia and NATO. We have done that by deploying more combat-ready troops to the "
            "eastern part of the Alliance, by further increasing our defense investments, and by doing more "
            "exercises,",
            "the Alliance Secretary General",
            [(JS, P, "title")],
        ),
        (
            "mixed",
            'a major exercise will begin this week that "will be the largest exercise in decades for NATO."',
            "the Alliance Secretary General",
            [(JS, P, "continuation")],
        ),
    ],
    "003": [
        (
            "direct",
            "NATO will not be cowed by Russian threats but keep up its strong support of Kyiv,",
            "the new NATO Secretary General",
            [("NATO Secretary General", P, "title")],
        ),
        (
            "direct",
            "NATO will not be cowed by Russian threats but keep up its strong support of Kyiv,",
            "Secretary General Mark Rutte",
            [(MR, P, "name")],
            1,
        ),
        (
            "direct",
            "The message to Vladimir Putin is that we will do whatever is necessary for Ukraine to win,",
            "he",
            [(MR, P, "pronoun")],
        ),
        (
            "indirect",
            "NATO is ready to face any threat but also pointed out that the Alliance is a defensive "
            "organization, not an offensive one",
            "He",
            [(MR, P, "pronoun")],
        ),
        (
            "indirect",
            "there is currently no direct threat of nuclear weapons use by Russia despite the threats made by Putin",
            "the new NATO Secretary General",
            [(MR, P, "title")],
        ),
        (
            "direct",
            "It's true that Putin's nuclear rhetoric is reckless and irresponsible, but at the same time, "
            "let me make it absolutely clear, we do not see any imminent threat of nuclear weapons being used,",
            "he",
            [(MR, P, "pronoun")],
        ),
        (
            "indirect",
            "Putin seeks to discuss his nuclear arsenal and expects NATO to engage in the conversation as well",
            "Rutte",
            [("Rutte", P, "name")],
        ),
        (
            "indirect",
            "this approach should be avoided, asserting there is no immediate danger",
            "Rutte",
            [("Rutte", P, "name")],
        ),
    ],
    "004": [
        (
            "direct",
            "NATO 2030 is about protecting the rules-based order, which is being challenged by "
            "authoritarian powers like China and Russia",
            "North Atlantic Treaty Organisation (NATO) secretary general (SG) Jens Stoltenberg",
            [(JS, P, "name")],
        ),
        (
            "direct",
            "So we need to work even closer with like-minded partners around the globe. And support our "
            "neighbours with more training and capacity building.",
            None,
            [(JS, P, "continuation")],
        ),
        (
            "direct",
            "We live in a more dangerous and competitive world, where challenges know no borders",
            "He",
            [(JS, P, "pronoun")],
        ),
        (
            "direct",
            "That is why we must reinforce our unity, which derives from our promise to defend each other",
            "NATO SG Stoltenberg",
            [(JS, P, "glued-title")],
        ),
        (
            "direct",
            "Russia continues to suppress peaceful dissidents at home, and display a pattern of aggressive "
            "behaviour abroad",
            "He",
            [(JS, P, "pronoun")],
        ),
        (
            "direct",
            "As an alliance, we remain committed to our dual-track approach to Russia",
            "NATO SG Stoltenberg",
            [("NATO SG Stoltenberg", P, "glued-title")],
        ),
        (
            "direct",
            "We have seen a pattern of more assertive behaviour by Russia over the last years, including "
            "aggressive actions against nations, Ukraine of course.",
            "He",
            [(JS, P, "pronoun")],
        ),
        (
            "direct",
            "The relationship between NATO and Russia has been difficult for some time now, and that is a "
            "result of Russia’s behaviour, violating national law, using military force against neighbours; "
            "Georgia and Ukraine",
            "NATO SG Stoltenberg",
            [(JS, P, "glued-title")],
        ),
    ],
}


def _find(text: str, needle: str, nth: int = 0, after: int = 0) -> Span:
    """The ``nth`` occurrence of ``needle`` at or after ``after``; any run of spaces matches any whitespace."""
    pattern = r"\s+".join(re.escape(w) for w in needle.split())
    hits = list(re.finditer(pattern, text[after:]))
    assert len(hits) > nth, needle
    m = hits[nth]
    return Span(after + m.start(), after + m.end())


def build_article(prefix: str) -> tuple[Article, list[Quote]]:
    path = seed(prefix)
    text = path.read_text(encoding="utf-8")
    art = Article(id=path.stem, text=text, outlet=OUTLETS[prefix], published=DATES[prefix], format="text")
    quotes = []
    for n, spec in enumerate(QUOTES[prefix]):
        kind, content, source, speakers = spec[:4]
        nth = spec[4] if len(spec) > 4 else 0
        c = _find(text, content, nth)
        src = None
        if source:
            s = _find(text, source, 0, max(0, c.start - 300))
            src = RoleSpan(s.slice(text), [s])
        refs = [SpeakerRef(name=nm, type=t, resolved_via=v) for nm, t, v in speakers]
        quotes.append(
            Quote(id=f"{prefix}-q{n}", kind=kind, content=RoleSpan(c.slice(text), [c]), source=src, speakers=refs)
        )
    return art, quotes


@lru_cache(maxsize=1)
def seed_corpus() -> tuple[tuple[Article, list[Quote]], ...]:
    return tuple(build_article(p) for p in sorted(QUOTES))


def test_seed_quotes_slice_their_articles(seeds_dir) -> None:
    for art, quotes in seed_corpus():
        for q in quotes:
            assert q.content.spans[0].slice(art.text) == q.content.text
            if q.source:
                assert q.source.spans[0].slice(art.text) == q.source.text


def make_article(
    aid: str,
    text: str,
    published: str | None,
    quotes: list[tuple[str, str | list[str], str]],
    outlet: str | None = None,
    via: str = "name",
) -> tuple[Article, list[Quote]]:
    """An article from ``text`` with quotes given as (content, speaker name(s), kind); spans found in text."""
    art = Article(id=aid, text=text, published=published, outlet=outlet or aid)
    out = []
    for n, (content, names, kind) in enumerate(quotes):
        c = _find(text, content)
        refs = [
            SpeakerRef(name=x, type="person", resolved_via=via) for x in ([names] if isinstance(names, str) else names)
        ]
        out.append(Quote(id=f"{aid}-q{n}", kind=kind, content=RoleSpan(c.slice(text), [c]), speakers=refs))
    return art, out
