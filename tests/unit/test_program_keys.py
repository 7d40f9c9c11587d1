"""API keys: their form and hash (pure), and create_key / list_keys / revoke_key / tenant_for_key as
programs on the scripted runner: what is stored (never the key), what is looked up, what is refused
before any query."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from scripted import Runner, micros, utc

from mem0g._engine.keys import KEY_PATTERN, key_hash, new_key, parse_key, tenant_of
from mem0g._engine.operations import Operations
from mem0g._neo4j.queries import query
from mem0g.errors import InvalidInputError, NotFoundError

USER = "alice"
CREATED = utc(2025, 6, 1, 12)


def key_row(key_id: str = "0123456789abcdef", *, revoked: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": key_id,
        "user_id": USER,
        "name": "agent",
        "created_at": micros(CREATED),
        "revoked_at": micros(revoked),
        **extra,
    }


def lookup_row(
    secret: str, *, user: str = USER, revoked: bool = False, salt: str = "ab" * 16
) -> dict[str, Any]:
    return {"user_id": user, "salt": salt, "hash": key_hash(secret, salt), "revoked": revoked}


def test_a_new_key_has_its_id_inside_and_a_salted_hash() -> None:
    first, second = new_key(), new_key()
    assert KEY_PATTERN.fullmatch(first.secret) and parse_key(first.secret) == first.id
    assert first.id != second.id and first.salt != second.salt and first.secret != second.secret
    assert first.hash == hmac.new(bytes.fromhex(first.salt), first.secret.encode(), "sha256").hexdigest()
    assert first.secret not in (first.hash, first.salt)


def test_keys_are_made_from_the_injected_randomness() -> None:
    made = new_key(token_hex=lambda n: "f" * (2 * n))
    assert made.id == "f" * 16 and made.secret == f"m0g-{'f' * 16}-{'f' * 64}" and made.salt == "f" * 32


@pytest.mark.parametrize(
    "text",
    [None, 12, "", "m0g-", "m0g-0123456789abcdef", "m0g-0123456789ABCDEF-" + "a" * 64, "x" + "-a" * 40],
)
def test_a_malformed_key_has_no_id(text: Any) -> None:
    assert parse_key(text) is None


def test_tenant_of_matches_only_the_exact_key_that_is_not_revoked() -> None:
    secret = new_key().secret
    assert tenant_of(secret, [lookup_row(secret)]) == USER
    assert tenant_of(secret, []) is None
    assert tenant_of(secret, [lookup_row(secret, revoked=True)]) is None
    assert tenant_of(secret[:-1] + ("0" if secret[-1] != "0" else "1"), [lookup_row(secret)]) is None
    assert tenant_of(secret, [{**lookup_row(secret), "salt": "not hex"}]) is None


def test_create_key_stores_a_hash_never_the_key(ops: Operations[Any]) -> None:
    runner = Runner({"keys_create": lambda p: [key_row(p["id"], name=p["name"])]})
    record, secret = runner.run(ops.create_key(USER, name="agent"))
    params = runner.one("keys_create")
    assert runner.kinds() == ["write"]  # no schema, no model: one write transaction
    assert KEY_PATTERN.fullmatch(secret) and record.id == params["id"] == parse_key(secret)
    assert secret not in [str(v) for v in params.values()] and secret.split("-")[2] not in str(params)
    assert params["hash"] == key_hash(secret, params["salt"]) and params["user_id"] == USER
    assert (record.user_id, record.name, record.created_at, record.revoked_at) == (
        USER,
        "agent",
        CREATED,
        None,
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda ops: ops.create_key(""), "user_id"),
        (lambda ops: ops.create_key(USER, name="x" * 257), "name"),
        (lambda ops: ops.create_key(USER, name="\ud800"), "name"),
        (lambda ops: ops.list_keys(" "), "user_id"),
        (lambda ops: ops.revoke_key(""), "key_id"),
        (lambda ops: ops.revoke_key("abc", user_id=""), "user_id"),
    ],
)
def test_bad_arguments_are_refused_before_any_query(ops: Operations[Any], call: Any, field: str) -> None:
    runner = Runner({})
    with pytest.raises(InvalidInputError, match=field):
        runner.run(call(ops))
    assert runner.calls == []


def test_list_keys_reads_one_users_keys(ops: Operations[Any]) -> None:
    runner = Runner({"keys_list": [key_row("a" * 16), key_row("b" * 16, revoked=utc(2025, 7, 1))]})
    keys = runner.run(ops.list_keys(USER))
    assert runner.one("keys_list") == {"user_id": USER}
    assert [(k.id, k.active) for k in keys] == [("a" * 16, True), ("b" * 16, False)]
    assert keys[1].revoked_at == utc(2025, 7, 1)


def test_revoke_key_of_one_user_or_of_any(ops: Operations[Any]) -> None:
    runner = Runner({"keys_revoke": [key_row(revoked=utc(2025, 7, 1))]})
    record = runner.run(ops.revoke_key(" 0123456789abcdef ", user_id=USER))
    params = runner.one("keys_revoke")
    assert (params["id"], params["user_id"]) == ("0123456789abcdef", USER) and params["now"].tzinfo
    assert record.revoked_at == utc(2025, 7, 1)
    runner = Runner({"keys_revoke": []})
    with pytest.raises(NotFoundError, match="no API key with id 'ffff'"):
        runner.run(ops.revoke_key("ffff"))
    assert runner.one("keys_revoke")["user_id"] is None


def test_tenant_for_key_looks_the_id_up_and_checks_the_hash(ops: Operations[Any]) -> None:
    secret = new_key().secret
    runner = Runner({"keys_lookup": [lookup_row(secret, user="bob")]})
    assert runner.run(ops.tenant_for_key(secret)) == "bob"
    assert runner.one("keys_lookup") == {"id": parse_key(secret)}
    assert runner.kinds() == ["read"]


@pytest.mark.parametrize("text", ["", "Bearer x", "m0g-zz", "m0g-" + "0" * 16 + "-" + "0" * 63])
def test_tenant_for_a_malformed_key_asks_nothing(ops: Operations[Any], text: str) -> None:
    runner = Runner({})
    assert runner.run(ops.tenant_for_key(text)) is None
    assert runner.calls == []


def test_forget_removes_the_users_keys_and_only_the_lookup_returns_a_hash() -> None:
    assert "MATCH (n:ApiKey {user_id: $user_id}) RETURN n" in query("forget_user")
    for name in ("keys_list", "keys_lookup", "keys_revoke", "keys_create"):
        returned = query(name).split("RETURN")[-1]
        assert "k.hash" not in returned or name == "keys_lookup"
        assert ".salt" not in returned or name == "keys_lookup"
