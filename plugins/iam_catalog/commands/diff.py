"""`iam-catalog diff`: what a catalog change lets each policy do in AWS, for its reviewer."""

from __future__ import annotations

from iam_catalog.commands._shared import Usage, choices_help, format_option, print_problems
from iam_catalog.reporting import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from iam_catalog.catalog.model import Catalog
    from iam_catalog.checks.loader import FileMemo

HELP = "Show which permissions a catalog change grants or takes away."
DESCRIPTION = "Compare two catalogs, each a folder or a git revision (whose catalog/ is read from git)."

FAIL_ON_HELP = {
    "broadening": "a request newly allowed that no `change:` marking of the change declares",
    "any": "any change at all, text included",
}


def configure(sub: argparse.ArgumentParser) -> None:
    from iam_catalog.review.report import FAIL_ON, FORMATS

    revision = (
        "a catalog folder, or a git revision (such as `origin/main` or `HEAD`) whose catalog folder is read"
        " from git without a checkout"
    )
    sub.add_argument("base", metavar="BASE", help=f"the catalog before: {revision}")
    sub.add_argument("head", metavar="HEAD", help=f"the catalog after: {revision}")
    sub.add_argument(
        "--folder", metavar="F", default="catalog", help="the catalog folder inside a revision (default: `catalog`)"
    )
    format_option(sub, FORMATS, "; default: text on a terminal, markdown otherwise")
    sub.add_argument(
        "--verbose",
        action="store_true",
        help="text: list every action of a group of requests, not only the first three",
    )
    sub.add_argument(
        "--fail-on",
        choices=list(FAIL_ON),
        help="exit 1 when the change is of this kind: " + choices_help(FAIL_ON_HELP),
    )


def _side(spec: str, folder: str, err: TextIO, memo: FileMemo) -> Catalog | None:
    """A catalog from a folder or a git revision; None after printing why there is none."""
    from pathlib import Path

    from iam_catalog.checks.loader import load_directory, load_sources
    from iam_catalog.review.gitsource import RevisionError, read_revision

    if Path(spec).is_dir():
        loaded = load_directory(Path(spec), memo)
    else:
        try:
            sources = read_revision(spec, folder)
        except RevisionError as exc:
            raise Usage(str(exc)) from None
        loaded = load_sources(sources, f"{spec}:{folder}", memo)
    print_problems(loaded.errors, err)
    return None if loaded.errors else loaded.require()


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import os

    from iam_catalog.checks.loader import FileMemo
    from iam_catalog.review.diff import diff
    from iam_catalog.review.report import FORMATS, exit_code, gate_messages

    memo = FileMemo()  # the two sides share most files: each is read and checked once
    base, head = _side(args.base, args.folder, err, memo), _side(args.head, args.folder, err, memo)
    if base is None or head is None:
        return 2
    report = diff(base, head, args.base, args.head)
    terminal = out.isatty()
    options = Options(color=terminal and not bool(os.environ.get("NO_COLOR")), verbose=args.verbose)
    FORMATS.show(args.format or ("text" if terminal else "markdown"), report, options, out, err)
    if args.fail_on == "broadening":
        from iam_catalog.catalog.problems import printable

        for message in gate_messages(report):
            print(printable(message), file=err)
    return exit_code(report, args.fail_on)
