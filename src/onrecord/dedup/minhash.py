"""Vectorised MinHash signatures of word shingles, compatible with datasketch.

Each word is hashed once (CRC-32, stable across processes), the k-word
shingle hashes are combined with numpy, and the 128 permutations of
datasketch's ``affine32`` scheme are applied as one matrix operation. The
resulting hash values are exactly what ``datasketch.MinHash(scheme="affine32")``
would hold for the same input hashes, so they go straight into
``datasketch.LeanMinHash`` and ``MinHashLSH``.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

SCHEME = "affine32"
SEED = 1
DEFAULT_SHINGLE = 3

_WORD = re.compile(r"\w+")
_MIX = np.uint32(0x9E3779B1)  # golden-ratio multiplier for combining word hashes
_MAX = np.uint32(0xFFFFFFFF)
EMPTY = _MAX  # every value of an empty text's signature


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer (datasketch's pre-mix for ``affine32``)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def word_hashes(body: str) -> np.ndarray:
    """CRC-32 of every word of ``body``, in order, as uint32."""
    words = _WORD.findall(body)
    return np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint32, count=len(words))


def shingle_hashes(words: np.ndarray, k: int = DEFAULT_SHINGLE) -> np.ndarray:
    """Distinct hashes of the k-word shingles (the whole text when shorter than k)."""
    n = len(words)
    if n == 0:
        return words
    k = min(k, n)
    with np.errstate(over="ignore"):
        h = words[: n - k + 1].copy()
        for j in range(1, k):
            h = (h * _MIX) ^ words[j : n - k + 1 + j]
    return np.unique(h)


def signature(body: str, num_perm: int = 128, k: int = DEFAULT_SHINGLE) -> np.ndarray:
    """MinHash hash values (uint32[num_perm]) of the k-word shingles of ``body``.

    An empty body gives the all-max "empty" signature.
    """
    hv = shingle_hashes(word_hashes(body), k)
    if len(hv) == 0:
        return np.full(num_perm, _MAX, dtype=np.uint32)
    a, b = _permutations(num_perm)
    with np.errstate(over="ignore"):
        phv = _fmix32(hv)[:, None] * a + b
    return phv.min(axis=0)


def is_empty(hashvalues: np.ndarray) -> bool:
    return bool((hashvalues == _MAX).all())


def to_bytes(hashvalues: np.ndarray) -> bytes:
    """Compact little-endian serialisation: 4 bytes per permutation."""
    return hashvalues.astype("<u4", copy=False).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def lean(hashvalues: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=SCHEME)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)
