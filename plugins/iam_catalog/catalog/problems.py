"""Problems found in a catalog: where, how bad, and what to do about it."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal, ParamSpec, TypeVar, cast

Severity = Literal["error", "warning"]
# Control characters, line and paragraph separators, and the bidirectional overrides.
# Control characters, line separators, bidi overrides and lone surrogates (which no UTF-8
# terminal can print: writing one would crash the output).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Severity = "error"
    # Which family of checks found it (`validate --format json|github` show it); the same
    # problem found by two checks is still one problem.
    check: str = field(default="", compare=False)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.path}:{self.line}" if self.line else self.path  # a folder has no lines
        return printable(f"{where}: {prefix}{self.message}")


def printable(text: str) -> str:
    """A message that may quote catalog text, for a terminal or a log: control characters,
    line separators and bidi overrides shown as escapes, so the text stays one honest line."""
    return _CONTROL.sub(lambda m: ascii(m[0])[1:-1], text)


def github_command(severity: str, title: str, message: str, path: str | None = None, line: int = 0) -> str:
    """A GitHub Actions workflow command (`::error file=...,line=...,title=...::message`), the
    one escaping of that output: GitHub's own escapes for what would end the command or a
    property, and any other control character as `printable` shows it, since a CI log prints
    the line as it is."""

    def data(text: str) -> str:
        return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    where = f"file={prop(path)}" + (f",line={line}" if line else "") + "," if path is not None else ""
    return f"::{severity} {where}title={prop(title)}::{data(message)}"


@dataclass
class Problems:
    """Collects every problem so that a reviewer sees all of them in one run."""

    items: list[Problem] = field(default_factory=list)
    check: str = ""  # the check running now; none outside every check, which a test forbids

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, message, "error", self.check))

    def warning(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, message, "warning", self.check))

    def collisions(self, places: dict[str, list[tuple[str, int]]], message: str) -> None:
        """A name defined in several places is an error at each of them, naming the others: the
        author of a new file sees the clash in their own file, and the old file's reader too.
        `message` is formatted with `name` and `others` (as `file:line`)."""
        for name, where in places.items():
            for i, (path, line) in enumerate(where):
                others = [f"{PurePosixPath(p).name}:{n}" for j, (p, n) in enumerate(where) if j != i]
                if others:
                    self.error(path, line, message.format(name=name, others=", ".join(others)))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    def sorted(self) -> list[Problem]:
        # A problem can be found twice by independent checks; report it once.
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.severity, p.message))


P = ParamSpec("P")
R = TypeVar("R")


# Every check's code and what it checks, registered where the check is defined: validate's
# reports show the code, and docs/cli.md's table is this registry (tests/test_validation.py).
CHECKS: dict[str, str] = {}


def register(code: str, description: str) -> str:
    if CHECKS.setdefault(code, description) != description:
        raise ValueError(f"check code {code!r} is registered twice")
    return code


def check(code: str, description: str, *, fallback: object = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Marks a function as one check: every problem it reports, through the `Problems` it is
    given, carries `code` (`validate --format json|github` show it); a check it calls has its own.

    A check cannot crash the run, as a cfn-lint rule cannot: an exception inside it becomes an
    error at the file it was reading (its `path` argument, or the model or catalog it was given),
    with its code, and the check answers `fallback`; every other check still runs."""
    register(code, description)

    def mark(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            problems = next(a for a in (*args, *kwargs.values()) if isinstance(a, Problems))
            outer, problems.check = problems.check, code
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                path, line = _reading(signature.bind_partial(*args, **kwargs).arguments)
                problems.error(
                    path,
                    line,
                    f"the {code} check stopped on an internal error ({type(exc).__name__}): what it had left"
                    " to check here is unchecked; please report it",
                )
                return cast("R", fallback)
            finally:
                problems.check = outer

        return run

    return mark


def _reading(arguments: dict[str, object]) -> tuple[str, int]:
    """The file (and line) a check was reading, from its arguments: a `path`, else a type's or
    the shared file's model (`.path`), else a catalog's shared file."""
    path, line = arguments.get("path"), arguments.get("line")
    models = [*arguments.values(), *(getattr(v, "shared", None) for v in arguments.values())]
    paths = [path, *(getattr(m, "path", None) for m in models)]
    return next((p for p in paths if isinstance(p, str)), "catalog"), line if isinstance(line, int) and line > 0 else 1


# The checks the loader runs on a whole catalog, each once: a check declares that it applies to a
# catalog with `catalog_check`, and to a clean one only (no error found before) with `clean=True`.
CATALOG_CHECKS: list[tuple[bool, Callable[..., None]]] = []


def catalog_check(*, clean: bool = False) -> Callable[[Callable[P, None]], Callable[P, None]]:
    def add(function: Callable[P, None]) -> Callable[P, None]:
        CATALOG_CHECKS.append((clean, function))
        return function

    return add


class CatalogError(Exception):
    """The catalog cannot be used; `problems` says every reason, each with its place."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
