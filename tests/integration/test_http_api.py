"""``mem0g serve`` on a real uvicorn (a subprocess on 127.0.0.1, a free port), driven with httpx, on
the test Neo4j and the LLM stub: every endpoint, the JSON errors and their statuses, the size limit,
API keys (missing, wrong, revoked, another user's), ``/mcp`` behind the same keys, and the tenancy
property over every endpoint with hostile requests.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from agent_servers import ServerProcess, extraction, http_client_for, mentions, server_env
from typer.testing import CliRunner

import mem0g.memory as memory_module
from mem0g import Memory
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import InvalidInputError
from mem0g.testing import Delay, LLMStub
from mem0g.tools.agents import TENANT_REFUSED
from mem0g.tools.cli import app

pytestmark = pytest.mark.neo4j

MAX_BODY = 50_000


def seed(label: str, home: str) -> list[dict[str, Any]]:
    return [
        {
            "subject": "Sarah",
            "predicate": "lives_in",
            "object": f"Shibuya {label}",
            "valid_from": "2025-04-01",
        },
        {"subject": "Sarah", "predicate": "lives_in", "object": home, "valid_from": "2025-04-24"},
        {"subject": "Sarah", "predicate": "works_at", "object": f"Acme {label}", "valid_from": "2024-01-01"},
    ]


@pytest.fixture(scope="module")
def stub() -> Iterator[LLMStub]:
    with LLMStub() as server:
        yield server


@pytest.fixture(scope="module")
def tenants(session_memory: Memory) -> Iterator[dict[str, str]]:
    run = uuid.uuid4().hex[:8]
    users = {"alice": f"http-alice-{run}", "bob": f"http-bob-{run}", "gone": f"http-gone-{run}"}
    session_memory.add_facts(seed("A", "Shinjuku"), user_id=users["alice"])
    session_memory.add_facts(seed("B", "Osaka"), user_id=users["bob"])
    yield users
    for user in users.values():
        session_memory.forget(user)


@pytest.fixture(scope="module")
def keys(session_memory: Memory, tenants: dict[str, str]) -> dict[str, str]:
    return {name: session_memory.create_key(user, name=name)[1] for name, user in tenants.items()}


@pytest.fixture(scope="module")
def server(
    settings_kwargs: dict[str, object], stub: LLMStub, tenants: dict[str, str]
) -> Iterator[ServerProcess]:
    env = server_env(settings_kwargs, MEM0G_LLM_BASE_URL=stub.url, MEM0G_LLM_MODEL="stub-model")
    process = ServerProcess(["serve", "--max-body", str(MAX_BODY)], env).start()
    yield process
    assert process.stop() == 0, process.output()  # SIGTERM: a clean shutdown
    assert "Traceback" not in process.output(), process.output()


Client = Callable[..., httpx2.Response]


@pytest.fixture(scope="module")
def api(server: ServerProcess, keys: dict[str, str]) -> Iterator[Callable[[str], httpx2.Client]]:
    clients: dict[str, httpx2.Client] = {}

    def client(name: str) -> httpx2.Client:
        if name not in clients:
            headers = {"Authorization": f"Bearer {keys[name]}"} if name in keys else {}
            clients[name] = httpx2.Client(base_url=server.url, headers=headers, timeout=60)
        return clients[name]

    yield client
    for c in clients.values():
        c.close()


def error_of(response: httpx2.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert "Traceback" not in body["error"]["message"]
    return dict(body["error"])


# -- service endpoints and keys ----------------------------------------------------------------------


def test_healthz_and_docs_need_no_key(server: ServerProcess) -> None:
    health = httpx2.get(server.url + "/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    spec = httpx2.get(server.url + "/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/search",
        "/v1/facts",
        "/v1/memories",
        "/v1/tasks/{task_id}",
        "/v1/history/{entity}",
        "/v1/facts/{fact_id}",
        "/v1/graph",
        "/healthz",
    } <= paths
    assert "user_id" not in json.dumps(spec)
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
    assert httpx2.get(server.url + "/docs").status_code == 200


def test_every_endpoint_needs_a_valid_key(
    server: ServerProcess, session_memory: Memory, tenants: dict[str, str], keys: dict[str, str]
) -> None:
    _, revoked = session_memory.create_key(tenants["alice"], name="revoked")
    session_memory.revoke_key(revoked.split("-")[1])
    _, forgotten = session_memory.create_key(tenants["gone"])
    session_memory.forget(tenants["gone"])  # a forgotten user's keys go with it
    wrong = keys["alice"][:-4] + "beef"
    requests = [
        ("POST", "/v1/search", {"query": "Sarah"}),
        ("POST", "/v1/facts", {"facts": [{"subject": "a", "predicate": "b", "object": "c"}]}),
        ("POST", "/v1/memories", {"messages": "hi"}),
        ("GET", "/v1/tasks/x", None),
        ("GET", "/v1/history/Sarah", None),
        ("GET", "/v1/facts", None),
        ("DELETE", "/v1/facts/x", None),
        ("GET", "/v1/graph", None),
        ("GET", "/v1/whoami", None),
        ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    ]
    before = session_memory.stats(tenants["alice"])
    for authorization in (
        None,
        "Bearer",
        f"Token {keys['alice']}",
        f"Bearer {wrong}",
        f"Bearer {revoked}",
        f"Bearer {forgotten}",
    ):
        headers = {} if authorization is None else {"Authorization": authorization}
        for method, path, body in requests:
            response = httpx2.request(method, server.url + path, json=body, headers=headers, timeout=30)
            assert error_of(response, 401)["code"] == "unauthorized", (authorization, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
    # A bad body is still 401 without a key: the key is checked first.
    assert error_of(httpx2.post(server.url + "/v1/search", json={"bogus": 1}), 401)["code"] == "unauthorized"
    assert session_memory.stats(tenants["alice"]) == before
    me = httpx2.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {keys['alice']}"})
    assert me.json() == {"user_id": tenants["alice"]}


# -- the endpoints -----------------------------------------------------------------------------------


def test_search_answers_exactly_what_the_cli_prints(
    api: Callable[[str], httpx2.Client],
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    tenants: dict[str, str],
) -> None:
    body: dict[str, Any] = {"query": "Where does Sarah live?", "limit": 5, "include_history": True}
    response = api("alice").post("/v1/search", json=body)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    env = {k: v for k, v in server_env(settings_kwargs).items() if k.startswith(("NEO4J_", "MEM0G_", "HF_"))}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory_module, "make_embedder", lambda settings: embedder)
        printed = CliRunner().invoke(
            app,
            [
                "search",
                body["query"],
                "--user",
                tenants["alice"],
                "--limit",
                "5",
                "--include-history",
                "--json",
            ],
            env=env,
        )
    assert printed.exit_code == 0, printed.output
    cli, http = json.loads(printed.stdout), response.json()

    def strip(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in h.items() if k != "score"} for h in hits]

    assert strip(http["results"]) == strip(cli["results"]) and set(http) == {"results"}
    assert [h["score"] for h in http["results"]] == pytest.approx(
        [h["score"] for h in cli["results"]], abs=1e-4
    )
    assert http["results"][0]["object"] == "Shinjuku"
    as_of = (
        api("alice")
        .post("/v1/search", json={"query": "Where does Sarah live?", "as_of": "2025-04-10"})
        .json()
    )
    assert as_of["results"][0]["object"] == "Shibuya A"


def test_facts_list_history_graph_and_delete(
    api: Callable[[str], httpx2.Client], session_memory: Memory, tenants: dict[str, str]
) -> None:
    alice = api("alice")
    added = alice.post(
        "/v1/facts", json={"facts": [{"subject": "I", "predicate": "owns", "object": "a bike"}]}
    )
    assert added.status_code == 200, added.text
    report = added.json()
    [bike] = report["added"]
    assert set(report) >= {"added", "restated", "superseded", "ended", "history", "entities_created"}
    listed = alice.get("/v1/facts").json()
    api_view = [
        r.model_dump(mode="json") for r in session_memory.get_all(user_id=tenants["alice"], limit=100)
    ]
    assert listed == api_view and bike in {f["id"] for f in listed}
    current = alice.get("/v1/facts", params={"current_only": "true"}).json()
    assert {f["status"] for f in current} == {"current"} and len(current) < len(listed)
    then = alice.get("/v1/facts", params={"as_of": "2025-04-10"}).json()
    assert "Shibuya A" in {f["object"] for f in then} and "a bike" not in {f["object"] for f in then}
    assert len(alice.get("/v1/facts", params={"limit": 1}).json()) == 1
    history = alice.get("/v1/history/sarah").json()
    assert history == [
        r.model_dump(mode="json") for r in session_memory.history("Sarah", user_id=tenants["alice"])
    ]
    assert error_of(alice.get("/v1/history/Nobody"), 404)["message"] == (
        f"no entity 'Nobody' with facts for user {tenants['alice']!r}"
    )
    graph = alice.get("/v1/graph").json()
    assert graph["total_edges"] == len(listed) and not graph["truncated"]
    assert {"Sarah", "Shinjuku", "a bike"} <= {n["name"] for n in graph["nodes"]}
    small = alice.get("/v1/graph", params={"limit": 1}).json()
    assert small["truncated"] and len(small["edges"]) == 1
    deleted = alice.delete(f"/v1/facts/{bike}")
    assert deleted.status_code == 200 and deleted.json() == {"id": bike, "deleted": True}
    assert error_of(alice.delete(f"/v1/facts/{bike}"), 404)["code"] == "not_found"


def test_another_users_fact_id_is_404_and_changes_nothing(
    api: Callable[[str], httpx2.Client], session_memory: Memory, tenants: dict[str, str]
) -> None:
    theirs = [f.id for f in session_memory.get_all(user_id=tenants["bob"])]
    before = session_memory.get_all(user_id=tenants["bob"])
    for fact_id in theirs:
        error = error_of(api("alice").delete(f"/v1/facts/{fact_id}"), 404)
        assert error == {
            "code": "not_found",
            "message": f"no fact with id {fact_id!r} for user {tenants['alice']!r}",
        }
    assert session_memory.get_all(user_id=tenants["bob"]) == before


def test_memories_in_the_background_then_the_task(
    api: Callable[[str], httpx2.Client], stub: LLMStub, session_memory: Memory, tenants: dict[str, str]
) -> None:
    marker = f"mem-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), extraction(("I", "plays", "chess", f"I play chess {marker}")))
    queued = api("alice").post(
        "/v1/memories", json={"messages": [{"role": "user", "content": f"I play chess {marker}"}]}
    )
    assert queued.status_code == 202, queued.text
    task = queued.json()
    assert task["status_url"] == f"/v1/tasks/{task['task_id']}"
    deadline = time.monotonic() + 60
    status = api("alice").get(task["status_url"]).json()
    while status["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = api("alice").get(task["status_url"]).json()
    assert status["state"] == "done" and status["result"]["results"][0]["event"] == "added", status
    assert stub.count(marker=marker) == 1
    assert (
        error_of(api("bob").get(task["status_url"]), 404)["message"] == f"no task with id {task['task_id']!r}"
    )
    marker2 = f"wait-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker2), extraction(("I", "plays", "go", f"I play go {marker2}")))
    waited = api("alice").post("/v1/memories", json={"messages": f"I play go {marker2}", "wait": True})
    assert waited.status_code == 200 and waited.json()["results"][0]["event"] == "added"
    assert any(marker2 in f.fact for f in session_memory.get_all(user_id=tenants["alice"]))


def test_errors_have_codes_statuses_and_the_cli_messages(
    api: Callable[[str], httpx2.Client],
    server: ServerProcess,
    session_memory: Memory,
    tenants: dict[str, str],
    stub: LLMStub,
) -> None:
    alice = api("alice")
    with pytest.raises(InvalidInputError) as bad_date:
        session_memory.search("Sarah", user_id=tenants["alice"], as_of="yesterday")
    assert error_of(alice.post("/v1/search", json={"query": "Sarah", "as_of": "yesterday"}), 400) == {
        "code": "invalid_input",
        "message": str(bad_date.value),
    }
    assert error_of(alice.post("/v1/search", json={"query": "Sarah", "limit": 0}), 422) == {
        "code": "invalid_request",
        "message": "limit: Input should be greater than or equal to 1",
    }
    assert (
        error_of(alice.post("/v1/search", json={"query": "Sarah", "colour": 1}), 422)["message"]
        == "colour: unknown field"
    )
    assert (
        error_of(
            alice.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"}), 422
        )["code"]
        == "invalid_request"
    )
    assert error_of(alice.get("/v1/facts", params={"limit": "many"}), 422)["code"] == "invalid_request"
    assert error_of(alice.get("/v1/nothing-here"), 404)["code"] == "not_found"
    assert error_of(alice.put("/v1/search", json={}), 405)["code"] == "method_not_allowed"
    big = {"facts": [{"subject": "x" * 1000, "predicate": "p", "object": "o"}] * 60}
    assert error_of(alice.post("/v1/facts", json=big), 413)["code"] == "too_large"
    assert error_of(alice.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "x" * MAX_BODY}), 413)
    before = session_memory.stats(tenants["alice"])
    marker = f"down-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), (500, {"x-should-retry": "false"}, {"error": {"message": "boom"}}))
    down = error_of(alice.post("/v1/memories", json={"messages": f"hello {marker}", "wait": True}), 503)
    assert down["code"] == "llm_unavailable" and "stub-model" in down["message"]
    assert session_memory.stats(tenants["alice"]) == before  # a failed add wrote nothing
    assert httpx2.get(server.url + "/healthz").status_code == 200  # and the server is still up


def test_user_id_is_refused_in_bodies_queries_and_filters(
    api: Callable[[str], httpx2.Client], session_memory: Memory, tenants: dict[str, str]
) -> None:
    alice, other = api("alice"), tenants["bob"]
    before = {u: session_memory.stats(u) for u in (tenants["alice"], other)}
    hostile = [
        alice.post("/v1/search", json={"query": "Sarah", "user_id": other}),
        alice.post("/v1/search", json={"query": "Sarah", "filters": {"user_id": other}}),
        alice.post(
            "/v1/facts", json={"facts": [{"subject": "a", "predicate": "b", "object": "c", "user_id": other}]}
        ),
        alice.post(
            "/v1/facts", json={"facts": [{"subject": "a", "predicate": "b", "object": "c"}], "user_id": other}
        ),
        alice.post("/v1/memories", json={"messages": "x", "user_id": other}),
        alice.post("/v1/memories", json={"messages": [{"role": "user", "content": "x", "user_id": other}]}),
        alice.get("/v1/facts", params={"user_id": other}),
        alice.get("/v1/graph", params={"user_id": other}),
    ]
    for response in hostile:
        error = error_of(response, 400)
        assert error["code"] == "invalid_input" and error["message"].endswith(TENANT_REFUSED), error
    assert {u: session_memory.stats(u) for u in before} == before


def test_mcp_is_mounted_behind_the_same_keys(
    server: ServerProcess, keys: dict[str, str], tenants: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {keys['bob']}", "Accept": "application/json, text/event-stream"}
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    rebound = httpx2.post(server.url + "/mcp", json=initialize, headers={**headers, "Host": "evil.example"})
    assert rebound.status_code == 421  # DNS rebinding: a loopback server answers only loopback names
    foreign = httpx2.post(
        server.url + "/mcp", json=initialize, headers={**headers, "Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    assert httpx2.post(server.url + "/mcp", json=initialize, headers=headers).status_code == 200
    client = http_client_for(server.url + "/mcp", keys["bob"])
    try:
        result = client.call("search_memory", {"query": "Where does Sarah live?", "limit": 1})
        assert not result.is_error and isinstance(result.structured_content, dict)
        [hit] = result.structured_content["results"]
        assert (hit["object"], hit["user_id"]) == ("Osaka", tenants["bob"])
    finally:
        client.close()


def test_sigterm_finishes_the_queued_adds_then_exits_0(
    settings_kwargs: dict[str, object], stub: LLMStub, session_memory: Memory, make_user: Any
) -> None:
    user = make_user("http-drain")
    _, key = session_memory.create_key(user)
    marker = f"drain-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), Delay(2.0, extraction(("I", "reads", "Dune", f"I read Dune {marker}"))))
    env = server_env(settings_kwargs, MEM0G_LLM_BASE_URL=stub.url, MEM0G_LLM_MODEL="stub-model")
    server = ServerProcess(["serve"], env).start()
    try:
        queued = httpx2.post(
            server.url + "/v1/memories",
            json={"messages": f"I read Dune {marker}"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + 30
        while stub.count(marker=marker) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the add is waiting for its LLM answer
    finally:
        returncode = server.stop()
    assert returncode == 0, server.output()
    assert any(marker in f.fact for f in session_memory.get_all(user_id=user))


# -- the tenancy property ----------------------------------------------------------------------------

ENTITIES = ["Sarah", "sarah", "I", "Shinjuku", "Osaka", "Acme A", "Acme B", "Nobody"]


def _request(
    rng: random.Random, me: str, other: str, other_facts: list[str]
) -> tuple[str, str, dict[str, Any]]:
    kind = rng.randrange(9)
    inject = rng.random() < 0.3
    if kind == 0:
        body: dict[str, Any] = {"query": rng.choice(["Where does Sarah live?", "work", "Osaka", "Acme"])}
        if rng.random() < 0.5:
            body["include_history"] = True
        if rng.random() < 0.3:
            body["filters"] = {"user_id": rng.choice([other, me])}
        if inject:
            body["user_id"] = other
        return "POST", "/v1/search", {"json": body}
    if kind == 1:
        params: dict[str, Any] = {"current_only": rng.choice(["true", "false"]), "limit": rng.randint(1, 30)}
        if inject:
            params["user_id"] = other
        return "GET", "/v1/facts", {"params": params}
    if kind == 2:
        return "GET", f"/v1/history/{rng.choice(ENTITIES)}", {}
    if kind == 3:
        return "GET", "/v1/graph", {"params": {"limit": rng.randint(1, 20)}}
    if kind in (4, 5):
        return "DELETE", f"/v1/facts/{rng.choice(other_facts)}", {}
    if kind == 6:
        return "GET", f"/v1/tasks/{rng.choice(other_facts)}", {}
    fact: dict[str, Any] = {"subject": "Sarah", "predicate": "visits", "object": rng.choice(ENTITIES)}
    if inject:
        fact["user_id"] = other
    return "POST", "/v1/facts", {"json": {"facts": [fact]}}


@pytest.mark.parametrize("seed_value", [11, 12, 13])
def test_tenancy_property_over_every_endpoint(
    api: Callable[[str], httpx2.Client], session_memory: Memory, tenants: dict[str, str], seed_value: int
) -> None:
    rng = random.Random(seed_value)
    users = {"alice": tenants["alice"], "bob": tenants["bob"]}
    before = {u: {f.id for f in session_memory.get_all(user_id=u)} for u in users.values()}
    written: dict[str, set[str]] = {u: set() for u in users.values()}
    for _ in range(25):
        for name, me in users.items():
            other = next(u for u in users.values() if u != me)
            method, path, kwargs = _request(rng, me, other, sorted(before[other]))
            response = api(name).request(method, path, **kwargs)
            assert response.status_code < 500, (method, path, response.text)
            assert other not in response.text, (method, path, kwargs, response.text[:300])
            if method != "DELETE" and response.status_code == 200:
                assert not before[other] & set(_ids(response.json())), (method, path)
            if "user_id" in json.dumps(kwargs):
                assert error_of(response, 400)["message"].endswith(TENANT_REFUSED)
            if method == "DELETE" or path.startswith("/v1/tasks/"):
                assert error_of(response, 404)["code"] == "not_found"
            if method == "POST" and path == "/v1/facts" and response.status_code == 200:
                written[me] |= set(response.json()["added"])
    for user in users.values():
        after = {f.id for f in session_memory.get_all(user_id=user)}
        assert before[user] <= after <= before[user] | written[user]


def _ids(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "id" and isinstance(v, str)] + [
            i for v in data.values() for i in _ids(v)
        ]
    if isinstance(data, list):
        return [i for v in data for i in _ids(v)]
    return []
