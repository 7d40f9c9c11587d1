"""API keys: their form, their hash and the steps that store, list, revoke and look them up (pure).

A key is ``m0g-<id>-<secret>``: ``id`` is 16 hex digits (the public part, by which the key is
found and revoked), ``secret`` 64 hex digits (256 random bits). Neo4j keeps the id, the user, a name,
a random salt and ``HMAC-SHA256(salt, key)``; never the key. Checking a key recomputes the HMAC and
compares it in constant time (:func:`hmac.compare_digest`). A key of the wrong form is refused
before any query; an unknown id still costs one HMAC, so a caller cannot tell the two apart by time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mem0g._engine.effects import Query, Steps
from mem0g._engine.rows import instant
from mem0g.models import ApiKey

__all__ = [
    "KEY_PATTERN",
    "NewKey",
    "create_key_steps",
    "key_hash",
    "list_keys_steps",
    "lookup_key_steps",
    "new_key",
    "parse_key",
    "record_to_key",
    "revoke_key_steps",
    "tenant_of",
]

#: The form of a key; the first group is its id.
KEY_PATTERN = re.compile(r"m0g-([0-9a-f]{16})-([0-9a-f]{64})")
#: Compared against when a key's id is unknown, so that an unknown id takes as long as a wrong secret.
_NO_SALT, _NO_HASH = "0" * 32, "0" * 64


@dataclass(frozen=True)
class NewKey:
    """A key just made: what to store (``id``, ``salt``, ``hash``) and the secret, shown once."""

    id: str
    secret: str
    salt: str
    hash: str


def key_hash(secret: str, salt: str) -> str:
    """HMAC-SHA256 of the whole key under the key's salt, in hex."""
    return hmac.new(bytes.fromhex(salt), secret.encode("ascii"), hashlib.sha256).hexdigest()


def new_key(*, token_hex: Any = secrets.token_hex) -> NewKey:
    """A fresh random key (``token_hex(n)`` gives n random bytes in hex: injectable for tests)."""
    key_id = str(token_hex(8))
    secret = f"m0g-{key_id}-{token_hex(32)}"
    salt = str(token_hex(16))
    return NewKey(id=key_id, secret=secret, salt=salt, hash=key_hash(secret, salt))


def parse_key(secret: object) -> str | None:
    """The id of a key of the right form, else ``None`` (no query is made for a malformed key)."""
    if not isinstance(secret, str):
        return None
    match = KEY_PATTERN.fullmatch(secret.strip())
    return match.group(1) if match else None


def record_to_key(row: dict[str, Any]) -> ApiKey:
    created = instant(row["created_at"])
    if created is None:
        raise TypeError(f"API key {row['id']!r} has no created_at")
    return ApiKey(
        id=row["id"],
        user_id=row["user_id"],
        name=row.get("name"),
        created_at=created,
        revoked_at=instant(row.get("revoked_at")),
    )


def tenant_of(secret: str, rows: list[dict[str, Any]]) -> str | None:
    """The user a key belongs to, given the ``keys_lookup`` rows of its id: ``None`` unless the
    secret's HMAC matches (constant-time compare) and the key is not revoked."""
    row = rows[0] if rows else None
    salt = str(row["salt"]) if row else _NO_SALT
    stored = str(row["hash"]) if row else _NO_HASH
    try:
        computed = key_hash(secret.strip(), salt)
    except ValueError:  # a stored salt that is not hex: no key matches it
        computed = key_hash(secret.strip(), _NO_SALT)
    matches = hmac.compare_digest(computed.encode("ascii"), stored.encode("ascii"))
    if row is None or not matches or row.get("revoked"):
        return None
    return str(row["user_id"])


def create_key_steps(user_id: str, key: NewKey, name: str | None, now: datetime) -> Steps[ApiKey]:
    rows = yield Query(
        "keys_create",
        {"user_id": user_id, "id": key.id, "name": name, "salt": key.salt, "hash": key.hash, "now": now},
    )
    return record_to_key(rows[0])


def list_keys_steps(user_id: str) -> Steps[list[ApiKey]]:
    rows = yield Query("keys_list", {"user_id": user_id})
    return [record_to_key(r) for r in rows]


def revoke_key_steps(key_id: str, user_id: str | None, now: datetime) -> Steps[ApiKey | None]:
    rows = yield Query("keys_revoke", {"id": key_id, "user_id": user_id, "now": now})
    return record_to_key(rows[0]) if rows else None


def lookup_key_steps(key_id: str) -> Steps[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = yield Query("keys_lookup", {"id": key_id})
    return rows
