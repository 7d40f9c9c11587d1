"""The engine (``mem0g/_engine``) is pure: no driver, no LLM SDK, no HTTP, no files, no OS.

That is what lets every operation be driven by the scripted runner of these unit tests, and by
both doors. Checked statically (the engine's own imports and calls) and by importing it in a fresh
interpreter.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "mem0g" / "_engine"
FORBIDDEN_IMPORTS = {"neo4j", "openai", "httpx", "os", "io", "pathlib", "socket", "subprocess", "importlib"}
HEAVY = ["neo4j", "openai", "httpx", "sentence_transformers", "torch"]


def engine_files() -> list[Path]:
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 10, files
    return files


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: p.name)
def test_no_engine_module_imports_io_or_calls_open(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        offenders += [
            f"{path.name}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in FORBIDDEN_IMPORTS
        ]
        if isinstance(node, ast.Call):
            func = node.func
            called = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if called in {"open", "__import__", "import_module"}:
                offenders.append(f"{path.name}:{node.lineno} calls {called}()")
    assert not offenders


def _imported_after(code: str) -> dict[str, bool]:
    script = f"import json, sys\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_engines_own_imports_reach_no_driver_sdk_or_model() -> None:
    """With mem0g/__init__ bypassed (an empty package object), importing the operations loads
    only the engine and the pure modules it names."""
    bypass = (
        "import importlib.util, types\n"
        "spec = importlib.util.find_spec('mem0g')\n"
        "pkg = types.ModuleType('mem0g'); pkg.__path__ = list(spec.submodule_search_locations)\n"
        "sys.modules['mem0g'] = pkg\n"
        "import mem0g._engine.operations"
    )
    assert _imported_after(bypass) == dict.fromkeys(HEAVY, False)


def test_importing_the_operations_loads_neither_neo4j_nor_openai() -> None:
    loaded = _imported_after("import mem0g._engine.operations")
    assert not loaded["neo4j"] and not loaded["openai"]
