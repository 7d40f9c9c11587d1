# Two commands do all set-up on a fresh machine (Python >= 3.10, Java 17+, Maven):
#   make demo   - install into .venv, build and start the local Neo4j (or use NEO4J_URI), run the demo
#   make test   - install into .venv and run the whole test suite against a real Neo4j
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.mem0g-installed

.PHONY: demo test install lint typecheck bench neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/mem0g demo

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check mem0g tests
	$(BIN)/ruff format --check mem0g

typecheck: $(STAMP)
	$(BIN)/mypy

neo4j-start: $(STAMP)
	$(BIN)/mem0g neo4j start

neo4j-stop: $(STAMP)
	$(BIN)/mem0g neo4j stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
