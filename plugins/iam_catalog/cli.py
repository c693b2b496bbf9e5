"""The `iam-catalog` command: parse arguments, call the core, print. Nothing else lives here.

print-iam and list-types run in scripts, so this module imports only what they need; the
YAML reader, the model and AWS's data load only for `validate` and on a cache miss.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from iam_catalog.cache import load_compiled
from iam_catalog.catalog.location import bundled_dir

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn, TextIO

    from iam_catalog.catalog.model import Catalog
    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import FileMemo, Loaded

PROG = "iam-catalog"


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


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise Usage(message)


def _check_catalog_folder(args: argparse.Namespace) -> None:
    """--catalog, once parsed: a wrong path is a bad argument (exit 2), not a catalog problem
    (exit 1). Checked after parsing, since only the last of several --catalog counts (a
    pre-commit hook's own `--catalog catalog` is overridden by the `args` after it)."""
    folder = getattr(args, "catalog", None)
    if folder is not None and not os.path.isdir(folder):
        from iam_catalog.printiam.request import shown

        why = "not a folder" if os.path.exists(folder) else "no such folder"
        raise Usage(f"argument --catalog: {shown(folder)}: {why}")


def _print_problems(problems: Sequence[Problem], err: TextIO) -> None:
    for problem in problems:
        print(problem, file=err)


def _compiled(args: argparse.Namespace, err: TextIO) -> dict[str, Any] | None:
    compiled, problems = load_compiled(args.catalog, lambda text: print(f"{PROG}: note: {text}", file=err))
    _print_problems(problems, err)
    return compiled


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _github(problem: Problem) -> str:
    """A GitHub Actions workflow command: the problem shows on its line of the pull request."""
    from iam_catalog.catalog.problems import github_command

    return github_command(problem.severity, f"iam-catalog {problem.check}", problem.message, problem.path, problem.line)


def _load(args: argparse.Namespace) -> Loaded:
    """The whole catalog, read and checked (not the cached compiled form): --catalog's or ours."""
    from pathlib import Path

    from iam_catalog.checks.loader import load_directory

    return load_directory(Path(args.catalog or bundled_dir()))


def _catalog(args: argparse.Namespace, err: TextIO) -> Catalog | None:
    """The whole checked catalog for a command, or None after printing its errors."""
    loaded = _load(args)
    _print_problems(loaded.errors, err)
    return None if loaded.errors else loaded.require()


def _summary(loaded: Loaded, where: str, err: TextIO) -> None:
    errors = len(loaded.errors)
    counts = f"{_count(errors, 'error')}, {_count(len(loaded.problems) - errors, 'warning')}"
    types = f"{_count(len(loaded.catalog.types), 'type')}, " if loaded.catalog else ""
    print(f"{where}: {types}{counts}", file=err)


def _report_text(loaded: Loaded, where: str, out: TextIO, err: TextIO) -> None:
    _print_problems(loaded.problems, err)
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


# validate's output formats: a new one is one function here; --format's choices are this map's.
VALIDATE_REPORTS: dict[str, tuple[Callable[[Loaded, str, TextIO, TextIO], None], str]] = {
    "text": (_report_text, "path:line: message on stderr"),
    "json": (_report_json, "a report on stdout"),
    "github": (_report_github, "workflow commands on stdout"),
}


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = _load(args)
    VALIDATE_REPORTS[args.format][0](loaded, args.catalog or bundled_dir(), out, err)
    warnings = len(loaded.problems) - len(loaded.errors)
    return 1 if loaded.errors or (args.strict and warnings) else 0


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.site.render import site_files

    catalog = _catalog(args, err)
    if catalog is None:
        return 1
    files = site_files(catalog, directory_urls=not args.no_directory_urls)
    _write_tree(args.directory, files)
    print(f"{PROG}: wrote {_count(len(files), 'file')} into {args.directory}", file=err)
    return 0


def _write_tree(target: str, files: dict[str, bytes]) -> None:
    """Write `files` under the folder `target`, and nothing else in it. Never through a link:
    every path is checked before the first byte is written, and each folder and file is then
    opened relative to its parent without following links, so a link made meanwhile fails."""
    import contextlib

    from iam_catalog.printiam.request import shown

    where = shown(target)
    if not target:
        raise Usage("render: DIR is empty: name the folder to write into")
    if os.path.lexists(target) and not os.path.isdir(target):
        raise Usage(f"render: {where} is not a folder")
    for path in files:
        inside = target
        for part in path.split("/"):
            inside = os.path.join(inside, part)
            if os.path.islink(inside):
                raise Usage(f"render: {shown(inside)} is a symbolic link: not writing through it")
    try:
        os.makedirs(target, exist_ok=True)
        root = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise Usage(f"render: cannot create the folder {where}: {exc.strerror}") from None
    try:
        for path, content in files.items():
            *folders, name = path.split("/")
            parent = os.dup(root)
            try:
                for folder in folders:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(folder, 0o755, dir_fd=parent)
                    inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
                    os.close(parent)
                    parent = inner
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=parent)
                with os.fdopen(fd, "wb") as f:
                    f.write(content)
            except OSError as exc:
                raise Usage(f"render: cannot write {shown(os.path.join(target, path))}: {exc.strerror}") from None
            finally:
                os.close(parent)
    finally:
        os.close(root)


