"""What a refused pack reports: each problem named by file, entry and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located precisely enough for a charity to fix it."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = " > ".join(part for part in (self.entry, self.field) if part)
        return f"{self.file}: {where}: {self.message}" if where else f"{self.file}: {self.message}"


class ContentPackError(Exception):
    """The pack is refused: it lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The content pack has {len(problems)} problem(s):\n{lines}")
