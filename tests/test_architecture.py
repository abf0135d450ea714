"""Architecture rules: no `rasa` import outside the Rasa server's plugins (rasa_plugins/), and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_FILES = sorted(
    p for folder in ("bot", "actions", "tests", "bench") for p in (ROOT / folder).rglob("*.py") if "rasa_plugins" not in p.parts
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_code_never_imports_rasa(path: Path) -> None:
    forbidden = {m for m in imported_modules(path) if m == "rasa" or m.startswith("rasa.") or m.startswith("tensorflow")}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}; only rasa_plugins/ may"


def test_rasa_plugins_use_only_rasa_dependencies() -> None:
    # import name -> distribution: each must be pinned in requirements/rasa.lock (Rasa needs it anyway).
    allowed_third_party = {
        "rasa": "rasa",
        "yaml": "pyyaml",
        "sqlalchemy": "sqlalchemy",
        "jsonschema": "jsonschema",
        "structlog": "structlog",
    }
    pinned = {
        line.split("==")[0].strip().lower()
        for line in (ROOT / "requirements" / "rasa.lock").read_text().splitlines()
        if "==" in line
    }
    assert set(allowed_third_party.values()) <= pinned, set(allowed_third_party.values()) - pinned
    for path in (ROOT / "rasa_plugins").glob("*.py"):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in {"rasa_plugins", "__future__"} or top in __import__("sys").stdlib_module_names:
                continue
            assert top in allowed_third_party, f"{path.name} imports {module}, which the Rasa environment may not have"


def test_rasa_plugins_import_nothing_from_the_app_side() -> None:
    for path in (ROOT / "rasa_plugins").glob("*.py"):
        app_imports = {m for m in imported_modules(path) if m.split(".")[0] in {"bot", "actions", "bench", "tests"}}
        assert not app_imports, f"{path.name} imports {app_imports}: those need pydantic 2, which Rasa's environment lacks"


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
