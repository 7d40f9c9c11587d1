"""No query mem0g runs reads the whole database to find one user's items or one item by id.

A Cypher planner picks its plan from statistics, and with the wrong ones it chose scans here: a
relationship index scan over every fact id for each id of ``facts_by_ids``, an index seek over
*all* of a user's facts for each id of ``facts_rank_fields`` (53 ms instead of 2.5 ms for 80 ids
of a 737-fact user), every node of the database for a small user's fact pool in
``search_start``. The id and key lookups now carry ``USING INDEX`` hints; this test plans
(``EXPLAIN``, nothing runs) every query file on a real server holding two users' data and fails
on any operator that reads a whole label, type, index or the node store, so a plan that scales
with the database rather than with the user cannot come back unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mem0g import Memory
from mem0g._engine.profile import filters_in_index
from mem0g._neo4j.queries import statements

pytestmark = [pytest.mark.neo4j]

CYPHER = Path(__file__).resolve().parents[2] / "cypher"
# Operators that read a whole label, relationship type, index or the node store.
WHOLE_READS = ("AllNodesScan", "NodeByLabelScan", "RelationshipTypeScan", "IndexScan")
# Queries that read every item of a kind on purpose.
WHOLE_BY_DESIGN = {
    "users_list": "lists every user: one Tenant node each",
    "forget_user": "forget deletes a user's episodes and conversations, found by label (rare, bulk)",
}
NOT_PLANNED = {"schema", "server_info"}  # DDL, and a procedure call without a plan worth checking

LISTS = {"ids", "keys", "entities"}
MAPS = {"rows", "groups", "frontier"}
TEXTS = {"user_id", "id", "tenant", "thread", "lucene", "lucene_facts", "lucene_entities", "name"}
NUMBERS = {"k", "fetch", "limit", "exact_max", "facts", "entities", "messages", "skip", "page_size"}
FLAGS = {"include_history", "current_only"}


def _params(text: str, dims: int) -> dict[str, Any]:
    names = set(
        re.findall(r"\$(\w+)", "\n".join(line for line in text.splitlines() if not line.startswith("//")))
    )
    values: dict[str, Any] = {}
    for name in names:
        if name == "vector":
            values[name] = [0.1] * dims
        elif name == "metadata_groups":
            values[name] = []
        elif name in MAPS:
            values[name] = [{"id": "x", "entity": "x", "via": None, "name_key": "x", "subject_key": "x"}]
        elif name in LISTS:
            values[name] = ["x"]
        elif name in TEXTS:
            values[name] = "x"
        elif name in NUMBERS:
            values[name] = 10
        elif name in FLAGS:
            values[name] = False
        else:
            values[name] = None
    return values


def _operators(plan: Any) -> Iterator[tuple[str, str]]:
    yield plan["operatorType"].split("@")[0], str(plan.get("args", {}).get("Details", ""))
    for child in plan.get("children", []):
        yield from _operators(child)


@pytest.fixture(scope="module")
def planned(session_memory: Memory) -> Iterator[Memory]:
    # Statistics from a database that holds something: two users, facts that supersede others.
    users = ["plans-a", "plans-b"]
    for user_id in users:
        session_memory.add_facts(
            [
                {
                    "subject": f"P{i}",
                    "predicate": "lives_in",
                    "object": f"City {i % 7}",
                    "valid_from": "2020-01-01",
                }
                for i in range(40)
            ]
            + [
                {
                    "subject": f"P{i}",
                    "predicate": "lives_in",
                    "object": f"Town {i % 5}",
                    "valid_from": "2022-01-01",
                }
                for i in range(40)
            ],
            user_id=user_id,
        )
    yield session_memory
    for user_id in users:
        session_memory.forget(user_id)


def _query_names(memory: Memory) -> list[str]:
    in_index = filters_in_index(str(memory.doctor()["server"].get("version", "")))
    names = []
    for path in sorted(CYPHER.glob("*.cypher")):
        name = path.stem
        if name in NOT_PLANNED or name.startswith("schema"):
            continue
        if name.endswith("_in_index") and not in_index:
            continue  # Cypher 25 SEARCH: planned on the 2026 profile's run (make test-2026)
        names.append(name)
    return names


def test_no_query_reads_the_whole_database_for_one_users_items(planned: Memory) -> None:
    dims = planned.embedder.dimensions
    offenders = {}
    names = _query_names(planned)
    assert "facts_rank_fields" in names and "search_start" in names
    with planned.store.driver.session(database=planned.store.database) as session:
        for name in names:
            [text] = statements(name)
            plan = session.run(f"EXPLAIN {text}", _params(text, dims)).consume().plan
            assert plan is not None, name
            whole = [
                f"{op} {details}" for op, details in _operators(plan) if any(w in op for w in WHOLE_READS)
            ]
            if whole and name not in WHOLE_BY_DESIGN:
                offenders[name] = whole
    assert not offenders, offenders
