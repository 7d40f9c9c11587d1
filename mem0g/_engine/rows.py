"""Decoding of the rows queries return into mem0g's values and models (pure).

Stored instants come back as integer microseconds since the epoch from the queries on the search
path (the driver's temporal decoding cost ~80 us per value, most of a search's time) and as the
driver's temporal values from queries written for the Browser. Those are recognised by their
``to_native`` method, so the engine needs no import of the driver.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from mem0g._engine.resolve import StoredFact
from mem0g.models import FactRecord, Hit, SupersededFact

__all__ = ["cosine_from_neo4j", "instant", "py", "record_to_fact", "stored_fact"]


def cosine_from_neo4j(score: float) -> float:
    """Neo4j reports cosine similarity rescaled to [0, 1] as (1 + cos) / 2; mem0g ranks on cos itself."""
    return 2.0 * float(score) - 1.0


def py(value: Any) -> Any:
    """Driver temporal values (also inside lists) -> aware Python datetimes."""
    if isinstance(value, list):
        return [py(v) for v in value]
    to_native = getattr(value, "to_native", None)
    if to_native is not None and not isinstance(value, datetime):
        native = to_native()
        # A stored instant is UTC; as datetime.timezone.utc it is written back as "Z", not "Z[UTC]".
        if isinstance(native, datetime) and native.tzinfo is not None:
            return native.astimezone(timezone.utc)
        return native
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FACT_TIMES = ("valid_from", "valid_until", "recorded_at", "superseded_at")


def instant(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime: the integer microseconds since the epoch that the
    fact read queries return (decoding neo4j temporal values in Python cost ~80 µs each, most of a
    search's time; every stored instant is UTC, so nothing is lost), or a neo4j DateTime from a
    query written for the Browser."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    native = py(value)
    if isinstance(native, datetime):
        return native
    raise TypeError(f"not an instant: {value!r}")


def _times(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: instant(v) if k in _FACT_TIMES else py(v) for k, v in dict(row).items()}


def record_to_fact(row: Mapping[str, Any], cls: type[FactRecord] = FactRecord, **extra: Any) -> Any:
    f = _times(row["f"])
    data: dict[str, Any] = {
        "id": f["id"],
        "fact": f["fact"],
        "subject": row["subject"],
        "predicate": f["predicate"],
        "object": row["object"],
        "subject_type": row.get("subject_type"),
        "object_type": row.get("object_type"),
        "valid_from": f.get("valid_from"),
        "valid_until": f.get("valid_until"),
        "recorded_at": f["recorded_at"],
        "superseded_at": f.get("superseded_at"),
        "status": f["status"],
        "cardinality": f["cardinality"],
        "source": list(f.get("source") or []),
        "user_id": f["user_id"],
        "agent_id": f.get("agent_id"),
        "run_id": f.get("run_id"),
        "metadata": json.loads(f.get("metadata") or "{}"),
    }
    if cls is Hit:
        data["supersedes"] = [SupersededFact(**_times(s)) for s in (row.get("supersedes") or [])]
    data.update(extra)
    return cls(**data)


def stored_fact(row: Mapping[str, Any]) -> StoredFact:
    return StoredFact(
        id=row["id"],
        subject_key=row["subject_key"],
        predicate_key=row["predicate_key"],
        object_key=row["object_key"],
        valid_from=py(row["valid_from"]),
        valid_until=py(row["valid_until"]),
        status=row["status"],
        cardinality=row["cardinality"],
        sources=tuple(row["sources"] or ()),
        superseded_at=py(row["superseded_at"]),
        superseded_by=row["superseded_by"],
        supersedes=tuple(row["supersedes"] or ()),
        points=tuple(py(p) for p in row["points"] or ()),
    )
