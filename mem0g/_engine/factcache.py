"""What searches read of a user's facts, kept in the process while that user's data is unchanged.

A search reads, after its traversal, the ranking fields of every fact it reached
(``facts_rank_fields``) and the records of its hits (``facts_by_ids``): two round trips that an
agent asking again about the same user repeats for the same facts. Every write transaction of a
user sets a new random ``version`` on the user's ``:Tenant`` node (``tenant_lock``, and
``fact_delete``, the one write outside ``write_steps``), and the search's first query returns it
(``search_start``). Entries are kept per user with the version they were read under and dropped as
soon as a search sees another one, so a search never uses what a later write changed: a write
commits its facts and its new version together, and every search that starts after the commit
sees the new version. A ``forget`` removes the node, and a user written again gets a new random
version, never an old one. A user without a version (data written by an older mem0g) is not cached.

Edits made to the graph outside mem0g (in the Neo4j Browser, say) do not change the version: a
door keeps serving what it read until the user's next write through mem0g (a new ``Memory`` starts
empty), as it keeps the stored embeddings (``vectors.py``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_MAX_FACTS", "FactCache", "FactView"]

#: Facts kept over all users (each a few hundred bytes to a kilobyte).
DEFAULT_MAX_FACTS = 50_000


class FactView:
    """One user's kept facts at one version: ranking fields and hit records by fact id."""

    def __init__(self) -> None:
        self.rank: dict[str, tuple[Any, ...]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.kept = False  # held by the cache (counted in its bound)

    def size(self) -> int:
        return len(self.rank) + len(self.records)


class FactCache:
    """Per-user :class:`FactView` s, at most ``max_facts`` entries in all (least recently used user
    out first). Thread-safe."""

    def __init__(self, *, max_facts: int = DEFAULT_MAX_FACTS) -> None:
        self._max = max(0, max_facts)
        self._users: OrderedDict[str, tuple[str, FactView]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def view(self, user_id: str, version: str | None) -> FactView:
        """The user's view at ``version``: the kept one if it was read at that version, else a new
        empty one (kept, replacing the stale one; not kept when there is no version)."""
        if version is None or self._max == 0:
            return FactView()
        with self._lock:
            kept = self._users.get(user_id)
            if kept is not None and kept[0] == version:
                self._users.move_to_end(user_id)
                return kept[1]
            if kept is not None:
                self._size -= kept[1].size()
                kept[1].kept = False
            view = FactView()
            view.kept = True
            self._users[user_id] = (version, view)
            self._users.move_to_end(user_id)
            return view

    def put_rank(self, view: FactView, rows: Iterable[tuple[Any, ...]]) -> None:
        with self._lock:
            before = view.size()
            for row in rows:
                view.rank[row[0]] = tuple(row[1:])
            self._grew(view, before)

    def put_records(self, view: FactView, records: Mapping[str, dict[str, Any]]) -> None:
        with self._lock:
            before = view.size()
            view.records.update(records)
            self._grew(view, before)

    def clear(self) -> None:
        with self._lock:
            for _, view in self._users.values():
                view.kept = False
            self._users.clear()
            self._size = 0

    def __len__(self) -> int:
        return self._size

    def _grew(self, view: FactView, before: int) -> None:
        if not view.kept:
            return  # not held (no version, or replaced since): counts for nothing
        self._size += view.size() - before
        while self._size > self._max and len(self._users) > 1:
            _, (_, dropped) = self._users.popitem(last=False)
            dropped.kept = False
            self._size -= dropped.size()
        if self._size > self._max:  # one user alone over the bound: start it afresh
            for _, kept in self._users.values():
                kept.rank.clear()
                kept.records.clear()
            self._size = 0
