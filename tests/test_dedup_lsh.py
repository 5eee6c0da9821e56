"""The compact band index finds the same candidates as datasketch's MinHashLSH."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHashLSH

from onrecord.dedup import minhash as mh
from onrecord.dedup.core import lsh_params
from onrecord.dedup.lsh import BandIndex


def _docs(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(400)]
    base = [[rng.choice(vocab) for _ in range(60)] for _ in range(n // 2)]
    out = []
    for words in base:
        out.append(" ".join(words))
        edited = list(words)
        for _ in range(rng.randint(0, 12)):
            edited[rng.randrange(len(edited))] = rng.choice(vocab)
        out.append(" ".join(edited))
    return out


def test_band_index_matches_datasketch_candidates() -> None:
    bands, rows = lsh_params(0.8, 128)
    ours = BandIndex(bands, rows, min_buffer=16)  # small buffer: exercises merging
    theirs = MinHashLSH(num_perm=128, params=(bands, rows))
    sigs = [mh.signature(d) for d in _docs(120)]
    for i, hv in enumerate(sigs):
        assert ours.query(hv) == set(theirs.query(mh.lean(hv)))
        ours.insert(i, hv)
        theirs.insert(i, mh.lean(hv))
    assert len(ours) == len(sigs)


def test_lsh_params_favour_recall_at_threshold() -> None:
    b, r = lsh_params(0.8, 128)
    assert b * r <= 128
    assert 1 - (1 - 0.75**r) ** b >= 0.99


def test_band_index_is_compact() -> None:
    index = BandIndex(25, 5, min_buffer=64)
    rng = np.random.default_rng(1)
    for i in range(1000):
        index.insert(i, rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32))
    assert index.nbytes() < 1000 * 25 * 12 * 2
