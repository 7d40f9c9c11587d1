"""``OpenAIEmbedder`` against the local stub's ``/v1/embeddings`` through the real ``openai`` SDK:
batching, order by index, the ``dimensions`` parameter, dimension mismatches, unreachable servers."""

from __future__ import annotations

import openai
import pytest

from mem0g.embeddings import OpenAIEmbedder, embed_unique
from mem0g.errors import ConfigError, EmbeddingDimensionMismatchError, EmbeddingError
from mem0g.testing import LLMStub, vector

TEXTS = [f"fact number {i}" for i in range(7)]


def embedder(stub: LLMStub, **options: object) -> OpenAIEmbedder:
    settings: dict[str, object] = {"model": "stub-embed", "dimensions": 8, "base_url": stub.url, **options}
    return OpenAIEmbedder(api_key="sk-test", **settings)  # type: ignore[arg-type]


def test_batches_in_order(llm_stub: LLMStub) -> None:
    llm_stub.embedding_dims = 8
    vectors = embedder(llm_stub, batch_size=3).embed(TEXTS)
    assert vectors == [vector(t, 8) for t in TEXTS]
    batches = llm_stub.embedding_requests()
    assert [r.body["input"] for r in batches] == [TEXTS[0:3], TEXTS[3:6], TEXTS[6:7]]
    assert all(r.body["model"] == "stub-embed" and r.path == "/v1/embeddings" for r in batches)
    assert batches[0].headers["authorization"] == "Bearer sk-test"
    assert "dimensions" not in batches[0].body  # only text-embedding-3 models take the parameter


def test_items_are_ordered_by_index_not_by_position(llm_stub: LLMStub) -> None:
    llm_stub.embedding_dims = 8
    llm_stub.embedding_order = "reversed"
    assert embedder(llm_stub).embed(TEXTS) == [vector(t, 8) for t in TEXTS]


def test_text_embedding_3_models_are_sent_the_dimensions(llm_stub: LLMStub) -> None:
    vectors = embedder(llm_stub, model="text-embedding-3-small", dimensions=16).embed(["a", "b"])
    assert [len(v) for v in vectors] == [16, 16]
    (request,) = llm_stub.embedding_requests()
    assert request.body["dimensions"] == 16


def test_known_models_need_no_dimensions_and_unknown_ones_do(llm_stub: LLMStub) -> None:
    assert (
        OpenAIEmbedder(model="text-embedding-3-large", api_key="k", base_url=llm_stub.url).dimensions == 3072
    )
    with pytest.raises(ConfigError, match="MEM0G_EMBEDDING_DIMS"):
        OpenAIEmbedder(model="stub-embed", api_key="k", base_url=llm_stub.url)


def test_dimension_mismatch_is_detected(llm_stub: LLMStub) -> None:
    llm_stub.embedding_dims = 12  # the server's model makes 12, the configuration says 8
    with pytest.raises(EmbeddingDimensionMismatchError) as err:
        embed_unique(embedder(llm_stub), ["Sarah lives in Shibuya", "Sarah lives in Shibuya"])
    message = str(err.value)
    assert "12" in message and "8" in message and "MEM0G_EMBEDDING_DIMS=12" in message
    (request,) = llm_stub.embedding_requests()
    assert request.body["input"] == ["Sarah lives in Shibuya"]  # each distinct text once


def test_server_error_is_an_embedding_error(llm_stub: LLMStub) -> None:
    llm_stub.script_embeddings((400, {}, {"error": {"message": "input too long"}}))
    with pytest.raises(EmbeddingError) as err:
        embedder(llm_stub).embed(["x"])
    assert "stub-embed" in str(err.value) and "input too long" in str(err.value)


def test_unreachable_server_is_an_embedding_error() -> None:
    with LLMStub() as gone:
        url = gone.url
    sdk = openai.OpenAI(api_key="k", base_url=url, max_retries=0, timeout=2)
    with pytest.raises(EmbeddingError) as err:
        OpenAIEmbedder(model="stub-embed", dimensions=8, client=sdk).embed(["x"])
    message = str(err.value)
    assert "stub-embed" in message and "APIConnectionError" in message
    assert isinstance(err.value.__cause__, openai.APIConnectionError)


def test_unreachable_server_message_names_the_url_and_the_fix() -> None:
    with LLMStub() as gone:
        url = gone.url
    sdk = openai.OpenAI(api_key="k", base_url=url, max_retries=0, timeout=2)
    with pytest.raises(EmbeddingError) as err:
        OpenAIEmbedder(model="stub-embed", dimensions=8, client=sdk).embed(["x"])
    assert url in str(err.value) and "MEM0G_EMBEDDING_BASE_URL" in str(err.value)
