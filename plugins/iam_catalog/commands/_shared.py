"""What commands share: the parser, the catalog option, print-iam's request options, loading a
catalog, reading a file."""

from __future__ import annotations

import argparse
import os
import sys

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, NoReturn, TextIO

    from iam_catalog.catalog.model import Catalog
    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import Loaded
    from iam_catalog.reporting import Formats

PROG = "iam-catalog"
# The title of the argument group that holds print-iam's request options, in every command
# that takes them: docs/cli.md shows its table once, in print-iam's section.
REQUEST = "request"


class Usage(Exception):
    """A mistake in how the command was called: one line, exit 2."""


def _terminal_width() -> int:
    """As shutil.get_terminal_size() finds it: $COLUMNS, the terminal, or 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own formatter, sized as argparse sizes it but without importing shutil (and
    with it bz2 and lzma): argparse makes one for every option it adds, help or no help."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise Usage(message)


class Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked (importlib.metadata
    would cost every command its start-up time)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print iam-catalog's version and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        from importlib import metadata

        try:
            version = metadata.version(PROG)
        except metadata.PackageNotFoundError:
            version = "(not installed: run from its source tree)"
        print(f"{PROG} {version}", file=sys.stdout)  # on stdout, as argparse's --help and --version
        parser.exit(0)


def check_catalog_folder(args: argparse.Namespace) -> None:
    """--catalog, once parsed: a wrong path is a bad argument (exit 2), not a catalog problem
    (exit 1). Checked after parsing, since only the last of several --catalog counts (a
    pre-commit hook's own `--catalog catalog` is overridden by the `args` after it)."""
    folder = getattr(args, "catalog", None)
    if folder is not None and not os.path.isdir(folder):
        from iam_catalog.printiam.request import shown

        why = "not a folder" if os.path.exists(folder) else "no such folder"
        raise Usage(f"argument --catalog: {shown(folder)}: {why}")


def catalog_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--catalog", metavar="DIR", help="catalog folder (default: the one shipped with iam-catalog)")


def print_problems(problems: Sequence[Problem], err: TextIO) -> None:
    for problem in problems:
        print(problem, file=err)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def compiled(args: argparse.Namespace, err: TextIO) -> dict[str, Any] | None:
    """The compiled catalog (from the cache when it is current), or None after printing its
    problems: what print-iam and the commands that answer a request start from."""
    from iam_catalog.cache import load_compiled

    result, problems = load_compiled(args.catalog, lambda text: print(f"{PROG}: note: {text}", file=err))
    print_problems(problems, err)
    return result


def catalog_folder(args: argparse.Namespace) -> str:
    from iam_catalog.catalog.location import bundled_dir

    return str(args.catalog or bundled_dir())


def load(args: argparse.Namespace) -> Loaded:
    """The whole catalog, read and checked (not the cached compiled form): --catalog's or ours."""
    from pathlib import Path

    from iam_catalog.checks.loader import load_directory

    return load_directory(Path(catalog_folder(args)))


def catalog(args: argparse.Namespace, err: TextIO) -> Catalog | None:
    """The whole checked catalog for a command, or None after printing its errors."""
    loaded = load(args)
    print_problems(loaded.errors, err)
    return None if loaded.errors else loaded.require()


def read_input(name: str) -> str:
    """An operator's file's text, or stdin's for `-`, read by the one bounded reader
    (deployed/reader.py); one that cannot be read is a bad argument."""
    from iam_catalog.deployed.reader import InputError, read_text

    try:
        return read_text(name)
    except InputError as exc:
        raise Usage(str(exc)) from None


ROLE_ARN_HELP = (
    "the role to read from `get-account-authorization-details` by its ARN, in place of `--role-name`: where the"
    " file holds two roles of one name (two accounts, or two paths), which is refused rather than guessed"
)


def read_deployed(names: Sequence[str], args: argparse.Namespace) -> Any:
    """An identity's policies from operators' files (`-`: stdin), as `check` and `explain` read
    them, for `--role-name` or `--role-arn`; a file that cannot be read, or that IAM would
    refuse, is a bad argument."""
    from iam_catalog.deployed.sources import InputError, combine, read
    from iam_catalog.iam.documents import identity_parts
    from iam_catalog.printiam.request import shown

    if args.role_arn is not None:
        if args.role_name is not None:
            raise Usage("give --role-name or --role-arn, not both")
        parts = identity_parts(args.role_arn)
        if parts is None or parts[2] != "role":
            raise Usage(f"--role-arn {shown(args.role_arn)}: not an IAM role's ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    try:
        inputs = [(("stdin" if name == "-" else name), read_input(name)) for name in names]
        return combine([read(name, text, args.role_arn or args.role_name) for name, text in inputs])
    except InputError as exc:
        raise Usage(str(exc)) from None


def role_names(values: Sequence[str]) -> list[str]:
    """Role names (a path kept) from names or ARNs, as --assumes-roles takes them."""
    from iam_catalog.iam.documents import identity_name

    return [identity_name(v.strip()) for v in values if v.strip()]


def _var(text: str) -> tuple[str, str]:
    from iam_catalog.printiam.request import shown

    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not NAME=VALUE")
    return name, value


def comma_list(text: str) -> list[str]:
    return [part for part in (p.strip() for p in text.split(",")) if part]


def request_options(sub: argparse.ArgumentParser, identity: bool = True, types_required: bool = True) -> None:
    """print-iam's request: the types, services, identity, values, choices and scopes."""
    catalog_option(sub)
    group = sub.add_argument_group(REQUEST, "what the policy is for, as print-iam takes it")
    group.add_argument(
        "--types",
        required=types_required,
        type=comma_list,
        metavar="T1,T2",
        help="database types, by id or by another name Teleport uses for one (`list-types` lists both)",
    )
    group.add_argument(
        "--service",
        type=comma_list,
        metavar="S[,S]",
        help="the Teleport services whose identity the policy is for; several for one identity that runs them"
        " all (default: the catalog's first service)",
    )
    if identity:
        who = group.add_mutually_exclusive_group()
        who.add_argument(
            "--role", metavar="NAME|ARN", help="the service's IAM role; an ARN also gives the partition and account"
        )
        who.add_argument("--user", metavar="NAME|ARN", help="the service's IAM user, instead of a role")
    group.add_argument(
        "--assumes-roles",
        type=comma_list,
        metavar="A,B",
        help="the database-user roles the service assumes, for the types whose database users are IAM roles",
    )
    group.add_argument("--account", metavar="ID", help="the 12-digit AWS account id")
    group.add_argument("--partition", metavar="P", help="`aws` (the default), `aws-cn` or `aws-us-gov`")
    group.add_argument("--region", metavar="R", help="the databases' region, where an ARN names one")
    group.add_argument(
        "--var",
        type=_var,
        action="append",
        metavar="NAME=VALUE",
        help="any other variable of the chosen types (repeatable)",
    )
    group.add_argument(
        "--optional",
        action="store_true",
        help="include the policies that only some set-ups need",
    )
    group.add_argument(
        "--without",
        type=comma_list,
        action="append",
        metavar="C[,C]",
        help="leave out what these choices say you can do without (repeatable; `list-types --format json`"
        " lists each type's choices)",
    )
    group.add_argument(
        "--scope",
        type=_var,
        action="append",
        metavar="NAME=VALUE",
        help="name your resources in place of `*` (repeatable; a name given twice gives two ARNs; `*` and `?`"
        " may stand in a value; `list-types --format json` lists each type's scopes)",
    )


def request_of(args: argparse.Namespace) -> Any:
    """The print-iam request that request_options' arguments describe."""
    from iam_catalog.printiam.request import Request

    scopes: dict[str, list[str]] = {}
    for name, value in args.scope or ():
        scopes.setdefault(name, []).append(value)
    return Request(
        args.types,
        role=args.role,
        user=args.user,
        assumes_roles=args.assumes_roles or (),
        account=args.account,
        partition=args.partition,
        region=args.region,
        variables=dict(args.var or []),
        optional=args.optional,
        services=args.service or (),
        without=[c for group in args.without or () for c in group],
        scopes=scopes,
    )


def format_option(sub: argparse.ArgumentParser, formats: Formats, default_help: str = "") -> None:
    """`--format`, from the command's registry of formats: its choices, default and help."""
    text = choices_help(formats.described(), formats.default) + default_help
    action = sub.add_argument("--format", choices=formats.names(), default=formats.default, help=text)
    action.formats = formats  # type: ignore[attr-defined]  # how tests/test_cli.py knows every --format is one


def choices_help(described: dict[str, str], default: str | None = None) -> str:
    """An option's help that names each of its choices: `a` (the default, what a is) or `b` (...)."""
    parts = []
    for name, what in described.items():
        note = ", ".join(x for x in ("the default" if name == default else "", what) if x)
        parts.append(f"`{name}` ({note})" if note else f"`{name}`")
    return ", ".join(parts[:-1]) + f" or {parts[-1]}" if len(parts) > 1 else parts[0]
