"""The `iam-catalog` command: find the command in the registry (iam_catalog.commands), parse its
arguments, run it. A command is a module of that package; nothing of any command lives here.

print-iam runs in scripts, so only the command that runs is imported, and it imports only
what it needs; the YAML reader, the model and AWS's data load only for the commands that read
the whole catalog, and for print-iam on a cache miss.
"""

from __future__ import annotations

import os
import sys

from iam_catalog.commands import command, names
from iam_catalog.commands._shared import PROG, Parser, Usage, Version, check_catalog_folder

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import TextIO


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, just that command's parser under the top one, since
    building each costs print-iam's start-up time (argparse looks up translations for each)."""
    top = Parser(prog=PROG, description="The AWS IAM permissions of Teleport's services, from one reviewed catalog.")
    top.add_argument("--version", action=Version)
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in [only] if only else names():
        module = command(name)
        sub = commands.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return top


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    try:
        args = parser(argv[0] if argv and argv[0] in names() else None).parse_args(argv)
        check_catalog_folder(args)
        code: int = args.run(args, out, err)
        return code
    except Usage as exc:
        # The message may quote a file's name or contents: one honest line whatever they hold.
        from iam_catalog.catalog.problems import printable

        print(printable(f"{PROG}: error: {exc}"), file=err)
        return 2


def main() -> int:
    try:
        return run(sys.argv[1:], sys.stdout, sys.stderr)
    except BrokenPipeError:
        # The reader stopped reading (`| head`): no traceback; Python would print one again
        # when it flushes stdout at exit, so stdout goes to /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
