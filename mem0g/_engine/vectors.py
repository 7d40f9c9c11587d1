"""The stored embeddings a search scores with, kept in the process (bounded, least recently used).

Reading a 384-float embedding from Neo4j's property store costs about 20 us per fact, and the
cosines over a user's facts and over the facts around an expansion frontier were most of a search's
time inside Neo4j. An embedding never changes once its fact, entity or episode is written (updates
and clones keep it; only re-indexing rewrites it, and that clears this cache), so the engine keeps
them here by id: Neo4j answers which ids pass the filters, and the cosines are computed here.
Ids are uuid4 hex strings, unique across users and kinds, and every id a search scores came from
a query filtered by its user, so a cached vector is never shown to another user.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["DEFAULT_CACHE_BYTES", "Ends", "VectorCache", "VectorLease", "top_k"]

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024

_Vector = np.ndarray[Any, np.dtype[np.float32]]
#: a fact's (subject id, object id): as fixed as its embedding
Ends = tuple[str, str]
# What one entry costs beyond its vector (two id strings, the tuple, the dict slot), roughly.
_OVERHEAD = 200
# A search's pool (an id list at least _MATRIX_MIN long) keeps its stacked matrix: the last
# _MATRICES of them, each at most a _MATRICES-th of _MATRIX_BYTES.
_MATRIX_MIN, _MATRICES, _MATRIX_BYTES = 64, 4, 32 * 1024 * 1024


class _Entry:
    __slots__ = ("ends", "nbytes", "vector")

    def __init__(self, vector: _Vector, ends: Ends | None) -> None:
        self.vector, self.ends = vector, ends
        self.nbytes = vector.nbytes + _OVERHEAD


class VectorCache:
    """Unit vectors by id, float32, at most ``max_bytes`` of them (oldest use evicted first).

    Thread-safe: the sync door's callers and background workers share one cache.
    """

    def __init__(self, *, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._max_bytes = max(0, max_bytes)
        self._vectors: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # The last few stacked matrices of large id lists: a user's pool repeats from one search
        # to the next, and stacking 737 vectors cost more than the product. A vector never
        # changes for its id, so a matrix stays right until clear().
        self._matrices: OrderedDict[tuple[str, ...], np.ndarray[Any, np.dtype[np.float64]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def lease(self) -> VectorLease:
        """A view for one search: what it reads stays available to it whatever the cache evicts."""
        return VectorLease(self)

    def _get_many(self, ids: Iterable[str]) -> dict[str, _Entry]:
        with self._lock:
            found = {}
            for key in ids:
                row = self._vectors.get(key)
                if row is not None:
                    self._vectors.move_to_end(key)
                    found[key] = row
            return found

    def _put_many(self, rows: dict[str, _Entry]) -> None:
        with self._lock:
            for key, unit in rows.items():
                old = self._vectors.pop(key, None)
                if old is not None:
                    self._bytes -= old.nbytes
                self._vectors[key] = unit
                self._bytes += unit.nbytes
            while self._bytes > self._max_bytes and self._vectors:
                _, dropped = self._vectors.popitem(last=False)
                self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
            self._matrices.clear()
            self._bytes = 0

    def _matrix(self, key: tuple[str, ...]) -> np.ndarray[Any, np.dtype[np.float64]] | None:
        with self._lock:
            matrix = self._matrices.get(key)
            if matrix is not None:
                self._matrices.move_to_end(key)
            return matrix

    def _keep_matrix(self, key: tuple[str, ...], matrix: np.ndarray[Any, np.dtype[np.float64]]) -> None:
        if matrix.nbytes > _MATRIX_BYTES // _MATRICES:
            return
        with self._lock:
            self._matrices[key] = matrix
            while len(self._matrices) > _MATRICES:
                self._matrices.popitem(last=False)


class VectorLease:
    """The vectors one search uses: taken from the cache or put by the search, held to its end."""

    def __init__(self, cache: VectorCache) -> None:
        self._cache = cache
        self._held: dict[str, _Entry] = {}

    def missing(self, ids: Iterable[str]) -> list[str]:
        """The ids (each once, in order) whose vector neither this search nor the cache holds."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self._held]
        self._held.update(self._cache._get_many(wanted))
        return [i for i in wanted if i not in self._held]

    def put(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float] | None],
        ends: Sequence[Ends] | None = None,
    ) -> None:
        """Hold (and cache) each id's stored vector, normalised, and a fact's two entity ids; a null
        vector is held as empty, so it scores 0 and is not read again."""
        pairs: Sequence[Ends | None] = ends if ends is not None else [None] * len(ids)
        rows = {
            key: _Entry(_unit(vector), None if pair is None else (pair[0], pair[1]))
            for key, vector, pair in zip(ids, vectors, pairs, strict=True)
        }
        self._held.update(rows)
        self._cache._put_many(rows)

    def cosines(self, ids: Sequence[str], vector: Sequence[float], *, pool: bool = False) -> dict[str, float]:
        """Cosine of ``vector`` with each held id's vector (ids not held are left out; an empty or
        wrong-length stored vector scores 0). A ``pool`` (a user's candidates, asked again by the
        next search) keeps its stacked matrix in the cache."""
        query = _unit(vector).astype(np.float64)
        found = [key for key in dict.fromkeys(ids) if key in self._held]
        if not found:
            return {}
        key = tuple(found)
        remember = pool and len(found) >= _MATRIX_MIN
        matrix = self._cache._matrix(key) if remember else None
        if matrix is None or matrix.shape[1] != query.shape[0]:
            zero = np.zeros(query.shape, dtype=np.float32)
            rows = [self._held[key].vector for key in found]
            matrix = np.stack([row if row.shape == query.shape else zero for row in rows]).astype(np.float64)
            if remember:
                self._cache._keep_matrix(key, matrix)
        scores = matrix @ query
        return dict(zip(found, scores.tolist(), strict=True))

    def cosines_to(self, ids: Sequence[str], other: str) -> dict[str, float]:
        """Cosine of each held id's vector with ``other``'s (empty when ``other`` is not held)."""
        entry = self._held.get(other)
        if entry is None or not entry.vector.size:
            return {}
        return self.cosines(ids, entry.vector.tolist())

    def ends(self, fact_id: str) -> Ends | None:
        """A held fact's (subject id, object id), if it was read with them."""
        entry = self._held.get(fact_id)
        return None if entry is None else entry.ends


def _unit(vector: Sequence[float] | None) -> _Vector:
    if vector is None:
        return np.zeros(0, dtype=np.float32)
    row = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(row))
    return (row / norm if norm > 0 else row).astype(np.float32)


def top_k(scores: dict[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` best (id, score) pairs, best first; equal scores by id, so the order is stable."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
