"""`iam-catalog validate`: every problem of a catalog, in the format a reader or a workflow wants."""

from __future__ import annotations

import json

from iam_catalog.commands._shared import catalog_folder, catalog_option, count, format_option, load
from iam_catalog.reporting import Format, Formats, Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import Loaded

HELP = "Check every catalog file and report each problem as path:line: message."


def _github(problem: Problem) -> str:
    """A GitHub Actions workflow command: the problem shows on its line of the pull request."""
    from iam_catalog.catalog.problems import github_command

    return github_command(problem.severity, f"iam-catalog {problem.check}", problem.message, problem.path, problem.line)


def _summary(loaded: Loaded, where: str) -> str:
    errors = len(loaded.errors)
    counts = f"{count(errors, 'error')}, {count(len(loaded.problems) - errors, 'warning')}"
    types = f"{count(len(loaded.catalog.types), 'type')}, " if loaded.catalog else ""
    return f"{where}: {types}{counts}\n"


def _report_text(validated: tuple[Loaded, str], _: Options) -> tuple[str, str]:
    loaded, where = validated
    return "", "".join(f"{p}\n" for p in loaded.problems) + _summary(loaded, where)


def _report_github(validated: tuple[Loaded, str], _: Options) -> tuple[str, str]:
    loaded, where = validated
    return "".join(f"{_github(p)}\n" for p in loaded.problems), _summary(loaded, where)


def _report_json(validated: tuple[Loaded, str], _: Options) -> tuple[str, str]:
    loaded, where = validated
    fields = ("path", "line", "severity", "message", "check")
    report = {
        "catalog": where,
        "types": len(loaded.catalog.types) if loaded.catalog else None,
        "errors": len(loaded.errors),
        "warnings": len(loaded.problems) - len(loaded.errors),
        "problems": [{f: getattr(p, f) for f in fields} for p in loaded.problems],
    }
    return json.dumps(report, indent=2) + "\n", ""


# The output formats: a new one is one reporter here; --format's choices are these.
FORMATS = Formats(
    Format("text", "`path:line: message` and a summary on stderr", _report_text),
    Format(
        "json", "one report on stdout: `path`, `line`, `severity`, `message` and `check` of each problem", _report_json
    ),
    Format("github", "a GitHub workflow command per problem on stdout, the summary on stderr", _report_github),
    default="text",
)


def configure(sub: argparse.ArgumentParser) -> None:
    catalog_option(sub)
    sub.add_argument("--strict", action="store_true", help="fail on warnings too")
    format_option(sub, FORMATS)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load(args)
    FORMATS.show(args.format, (loaded, catalog_folder(args)), Options(), out, err)
    warnings = len(loaded.problems) - len(loaded.errors)
    return 1 if loaded.errors or (args.strict and warnings) else 0