def cmd_list_types(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    compiled = _compiled(args, err)
    if compiled is None:
        return 1
    types = compiled["types"]
    order = [s["id"] for s in compiled["services"]]

    def services(t: dict[str, Any]) -> list[str]:
        return [s for s in order if any(p["service"] == s for p in t["policies"])]

    def tailoring(t: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        from iam_catalog.iam.tailor import used

        choices, scopes = used(r for p in t["policies"] for r in p["rules"])
        # Each names the services whose policy it changes: print-iam --service selects them.
        services_of = t["tailoring_services"]
        return {
            "choices": [{"id": c, **compiled["choices"][c], "services": services_of[c]} for c in choices],
            "scopes": [{"name": n, **compiled["scopes"][n], "services": services_of[n]} for n in scopes],
        }

    if args.format == "json":
        rows = [
            {**{k: t[k] for k in ("id", "title", "aliases", "summary")}, "services": services(t), **tailoring(t)}
            for t in types
        ]
        print(json.dumps(rows, indent=2), file=out)
        return 0
    width = max(len(t["id"]) for t in types)
    title_width = max(len(t["title"]) for t in types)
    for t in types:
        aliases = f"  (also: {', '.join(t['aliases'])})" if t["aliases"] else ""
        print(f"{t['id']:<{width}}  {t['title']:<{title_width}}  {','.join(services(t))}{aliases}", file=out)
    return 0


def _var(text: str) -> tuple[str, str]:
    from iam_catalog.printiam.request import shown

    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not NAME=VALUE")
    return name, value


def _scopes(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _comma_list(text: str) -> list[str]:
    return [part for part in (p.strip() for p in text.split(",")) if part]


def _request_of(args: argparse.Namespace) -> Any:
    from iam_catalog.printiam.request import Request

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
        scopes=_scopes(args.scope or ()),
    )


def _read_input(name: str) -> str:
    """A file's text, or stdin's for `-`; an unreadable file is a bad argument."""
    from iam_catalog.printiam.request import shown

    if name == "-":
        return sys.stdin.read()
    try:
        with open(name, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise Usage(f"{shown(name)}: {why}") from None


def _role_names(values: Sequence[str]) -> list[str]:
    """Role names (a path kept) from names or ARNs, as --assumes-roles takes them."""
    from iam_catalog.iam.documents import identity_name

    return [identity_name(v.strip()) for v in values if v.strip()]


def _print_read_policy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.iam.documents import dumps
    from iam_catalog.printiam.request import RequestError
    from iam_catalog.printiam.stack import read_policy

    compiled = _compiled(args, err)
    if compiled is None:
        return 1
    roles = _role_names([*([args.role_name] if args.role_name else []), *(args.assumes_roles or ())])
    try:
        doc, left = read_policy(compiled, roles, args.account, args.partition)
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(dumps(doc), end="", file=out)
    for hint in left:
        print(f"{PROG}: note: the policy holds a placeholder: set it with {hint}", file=err)
    return 0


def _live(args: argparse.Namespace) -> Any:
    from iam_catalog.deployed.live import LiveError, read_role

    if not args.role_name:
        raise Usage("--aws needs --role-name: the role to read")
    try:
        return read_role(
            args.role_name,
            _role_names(args.assumes_roles or ()),
            profile=args.profile,
            region=args.region,
            endpoint_url=args.endpoint_url,
        )
    except LiveError as exc:
        raise Usage(str(exc)) from None


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.deployed.check import FAIL_ON, FORMATS, check, check_trusts, purposes_of
    from iam_catalog.deployed.sources import InputError, combine, read
    from iam_catalog.iam.documents import identity_parts
    from iam_catalog.printiam.request import RequestError, answer

    if args.print_read_policy:
        return _print_read_policy(args, out, err)
    if not args.types:
        raise Usage("the following arguments are required: --types")
    if bool(args.files) == bool(args.aws):
        raise Usage("give FILE (a policy, or what aws iam or terraform show -json print) or --aws, one of them")
    live = None
    if args.aws:
        live = _live(args)
        deployed = live.deployed
    else:
        try:
            inputs = [(("stdin" if name == "-" else name), _read_input(name)) for name in args.files]
            deployed = combine([read(name, text, args.role_name) for name, text in inputs])
        except InputError as exc:
            raise Usage(str(exc)) from None
    catalog = _catalog(args, err)
    if catalog is None:
        return 1
    compiled = compile_catalog(catalog)
    facts: dict[str, str] = {}
    if live is not None:
        # The role's own ARN says which account and partition the catalog's ARNs are in.
        parts = identity_parts(live.arn)
        if parts:
            facts = {"partition": parts[0], "account-id": parts[1]}
            args.partition = args.partition or parts[0]
            args.account = args.account or parts[1]
        args.role = args.role or (parts[3] if parts else args.role_name)
    try:
        result = answer(compiled, _request_of(args))
    except RequestError as exc:
        raise Usage(str(exc)) from None
    report = check(compiled, result, purposes_of(catalog), deployed)
    if live is not None and compiled.get("deploy"):
        from iam_catalog.printiam.stack import expected_trusts

        try:
            expected = expected_trusts(compiled, result, facts, args.external_id)
        except RequestError as exc:
            raise Usage(str(exc)) from None
        check_trusts(expected, live.trusts, report)
    print(FORMATS[args.format](report), end="", file=out)
    return 1 if FAIL_ON[args.fail_on](report) else 0


def cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.aws.context import action_index
    from iam_catalog.deployed.explain import FORMATS, Asked, explain, parse

    if args.resource and not args.action:
        raise Usage("--resource needs --action")
    if args.action and args.files:
        raise Usage("give FILE or --action, not both")
    if args.action:
        asked = [Asked(args.action, args.resource)]
    else:
        text = "\n".join(_read_input(name) for name in args.files or ["-"])
        asked = parse(text)
        if not asked:
            raise Usage("no AccessDenied found: give the error's text, decode-authorization-message or CloudTrail JSON")
    catalog = _catalog(args, err)
    if catalog is None:
        return 1
    index = {entry.name.lower(): entry for entry in action_index(catalog)}
    found = [explain(catalog, a, index) for a in asked]
    print(FORMATS[args.format](found), end="", file=out)
    return 0 if all(e.grants for e in found) else 1


def cmd_print_iam(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.iam.documents import MANAGED_POLICY_LIMIT
    from iam_catalog.printiam.formats import FORMATS, SPLIT_FORMATS
    from iam_catalog.printiam.request import RequestError, answer, how_to_fill, left_out_policies, split_document

    compiled = _compiled(args, err)
    if compiled is None:
        return 1
    try:
        result = answer(compiled, _request_of(args))
        documents = split_document(result.document) if args.split else [result.document]
        text = (SPLIT_FORMATS if args.split else FORMATS)[args.format](documents, result.identity, result.services)
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(text, end="", file=out)

    # Everything below is for the person at the terminal; stdout stays a clean document.
    for name in result.unfilled:
        print(f"{PROG}: note: ${{{name}}} is a placeholder: set it with {how_to_fill(result, name)}", file=err)
    if result.skipped:
        titles = " or the ".join(s["title"] for s in result.services)
        print(f"{PROG}: note: skipped {', '.join(result.skipped)}: no policy for the {titles}", file=err)
    left_out = [] if args.optional else left_out_policies(result)
    if left_out:
        print(f"{PROG}: note: optional policies left out (add --optional): {', '.join(left_out)}", file=err)
    if result.size > MANAGED_POLICY_LIMIT and not args.split:
        print(
            f"{PROG}: warning: the policy is {result.size} characters, over the managed-policy limit of "
            f"{MANAGED_POLICY_LIMIT}: use --split to print several policies",
            file=err,
        )
    elif args.split:
        policies = "1 policy" if len(documents) == 1 else f"{len(documents)} policies"
        print(f"{PROG}: note: {policies}, each within {MANAGED_POLICY_LIMIT} characters", file=err)
    return 0


def cmd_stack(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.printiam.request import RequestError
    from iam_catalog.printiam.stack import WRITERS, StackRequest, stack

    compiled = _compiled(args, err)
    if compiled is None:
        return 1
    trust_values = {option: getattr(args, option.replace("-", "_")) for option in TRUST_OPTIONS}
    request = StackRequest(
        _request_of(args),
        role_name=args.role_name,
        trust=args.trust,
        trust_values={k: v for k, v in trust_values.items() if v is not None},
        external_id=args.external_id,
        policy=args.policy,
    )
    try:
        text = WRITERS[args.format](stack(compiled, request))
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(text, end="", file=out)
    return 0


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
    _print_problems(loaded.errors, err)
    return None if loaded.errors else loaded.require()


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.checks.loader import FileMemo
    from iam_catalog.review.diff import diff
    from iam_catalog.review.report import REPORTS, exit_code, gate_messages

    memo = FileMemo()  # the two sides share most files: each is read and checked once
    base, head = _side(args.base, args.folder, err, memo), _side(args.head, args.folder, err, memo)
    if base is None or head is None:
        return 2
    report = diff(base, head, args.base, args.head)
    print(REPORTS[args.format](report), end="", file=out)
    if args.fail_on == "broadening":
        from iam_catalog.catalog.problems import printable

        for message in gate_messages(report):
            print(printable(message), file=err)
    return exit_code(report, args.fail_on)


def _catalog_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--catalog", metavar="DIR", help="catalog folder (default: the one shipped with iam-catalog)")


def _validate(sub: argparse.ArgumentParser) -> None:
    _catalog_option(sub)
    sub.add_argument("--strict", action="store_true", help="fail on warnings too")
    sub.add_argument(
        "--format",
        choices=list(VALIDATE_REPORTS),
        default="text",
        help="; ".join(f"{name}: {what}" for name, (_, what) in VALIDATE_REPORTS.items()),
    )
    sub.set_defaults(run=cmd_validate)


def _render(sub: argparse.ArgumentParser) -> None:
    _catalog_option(sub)
    sub.add_argument("directory", metavar="DIR", help="where to write them (created if missing)")
    sub.add_argument("--no-directory-urls", action="store_true", help="for a site built with use_directory_urls: false")
    sub.set_defaults(run=cmd_render)


def _list_types(sub: argparse.ArgumentParser) -> None:
    _catalog_option(sub)
    sub.add_argument("--format", choices=["text", "json"], default="text")
    sub.set_defaults(run=cmd_list_types)


def _print_iam(sub: argparse.ArgumentParser) -> None:
    _request_options(sub)
    sub.add_argument("--split", action="store_true", help="split into policies within the size limit")
    from iam_catalog.printiam.formats import FORMATS

    sub.add_argument("--format", choices=list(FORMATS), default="json")
    sub.set_defaults(run=cmd_print_iam)


# stack's options for the values of the service's trust policy (the catalog's deploy variables).
TRUST_OPTIONS = {
    "trusted-principal": ("ARN", "for a trust that names one: the IAM role or user that assumes the service's role"),
    "oidc-provider": ("ISSUER", "for a trust of a Kubernetes service account: the cluster's OIDC issuer"),
    "namespace": ("NS", "for a trust of a Kubernetes service account: the pods' namespace"),
    "service-account": ("NAME", "for a trust of a Kubernetes service account: the pods' service account"),
}


def _stack(sub: argparse.ArgumentParser) -> None:
    _request_options(sub, identity=False)
    from iam_catalog.printiam.stack import POLICY_KINDS, WRITERS

    sub.add_argument(
        "--role-name",
        metavar="NAME",
        help="the service's role (default: the default of the service's role variable in the catalog)",
    )
    sub.add_argument(
        "--trust", metavar="WHO", help="who may assume the role: a trust of the catalog (default: its first)"
    )
    for option, (metavar, text) in TRUST_OPTIONS.items():
        sub.add_argument(f"--{option}", metavar=metavar, help=text)
    sub.add_argument("--external-id", metavar="ID", help="database-user roles trust the service's role only with it")
    sub.add_argument(
        "--policy",
        choices=list(POLICY_KINDS),
        default="managed",
        help="; ".join(f"{name}: {what}" for name, what in POLICY_KINDS.items()),
    )
    sub.add_argument("--format", choices=list(WRITERS), default="cloudformation")
    sub.set_defaults(run=cmd_stack, role=None, user=None)


def _request_options(sub: argparse.ArgumentParser, identity: bool = True, types_required: bool = True) -> None:
    """print-iam's request: the types, services, identity, values, choices and scopes."""
    _catalog_option(sub)
    sub.add_argument("--types", required=types_required, type=_comma_list, help="comma-separated ids or aliases")
    sub.add_argument(
        "--service", type=_comma_list, metavar="S[,S]", help="whose identity the policy is for (default: database)"
    )
    if identity:
        who = sub.add_mutually_exclusive_group()
        who.add_argument("--role", metavar="NAME|ARN", help="the IAM role of the service(s) printed")
        who.add_argument("--user", metavar="NAME|ARN", help="the IAM user of the service(s) printed")
    sub.add_argument("--assumes-roles", type=_comma_list, metavar="A,B", help="database-user roles to assume")
    sub.add_argument("--account", metavar="ID", help="12-digit AWS account id")
    sub.add_argument("--partition", metavar="P", help="aws, aws-cn or aws-us-gov (default: aws)")
    sub.add_argument("--region", metavar="R", help="AWS region of the databases")
    sub.add_argument("--var", type=_var, action="append", metavar="NAME=VALUE", help="set any variable")
    sub.add_argument("--optional", action="store_true", help="include optional policies")
    sub.add_argument(
        "--without",
        type=_comma_list,
        action="append",
        metavar="CHOICE[,CHOICE]",
        help="leave out what these choices say you can go without (list-types --format json lists them)",
    )
    sub.add_argument(
        "--scope",
        type=_var,
        action="append",
        metavar="NAME=VALUE",
        help="narrow * to your resources; repeat a NAME for several; * and ? allowed in a value",
    )


def _check(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="a policy document, or the JSON of aws iam get-role-policy, aws iam get-account-authorization-details"
        " or terraform show -json; - reads stdin",
    )
    sub.add_argument(
        "--role-name", metavar="NAME", help="the role to read: from get-account-authorization-details, or with --aws"
    )
    _request_options(sub, types_required=False)
    from iam_catalog.deployed.check import FAIL_ON, FORMATS

    live = sub.add_argument_group(
        "the live role (--aws)", "read the role through the IAM API, with boto3's credentials"
    )
    live.add_argument("--aws", action="store_true", help="read --role-name from AWS instead of FILE")
    live.add_argument("--profile", metavar="NAME", help="the AWS profile to read it with (default: boto3's chain)")
    live.add_argument("--endpoint-url", metavar="URL", help="the IAM endpoint (default: AWS's, or $AWS_ENDPOINT_URL)")
    live.add_argument("--external-id", metavar="ID", help="database-user roles should require this external ID")
    live.add_argument(
        "--print-read-policy", action="store_true", help="print the least policy that check --aws needs, and stop"
    )

    sub.add_argument("--format", choices=list(FORMATS), default="text")
    sub.add_argument(
        "--fail-on", choices=list(FAIL_ON), default="missing", help="exit 1 when this is found (default: missing)"
    )
    sub.set_defaults(run=cmd_check)


def _explain(sub: argparse.ArgumentParser) -> None:
    _catalog_option(sub)
    sub.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="an AccessDenied message, a log excerpt, decode-authorization-message or CloudTrail JSON; - reads stdin",
    )
    sub.add_argument("--action", metavar="SERVICE:ACTION", help="explain this action instead")
    sub.add_argument("--resource", metavar="ARN", help="with --action: the resource it was asked on")
    from iam_catalog.deployed.explain import FORMATS as EXPLAIN_FORMATS

    sub.add_argument("--format", choices=list(EXPLAIN_FORMATS), default="text")
    sub.set_defaults(run=cmd_explain)


def _diff(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("base", help="catalog folder or git revision, e.g. origin/main")
    sub.add_argument("head", help="catalog folder or git revision, e.g. HEAD")
    from iam_catalog.review.report import FAIL_ON, REPORTS

    sub.add_argument("--format", choices=list(REPORTS), default="markdown")
    sub.add_argument("--fail-on", choices=list(FAIL_ON), help="exit 1 when the change is of this kind")
    sub.add_argument("--folder", default="catalog", help="the catalog folder inside a revision (default: catalog)")
    sub.set_defaults(run=cmd_diff)


# name: (help, description, the arguments)
COMMANDS: dict[str, tuple[str, str | None, Callable[[argparse.ArgumentParser], None]]] = {
    "validate": ("Check every catalog file and report each problem as path:line: message.", None, _validate),
    "list-types": ("List the database types: id, title, the services that have a policy, aliases.", None, _list_types),
    "print-iam": ("Print one merged IAM policy for a Teleport service's IAM identity.", None, _print_iam),
    "stack": (
        "Print a CloudFormation template or Terraform module that creates the service's role with its policy.",
        "The service's role, trusted by an EC2 instance, a principal you name or an EKS service account; print-iam's"
        " policy for the request; an instance profile; a role for each --assumes-roles database user, trusting"
        " the service's role; outputs. Without --account, --partition or --region, the stack takes them from"
        " where it is deployed.",
        _stack,
    ),
    "render": (
        "Write every generated page and download into DIR, for a site generator without the plugin.",
        None,
        _render,
    ),
    "diff": (
        "Show which permissions a catalog change grants or takes away.",
        "Compare two catalogs, each a folder or a git revision (whose catalog/ is read from git).",
        _diff,
    ),
    "check": (
        "Compare a deployed IAM identity with what the catalog says it needs.",
        "Report each catalog statement the identity does not fully allow (missing), with a request it"
        " denies, and each kind of request it allows beyond the catalog's policy, with a witness.",
        _check,
    ),
    "explain": (
        "Name the catalog statements behind an AccessDenied, or behind any action.",
        None,
        _explain,
    ),
}


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, just that command's parser under the top one, since
    building each costs print-iam's start-up time (argparse looks up translations for each)."""
    top = _Parser(prog=PROG, description="The AWS IAM permissions of Teleport's services, from one reviewed catalog.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (help_text, description, configure) in COMMANDS.items():
        if only is None or name == only:
            configure(commands.add_parser(name, help=help_text, description=description or help_text))
    return top


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    try:
        args = parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
        _check_catalog_folder(args)
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
