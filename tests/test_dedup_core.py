"""Exact and near-duplicate decisions, persisted state and the load() round trip."""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
from datasketch import MinHash

from dedup_helpers import stored_state
from onrecord.dedup import ArticleState, Deduplicator, DedupResult
from onrecord.dedup import minhash as mh
from onrecord.models import Article

_SPACE = re.compile(r"\s+")
_RNG = random.Random(3)
_VOCAB = [f"word{i}" for i in range(5000)]


def body_of(article: Article) -> str:
    """Stand-in for ingest's normalise_body: outside skip ranges, casefolded, spaces collapsed."""
    text = " ".join(s.slice(article.text) for s in article.body_ranges())
    return _SPACE.sub(" ", text.casefold()).strip()


def make(text: str, published: str | None = None, name: str = "x") -> Article:
    aid = hashlib.sha256(_SPACE.sub(" ", text.casefold()).strip().encode()).hexdigest()[:16]
    return Article(id=aid, text=text, published=published, source_path=name)


def random_text(n: int = 200) -> str:
    return " ".join(_RNG.choice(_VOCAB) for _ in range(n))


def edit(text: str, every: int = 60) -> str:
    words = text.split()
    for i in range(0, len(words), every):
        words[i] = "edited"
    return " ".join(words) + " (Reporting by a wire agency.)"


def add(d: Deduplicator, article: Article) -> DedupResult:
    return d.add(article, body_of(article))


def test_signature_matches_datasketch() -> None:
    body = "the quick brown fox jumps over the lazy dog again and again"
    shingles = mh.shingle_hashes(mh.word_hashes(body))
    m = MinHash(num_perm=128, scheme="affine32", hashfunc=lambda x: x)
    m.update_batch([int(x) for x in shingles])
    assert np.array_equal(m.hashvalues, mh.signature(body))


def test_new_then_exact_copy_under_another_name() -> None:
    d = Deduplicator()
    text = random_text()
    first = add(d, make(text, name="a.txt"))
    copy = add(d, make(text, name="copy-of-a.txt"))
    assert first.kind == "new" and first.new_story and first.story_id == first.article_id
    assert copy.kind == "exact"
    assert copy.duplicate_of == first.article_id and copy.similarity == 1.0
    assert copy.story_id == first.story_id


def test_lightly_edited_syndicated_copy_is_near_and_points_to_earliest() -> None:
    d = Deduplicator()
    text = random_text(250)
    original = add(d, make(text, "2024-03-01T08:00:00", "wire"))
    copy1 = add(d, make(edit(text), "2024-03-01T09:00:00", "paper1"))
    copy2 = add(d, make(edit(edit(text), 71), "2024-03-02T10:00:00", "paper2"))
    assert copy1.kind == "near" and copy1.duplicate_of == original.article_id
    assert copy1.similarity is not None and 0.8 <= copy1.similarity < 1.0
    assert copy2.kind == "near" and copy2.duplicate_of == original.article_id
    assert copy1.story_id == copy2.story_id == original.story_id
    assert not copy1.new_story and copy1.story_features is None


def test_unrelated_article_is_new() -> None:
    d = Deduplicator()
    add(d, make(random_text()))
    other = add(d, make(random_text()))
    assert other.kind == "new" and other.duplicate_of is None and other.similarity is None
    assert other.new_story


def test_copy_published_earlier_but_seen_later_becomes_root() -> None:
    d = Deduplicator()
    text = random_text(250)
    late = add(d, make(edit(text), "2024-03-02T09:00:00"))
    early = add(d, make(text, "2024-03-01T09:00:00"))
    assert early.kind == "new" and early.duplicate_of is None
    assert list(early.repointed) == [late.article_id]
    assert early.story_id == late.story_id
    third = add(d, make(edit(text, 67), "2024-03-03T09:00:00"))
    assert third.kind == "near" and third.duplicate_of == early.article_id


def test_signature_is_small() -> None:
    d = Deduplicator()
    r = add(d, make(random_text(2000)))
    assert len(r.signature) == 4 * 128
    assert np.array_equal(mh.from_bytes(r.signature), mh.signature(body_of(make(random_text(0))))) is False


def test_empty_body_is_never_a_near_duplicate() -> None:
    d = Deduplicator()
    a = add(d, Article(id="e1", text=""))
    b = add(d, Article(id="e2", text="   "))
    assert a.kind == b.kind == "new"


def test_load_round_trip_reproduces_decisions() -> None:
    base = [random_text(220) for _ in range(6)]
    first_half = [make(t, f"2024-05-0{i + 1}") for i, t in enumerate(base)]
    second_half = [
        make(edit(base[0]), "2024-05-07"),
        make(base[1], "2024-05-08"),
        make(random_text(), "2024-05-08"),
        make(edit(base[4], 67), "2024-05-09"),
    ]
    live = Deduplicator()
    states: list[ArticleState] = []
    for a in first_half:
        r = add(live, a)
        states.append(stored_state(r))
    expected = [add(live, a) for a in second_half]

    restored = Deduplicator()
    assert restored.load(states) == len(states)
    got = [add(restored, a) for a in second_half]
    strip = ("kind", "duplicate_of", "similarity", "story_id", "new_story", "signature", "story_score")
    for e, g in zip(expected, got, strict=True):
        assert {k: getattr(e, k) for k in strip} == {k: getattr(g, k) for k in strip}
    assert [g.kind for g in got] == ["near", "exact", "new", "near"]


def test_story_features_are_json_friendly() -> None:
    import json

    d = Deduplicator()
    r = add(d, make("Jens Stoltenberg met Mark Rutte in Brussels on Monday to discuss NATO budgets."))
    assert json.loads(json.dumps(r.story_features)) == r.story_features
