"""Problems found in a catalog: where, how bad, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Severity = "error"
    # Which family of checks found it (`validate --format json|github` show it); the same
    # problem found by two checks is still one problem.
    check: str = field(default="files", compare=False)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.path}:{self.line}" if self.line else self.path  # a folder has no lines
        return f"{where}: {prefix}{self.message}"


@dataclass
class Problems:
    """Collects every problem so that a reviewer sees all of them in one run."""

    items: list[Problem] = field(default_factory=list)
    check: str = "files"  # the family of checks running now: the loader sets it

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, message, "error", self.check))

    def warning(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, message, "warning", self.check))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    def sorted(self) -> list[Problem]:
        # A problem can be found twice by independent checks; report it once.
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.severity, p.message))


class CatalogError(Exception):
    """The catalog cannot be used; `problems` says every reason, each with its place."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
