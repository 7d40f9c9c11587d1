#!/usr/bin/env bash
# Create (or update) one virtualenv per benchmark peer under .bench/venvs/<peer>, from the pinned
# bench/peers/<peer>-requirements.txt, so the peers' pins never constrain mem0g's own environment.
#
#   bash bench/peers/setup.sh               # every peer
#   bash bench/peers/setup.sh graphiti      # one
#   PYTHON=python3.11 VENVS=/somewhere bash bench/peers/setup.sh
#
# No torch in either venv: the runners read precomputed embeddings (bench/peers/embed_cache.py).
# Pins: graphiti-core 0.31.1 (0.31.2, the newest, needs certifi>=2026.10.19, which the package
# index does not have) plus httpx, which graphiti_core.llm_client imports without declaring it;
# mem0ai 1.0.11 (the last release with mem0.memory.graph_memory; 2.0.0 removed graph memory) plus
# the packages of its "graph" extra that the Neo4j store needs (langchain-neo4j, neo4j, rank-bm25).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3.11}"
venvs="${VENVS:-$root/.bench/venvs}"
peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=(graphiti mem0)
for peer in "${peers[@]}"; do
  req="$here/$peer-requirements.txt"
  [ -f "$req" ] || { echo "no $req" >&2; exit 2; }
  venv="$venvs/$peer"
  stamp="$venv/.requirements.sha256"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$peer: $venv up to date" >&2
    continue
  fi
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
  pkg=graphiti-core; [ "$peer" = mem0 ] && pkg=mem0ai
  echo "$peer: $venv ready ($pkg $("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$pkg'))"))" >&2
done
