"""`iam-catalog validate`: every problem of a catalog, in the format a reader or a workflow wants."""

from __future__ import annotations

import json

from iam_catalog.commands._shared import catalog_folder, catalog_option, choices_help, count, load, print_problems

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import TextIO

    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import Loaded

HELP = "Check every catalog file and report each problem as path:line: message."


def _github(problem: Problem) -> str:
    """A GitHub Actions workflow command: the problem shows on its line of the pull request."""
    from iam_catalog.catalog.problems import github_command

    return github_command(problem.severity, f"iam-catalog {problem.check}", problem.message, problem.path, problem.line)


def _summary(loaded: Loaded, where: str, err: TextIO) -> None:
    errors = len(loaded.errors)
    counts = f"{count(errors, 'error')}, {count(len(loaded.problems) - errors, 'warning')}"
    types = f"{count(len(loaded.catalog.types), 'type')}, " if loaded.catalog else ""
    print(f"{where}: {types}{counts}", file=err)


def _report_text(loaded: Loaded, where: str, out: TextIO, err: TextIO) -> None:
    print_problems(loaded.problems, err)
    _summary(loaded, where, err)


def _report_github(loaded: Loaded, where: str, out: TextIO, err: TextIO) -> None:
    for problem in loaded.problems:
        print(_github(problem), file=out)
    _summary(loaded, where, err)


def _report_json(loaded: Loaded, where: str, out: TextIO, err: TextIO) -> None:
    fields = ("path", "line", "severity", "message", "check")
    report = {
        "catalog": where,
        "types": len(loaded.catalog.types) if loaded.catalog else None,
        "errors": len(loaded.errors),
        "warnings": len(loaded.problems) - len(loaded.errors),
        "problems": [{f: getattr(p, f) for f in fields} for p in loaded.problems],
    }
    print(json.dumps(report, indent=2), file=out)


# The output formats: a new one is one function here; --format's choices are this map's.
REPORTS: dict[str, tuple[Callable[[Loaded, str, TextIO, TextIO], None], str]] = {
    "text": (_report_text, "`path:line: message` and a summary on stderr"),
    "json": (_report_json, "one report on stdout: `path`, `line`, `severity`, `message` and `check` of each problem"),
    "github": (_report_github, "a GitHub workflow command per problem on stdout, the summary on stderr"),
}


def configure(sub: argparse.ArgumentParser) -> None:
    catalog_option(sub)
    sub.add_argument("--strict", action="store_true", help="fail on warnings too")
    sub.add_argument(
        "--format",
        choices=list(REPORTS),
        default="text",
        help=choices_help({name: what for name, (_, what) in REPORTS.items()}, "text"),
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load(args)
    REPORTS[args.format][0](loaded, catalog_folder(args), out, err)
    warnings = len(loaded.problems) - len(loaded.errors)
    return 1 if loaded.errors or (args.strict and warnings) else 0
