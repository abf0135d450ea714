"""An import-linter contract type: a package imports only the standard library, itself, and the
third-party packages a lock file pins.

Used for rasa_plugins/, which runs in the Rasa server's environment (requirements/rasa.lock): a
package only the app environment has would import there in tests and fail in production. Configured
in pyproject.toml ([tool.importlinter]); run by `lint-imports` (make lint, tests/test_architecture.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def pinned_distributions(lock: Path) -> set[str]:
    """Every distribution a lock file pins, in lower case."""
    return {line.split("==")[0].strip().lower() for line in lock.read_text(encoding="utf-8").splitlines() if "==" in line}


class PinnedExternalsContract(Contract):
    """Options: `source_modules` (packages checked), `lock` (the lock file, from the project root), and
    `allowed`, each `import_name: distribution` (yaml: pyyaml); a distribution must be pinned in `lock`."""

    type_name = "pinned_externals"

    source_modules = fields.SetField(subfield=fields.ModuleField())
    lock = fields.StringField()
    allowed = fields.SetField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = dict(item.split(":", 1) for item in self.allowed)  # type: ignore[attr-defined]
        allowed = {name.strip(): dist.strip().lower() for name, dist in allowed.items()}
        pinned = pinned_distributions(Path(str(self.lock)))
        problems = [
            f"{name} ({dist}) is allowed but {self.lock} does not pin it" for name, dist in allowed.items() if dist not in pinned
        ]
        for source in sorted(self.source_modules, key=lambda module: module.name):  # type: ignore[attr-defined]
            own = {source.name, *graph.find_descendants(source.name)}
            for module in sorted(own):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    top = imported.split(".")[0]
                    if top == source.name or top in sys.stdlib_module_names or top in allowed:
                        continue
                    lines = graph.get_import_details(importer=module, imported=imported)
                    where = ", ".join(f"line {detail['line_number']}" for detail in lines)
                    problems.append(f"{module} imports {imported} ({where}), which {self.lock} does not provide")
        return ContractCheck(kept=not problems, metadata={"problems": problems})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for problem in check.metadata["problems"]:
            output.print_error(f"- {problem}", bold=False)
            output.new_line()
