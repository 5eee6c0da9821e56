"""A compact MinHash LSH band index (same banding as ``datasketch.MinHashLSH``).

datasketch's in-memory ``MinHashLSH`` keeps a Python set per bucket and a bytes
key per band: about 6.5 KB per article at 25 bands, which dominates the
deduplicator's memory. This index keeps, per band, a 64-bit hash of the band's
rows in a sorted numpy array plus a small unsorted buffer: 12 bytes per band
per article. Candidates are exactly the items that share at least one whole
band with the query, as in datasketch (up to 64-bit hash collisions).
"""

from __future__ import annotations

import numpy as np

_MULTIPLIERS = np.random.RandomState(20240123).randint(1, 2**63 - 1, size=64, dtype=np.int64).astype(
    np.uint64
) * np.uint64(2) + np.uint64(1)


class BandIndex:
    def __init__(self, bands: int, rows: int, min_buffer: int = 1024) -> None:
        if rows > len(_MULTIPLIERS):
            raise ValueError(f"at most {len(_MULTIPLIERS)} rows per band")
        self.bands = bands
        self.rows = rows
        self.min_buffer = min_buffer
        self._mult = _MULTIPLIERS[:rows]
        self._keys = np.empty((bands, 0), dtype=np.uint64)  # sorted per band
        self._ids = np.empty((bands, 0), dtype=np.int32)  # aligned with _keys
        self._buf_keys = np.empty((min_buffer, bands), dtype=np.uint64)
        self._buf_ids = np.empty(min_buffer, dtype=np.int32)
        self._nbuf = 0

    def band_keys(self, hashvalues: np.ndarray) -> np.ndarray:
        """One 64-bit key per band (uint64[bands])."""
        rows = hashvalues[: self.bands * self.rows].reshape(self.bands, self.rows).astype(np.uint64)
        with np.errstate(over="ignore"):
            return (rows * self._mult).sum(axis=1, dtype=np.uint64)

    def insert(self, item: int, hashvalues: np.ndarray) -> None:
        if self._nbuf == len(self._buf_ids):
            self._merge()
        self._buf_keys[self._nbuf] = self.band_keys(hashvalues)
        self._buf_ids[self._nbuf] = item
        self._nbuf += 1

    def insert_many(self, items: np.ndarray, hashvalues: np.ndarray) -> None:
        """Insert rows of ``hashvalues`` (n x num_perm) as ``items`` at once (a rebuild)."""
        if not len(items):
            return
        rows = hashvalues[:, : self.bands * self.rows].reshape(len(items), self.bands, self.rows).astype(np.uint64)
        with np.errstate(over="ignore"):
            keys = (rows * self._mult).sum(axis=2, dtype=np.uint64)  # n x bands
        self._merge()
        self._buf_keys, self._buf_ids = keys, np.asarray(items, dtype=np.int32)
        self._nbuf = len(items)
        self._merge()

    def query(self, hashvalues: np.ndarray) -> set[int]:
        """Items sharing at least one band with ``hashvalues``."""
        keys = self.band_keys(hashvalues)
        found: set[int] = set()
        if self._keys.shape[1]:
            for band in range(self.bands):
                col = self._keys[band]
                lo = int(np.searchsorted(col, keys[band], side="left"))
                hi = int(np.searchsorted(col, keys[band], side="right"))
                if hi > lo:
                    found.update(self._ids[band, lo:hi].tolist())
        if self._nbuf:
            hit = (self._buf_keys[: self._nbuf] == keys).any(axis=1)
            found.update(self._buf_ids[: self._nbuf][hit].tolist())
        return found

    def _merge(self) -> None:
        """Fold the buffer into the sorted arrays; the next buffer is a quarter of the total."""
        keys = np.concatenate([self._keys, self._buf_keys[: self._nbuf].T], axis=1)
        ids = np.concatenate(
            [self._ids, np.broadcast_to(self._buf_ids[: self._nbuf], (self.bands, self._nbuf))], axis=1
        )
        order = np.argsort(keys, axis=1, kind="stable")
        self._keys = np.take_along_axis(keys, order, axis=1)
        self._ids = np.take_along_axis(ids, order, axis=1).astype(np.int32)
        size = max(self.min_buffer, self._keys.shape[1] // 4)
        self._buf_keys = np.empty((size, self.bands), dtype=np.uint64)
        self._buf_ids = np.empty(size, dtype=np.int32)
        self._nbuf = 0

    def __len__(self) -> int:
        return self._keys.shape[1] + self._nbuf

    def nbytes(self) -> int:
        return self._keys.nbytes + self._ids.nbytes + self._buf_keys.nbytes + self._buf_ids.nbytes
