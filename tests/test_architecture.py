"""Architecture rules: the import contracts (import-linter: process boundaries), and no import cycle."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_every_import_contract_is_kept() -> None:
    # The process boundaries live in pyproject.toml ([tool.importlinter]): app code never imports rasa,
    # the Rasa plugins import only what rasa.lock pins and nothing of the app, the processes never
    # import each other, the gateway's channels sit above its state stores. `make lint` runs the same.
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Contracts: " in result.stdout, result.stdout + result.stderr  # the contracts were read and run
    assert result.returncode == 0, result.stdout + result.stderr


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_app_modules_import_each_other_without_a_cycle() -> None:
    # Every import counts, even one inside a function: a lazy import hides a cycle, it does not remove it.
    paths = [p for folder in ("bot", "actions", "rasa_plugins") for p in (ROOT / folder).rglob("*.py")]
    modules = {module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` imports the module; `from module import name` the module itself.
                targets = [f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in modules]
                targets = targets or [node.module]
            graph[name].update(target for target in targets if target in modules and target != name)

    def cycle_from(start: str, seen: list[str]) -> list[str]:
        for target in sorted(graph[start]):
            if target in seen:
                return [*seen[seen.index(target) :], target]
            found = cycle_from(target, [*seen, target])
            if found:
                return found
        return []

    assert len(graph) > 30, sorted(graph)  # the walk found the app's modules
    for name in sorted(graph):
        cycle = cycle_from(name, [name])
        assert not cycle, " -> ".join(cycle)
