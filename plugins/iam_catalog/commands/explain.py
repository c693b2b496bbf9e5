"""`iam-catalog explain`: the catalog statements behind an AccessDenied, or behind any action."""

from __future__ import annotations

from iam_catalog.commands._shared import ROLE_ARN_HELP, Usage, catalog, catalog_option, format_option, read_deployed
from iam_catalog.reporting import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

HELP = "Name the catalog statements behind an AccessDenied, or behind any action."


def configure(sub: argparse.ArgumentParser) -> None:
    from iam_catalog.deployed.explain import FORMATS

    catalog_option(sub)
    sub.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="an AccessDenied message, a log excerpt, `decode-authorization-message` or CloudTrail JSON; none or"
        " `-` reads stdin",
    )
    sub.add_argument("--action", metavar="SERVICE:ACTION", help="explain this action instead")
    sub.add_argument("--resource", metavar="ARN", help="with `--action`: the resource it was asked on")
    sub.add_argument(
        "--policy",
        action="append",
        metavar="FILE",
        help="the denied role's policies, as `check` reads them (a policy document, or the JSON of `aws iam"
        " get-role-policy`, `get-account-authorization-details` or `terraform show -json`): say which of its"
        " statements, an explicit Deny or its boundary, denies each request; repeatable",
    )
    sub.add_argument("--role-name", metavar="NAME", help="with `--policy`: the role to read from those files")
    sub.add_argument("--role-arn", metavar="ARN", help="with `--policy`: " + ROLE_ARN_HELP)
    format_option(sub, FORMATS)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.aws.context import action_index
    from iam_catalog.deployed.explain import FORMATS, Asked, explain, read_denials, role_answer
    from iam_catalog.deployed.reader import InputError

    if args.resource and not args.action:
        raise Usage("--resource needs --action")
    if args.action and args.files:
        raise Usage("give FILE or --action, not both")
    if (args.role_name or args.role_arn) and not args.policy:
        raise Usage(f"--role-{'name' if args.role_name else 'arn'} needs --policy")
    if "-" in (args.policy or ()) and (not args.files or "-" in args.files) and not args.action:
        raise Usage("stdin can be read once: give the denial or the --policy as a file")
    deployed = read_deployed(args.policy, args) if args.policy else None
    if args.action:
        asked = [Asked(args.action, args.resource)]
    else:
        try:
            asked = read_denials(args.files or ["-"])
        except InputError as exc:
            raise Usage(str(exc)) from None
        if not asked:
            raise Usage("no AccessDenied found: give the error's text, decode-authorization-message or CloudTrail JSON")
    checked = catalog(args, err)
    if checked is None:
        return 1
    index = {entry.name.lower(): entry for entry in action_index(checked)}
    found = [explain(checked, a, index) for a in asked]
    if deployed is not None:
        for e in found:
            e.role = role_answer(deployed, e.asked)
    FORMATS.show(args.format, found, Options(), out, err)
    return 0 if all(e.grants for e in found) else 1
