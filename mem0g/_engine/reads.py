"""Steps of the simple reads and deletes: one query each, its rows decoded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mem0g._engine.effects import Query, Steps
from mem0g._engine.rows import py, record_to_fact
from mem0g.models import FactRecord

__all__ = [
    "delete_fact_steps",
    "entity_history_steps",
    "facts_all_steps",
    "forget_steps",
    "graph_rows_steps",
    "server_info_steps",
    "tenant_stats_steps",
    "users_steps",
]


def tenant_stats_steps(user_id: str) -> Steps[dict[str, int]]:
    rows = yield Query("tenant_stats", {"user_id": user_id})
    return dict(rows[0])


def facts_all_steps(
    user_id: str,
    *,
    now: datetime,
    as_of: datetime | None = None,
    current_only: bool = False,
    agent_id: str | None = None,
    run_id: str | None = None,
    skip: int = 0,
    limit: int = 1_000_000,
) -> Steps[list[FactRecord]]:
    rows = yield Query(
        "facts_all",
        {
            "user_id": user_id,
            "now": now,
            "as_of": as_of,
            "current_only": current_only,
            "agent_id": agent_id,
            "run_id": run_id,
            "skip": skip,
            "limit": limit,
        },
    )
    return [record_to_fact(r) for r in rows]


def entity_history_steps(user_id: str, key: str) -> Steps[list[FactRecord]]:
    rows = yield Query("entity_history", {"user_id": user_id, "key": key})
    return [record_to_fact(r) for r in rows]


def graph_rows_steps(user_id: str, as_of: datetime | None) -> Steps[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = yield Query("graph_user", {"user_id": user_id, "as_of": as_of})
    for row in rows:
        row["facts"] = [{k: py(v) for k, v in f.items() if v is not None} for f in row["facts"] if f]
    return rows


def users_steps() -> Steps[list[dict[str, Any]]]:
    rows = yield Query("users_list")
    return [{k: py(v) for k, v in r.items()} for r in rows]


def server_info_steps() -> Steps[dict[str, Any]]:
    rows = yield Query("server_info")
    return dict(rows[0])


def delete_fact_steps(user_id: str, fact_id: str) -> Steps[bool]:
    rows = yield Query("fact_delete", {"user_id": user_id, "id": fact_id})
    return bool(rows and rows[0]["deleted"])


def forget_steps(user_id: str) -> Steps[int]:
    rows = yield Query("forget_user", {"user_id": user_id})
    return int(rows[0]["deleted"]) if rows else 0
