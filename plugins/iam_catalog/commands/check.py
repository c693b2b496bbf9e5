"""`iam-catalog check`: a deployed identity, from files or from AWS, against what the catalog
says it needs: what is missing, and what it allows beyond."""

from __future__ import annotations

from iam_catalog.commands._shared import (
    PROG,
    ROLE_ARN_HELP,
    Usage,
    catalog,
    choices_help,
    compiled,
    format_option,
    read_deployed,
    request_of,
    request_options,
    role_names,
)
from iam_catalog.reporting import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, TextIO

HELP = "Compare a deployed IAM identity with what the catalog says it needs."
DESCRIPTION = (
    "Report each catalog statement the identity does not fully allow (missing), with a request it"
    " denies, and each kind of request it allows beyond the catalog's policy, with a witness."
)
LIVE = "the live role (--aws)"


def configure(sub: argparse.ArgumentParser) -> None:
    from iam_catalog.deployed.check import FAIL_ON, FORMATS

    sub.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="a policy document, or the JSON of `aws iam get-role-policy`, `aws iam"
        " get-account-authorization-details` or `terraform show -json`; `-` reads stdin",
    )
    sub.add_argument(
        "--role-name",
        metavar="NAME",
        help="the role to read from `get-account-authorization-details` (and the only one whose"
        " `aws_iam_role_policy` a plan contributes), or from AWS with `--aws`",
    )
    sub.add_argument("--role-arn", metavar="ARN", help=ROLE_ARN_HELP)
    request_options(sub, types_required=False)
    live = sub.add_argument_group(LIVE, "read the role through the IAM API, with boto3's credentials")
    live.add_argument("--aws", action="store_true", help="read `--role-name` from AWS instead of `FILE`")
    live.add_argument(
        "--profile", metavar="NAME", help="the AWS profile to read with (default: boto3's chain, `AWS_PROFILE`)"
    )
    live.add_argument(
        "--endpoint-url", metavar="URL", help="the IAM endpoint (default: AWS's; `AWS_ENDPOINT_URL` is honoured too)"
    )
    live.add_argument("--external-id", metavar="ID", help="the external ID that database-user roles should require")
    live.add_argument(
        "--print-read-policy",
        action="store_true",
        help="print the least policy that `check --aws` needs, for `--role-name` and `--assumes-roles` (each"
        " checked; without them, the catalog's default role), and stop",
    )
    format_option(sub, FORMATS)
    sub.add_argument(
        "--verbose",
        action="store_true",
        help="text: list every action of a group of requests beyond, not only the first three",
    )
    sub.add_argument(
        "--fail-on",
        choices=list(FAIL_ON),
        default="missing",
        help="what makes the exit status 1: " + choices_help(dict.fromkeys(FAIL_ON, ""), "missing"),
    )


def _print_read_policy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.iam.documents import dumps
    from iam_catalog.printiam.request import RequestError
    from iam_catalog.stack.expected import read_policy

    catalog_data = compiled(args, err)
    if catalog_data is None:
        return 1
    roles = role_names([*([args.role_name] if args.role_name else []), *(args.assumes_roles or ())])
    try:
        doc, left = read_policy(catalog_data, roles, args.account, args.partition)
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(dumps(doc), end="", file=out)
    for hint in left:
        print(f"{PROG}: note: the policy holds a placeholder: set it with {hint}", file=err)
    return 0


def _live(args: argparse.Namespace, user_roles: Any) -> Any:
    from iam_catalog.deployed.live import LiveError, read_role

    if not args.role_name:
        raise Usage("--aws needs --role-name: the role to read")
    if args.role_arn:
        raise Usage("--role-arn picks a role in a file: --aws reads --role-name in the credentials' account")
    try:
        return read_role(
            args.role_name,
            user_roles,
            profile=args.profile,
            region=args.region,
            endpoint_url=args.endpoint_url,
        )
    except LiveError as exc:
        raise Usage(str(exc)) from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.deployed.check import FAIL_ON, FORMATS, check, check_trusts, purposes_of
    from iam_catalog.deployed.named import named_user_roles
    from iam_catalog.iam.documents import identity_parts
    from iam_catalog.printiam.request import RequestError, answer

    if args.print_read_policy:
        return _print_read_policy(args, out, err)
    if not args.types:
        raise Usage("the following arguments are required: --types")
    if bool(args.files) == bool(args.aws):
        raise Usage("give FILE (a policy, or what aws iam or terraform show -json print) or --aws, one of them")
    checked = catalog(args, err)
    if checked is None:
        return 1
    catalog_data = compile_catalog(checked)
    given = role_names(args.assumes_roles or ())

    # Without --assumes-roles, the database-user roles are those the role itself names.
    def find(held: Any) -> list[str]:
        return named_user_roles(catalog_data, request_of(args), held)

    live = None
    if args.aws:
        live = _live(args, given or find)
        deployed = live.deployed
        found = [] if given else list(live.trusts)
    else:
        deployed = read_deployed(args.files, args)
        found = [] if given else find(deployed)
    if found:
        args.assumes_roles = found
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
        result = answer(catalog_data, request_of(args))
    except RequestError as exc:
        raise Usage(str(exc)) from None
    report = check(catalog_data, result, purposes_of(checked), deployed)
    if found:
        named = ", ".join(found)
        report.notes.append(f"the database-user roles it names: {named} (--assumes-roles checks others)")
    if live is not None and catalog_data.get("deploy"):
        from iam_catalog.stack.expected import expected_trusts

        try:
            expected = expected_trusts(catalog_data, result, facts, args.external_id)
        except RequestError as exc:
            raise Usage(str(exc)) from None
        check_trusts(expected, live.trusts, report)
    FORMATS.show(args.format, report, Options(verbose=args.verbose), out, err)
    return 1 if FAIL_ON[args.fail_on](report) else 0
