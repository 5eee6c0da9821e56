"""The deduplicator's memory follows its date window, not the corpus."""

from __future__ import annotations

import random
from datetime import date, timedelta

from onrecord.dedup import Deduplicator
from onrecord.dedup.window import Window
from onrecord.models import Article

_RNG = random.Random(11)
_VOCAB = [f"term{i}" for i in range(3000)]
STORY = "Jens Stoltenberg warned Russia about Ukraine at the NATO summit in Vilnius on defence spending."


def _text(n: int = 120) -> str:
    return " ".join(_RNG.choice(_VOCAB) for _ in range(n))


def _day(base: str, offset: int) -> str:
    return (date.fromisoformat(base) + timedelta(days=offset)).isoformat()


def _add(d: Deduplicator, aid: str, text: str, published: str | None):
    return d.add(Article(id=aid, text=text, published=published), text.casefold())


def test_window_drops_least_recently_used_days() -> None:
    w = Window(days=2, max_articles=1000)  # holds at most 5 days
    dropped: list[str] = []
    for day in range(20):
        dropped += w.add(f"a{day}", day)
    assert w.held_days() == list(range(15, 20))
    assert dropped == [f"a{day}" for day in range(15)]
    w.touch(15)  # a backfill at day 15 keeps days 15..17; the oldest others go first
    dropped = w.add("b", 30)
    assert dropped == ["a18"]
    assert w.held_days() == [15, 16, 17, 19, 30]


def test_window_caps_articles() -> None:
    w = Window(days=30, max_articles=10)
    for i in range(25):
        w.add(f"a{i}", i // 5)
    assert len(w) <= 10 and w.held_days()[-1] == 4


def test_memory_stays_bounded_as_articles_are_added() -> None:
    d = Deduplicator(window_days=2, max_articles=10_000)
    sizes = []
    for i in range(5000):
        _add(d, f"a{i}", _text(), _day("2024-01-01", i // 100))  # 100 articles a day for 50 days
        if i % 250 == 249:
            sizes.append((len(d), len(d.stories._ids), d.stories.entries(), len(d._order), len(d._bands)))
    assert max(s[0] for s in sizes) <= 5 * 100  # 2 * 2 + 1 days of 100 articles
    # Arrays are rebuilt without dropped articles once those outnumber the held (and 1024):
    # they never number more than the window plus that.
    assert all(order <= 500 + 1024 + 1 and slots <= order and bands <= order for _, slots, _, order, bands in sizes)
    # Posting entries level off (a sawtooth between rebuilds) instead of growing with the corpus.
    first, second = sizes[: len(sizes) // 2], sizes[len(sizes) // 2 :]
    assert max(s[2] for s in second) <= 1.1 * max(s[2] for s in first)


def test_article_outside_the_window_cannot_join_an_old_story() -> None:
    d = Deduplicator(window_days=3)
    assert _add(d, "old", STORY, "2023-07-11").story_id == "old"
    for i in range(40):  # a month of unrelated news pushes July out
        _add(d, f"n{i}", _text(), _day("2023-08-01", i))
    assert "old" not in d and len(d.stories) < 41
    again = "NATO chief Stoltenberg warned Russia over Ukraine at the Vilnius summit; defence spending dominated."
    late = _add(d, "undated", again, None)  # undated: only what is held can be matched
    assert late.story_id == "undated" and late.new_story


def test_story_within_the_window_still_joins() -> None:
    d = Deduplicator(window_days=3)
    assert _add(d, "a", STORY, "2023-07-11").story_id == "a"
    again = "NATO's Stoltenberg, in Vilnius, warned Russia on Ukraine; defence spending dominated the summit."
    assert _add(d, "b", again, "2023-07-12").story_id == "a"


def test_near_duplicate_of_a_dropped_article_is_new_but_held_one_is_near() -> None:
    d = Deduplicator(window_days=2)
    base = _text(250)
    assert _add(d, "orig", base, "2024-01-01").kind == "new"
    edited = base.split()
    edited[10] = "changed"
    copy = " ".join(edited)
    assert _add(d, "copy1", copy + " x", "2024-01-02").kind == "near"
    for i in range(30):
        _add(d, f"n{i}", _text(), _day("2024-02-01", i))
    assert "orig" not in d and "copy1" not in d
    assert _add(d, "copy2", copy + " y", "2024-03-05").kind == "new"


def test_compaction_keeps_held_near_duplicates_findable() -> None:
    d = Deduplicator(window_days=1, max_articles=200)
    texts = {}
    for i in range(2500):  # drops thousands of articles: signatures and bands are rebuilt several times
        texts[i] = _text(80)
        _add(d, f"a{i}", texts[i], _day("2024-01-01", i // 50))
    assert len(d._order) < 2500
    recent = texts[2490].split()
    recent[3] = "changed"
    r = _add(d, "copy", " ".join(recent), _day("2024-01-01", 2490 // 50))
    assert r.kind == "near" and r.duplicate_of == "a2490"


def test_ingest_loads_only_the_recent_states(tmp_path) -> None:  # noqa: ANN001
    from onrecord.dedup import ArticleState
    from onrecord.store import Store

    store = Store(str(tmp_path / "s.db"))
    d = Deduplicator(window_days=2)
    for i in range(12):
        text = _text()
        r = _add(d, f"a{i}", text, _day("2024-01-01", i))
        store.add_article(Article(id=f"a{i}", text=text, published=_day("2024-01-01", i)),
                          signature=r.signature, story_id=r.story_id, story_features=r.story_features)
    rows = list(store.dedup_states(recent=5))
    assert [r["id"] for r in rows] == [f"a{i}" for i in range(7, 12)] and rows[0]["ingested_at"]
    assert len(list(store.dedup_states())) == 12
    restored = Deduplicator(window_days=2)
    assert restored.load(ArticleState.from_row(r) for r in rows) == 5
    assert "a11" in restored and "a6" not in restored
