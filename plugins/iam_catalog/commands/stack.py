"""`iam-catalog stack`: a CloudFormation template or Terraform module that creates the service's
role, with print-iam's policy and the database-user roles it assumes."""

from __future__ import annotations

from iam_catalog.commands._shared import Usage, choices_help, compiled, format_option, request_of, request_options
from iam_catalog.reporting import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

HELP = "Print a CloudFormation template or Terraform module that creates the service's role with its policy."
DESCRIPTION = (
    "The service's role, trusted by an EC2 instance, a principal you name, an EKS service account or an ECS task;"
    " print-iam's policy for the request; an instance profile; a role for each --assumes-roles database user, trusting"
    " the service's role; outputs. Without --account, --partition or --region, the stack takes them from"
    " where it is deployed."
)

# The options for the values of the service's trust policy: the catalog's deploy variables
# that have an `option` (tests/test_stack.py holds the two equal).
TRUST_OPTIONS = {
    "trusted-principal": ("ARN", "for a trust that names one: the IAM role or user that assumes the service's role"),
    "oidc-provider": (
        "ISSUER",
        "for a trust of a Kubernetes service account: the cluster's OIDC issuer without `https://` (its IAM OIDC"
        " provider must exist)",
    ),
    "namespace": ("NS", "for a trust of a Kubernetes service account: the pods' namespace"),
    "service-account": ("NAME", "for a trust of a Kubernetes service account: the pods' service account"),
}


def _trust_help() -> str:
    """--trust's help, with each trust of the shipped catalog, from the data `stack` checks a
    value against (a `--catalog` of one's own may name others)."""
    from iam_catalog.cache import load_compiled
    from iam_catalog.catalog.problems import printable

    found, _ = load_compiled(None)
    trusts = ((found or {}).get("deploy") or {}).get("trust") or []
    said = "who may assume the role: a trust of the catalog's `deploy` section"
    if not trusts:
        return said + " (default: its first)"
    # A catalog's words in a terminal's help: one line each, and argparse's `%` kept literal.
    described = {t["id"]: printable(t["label"][:1].lower() + t["label"][1:]).replace("%", "%%") for t in trusts}
    return f"{said}; the shipped catalog's: {choices_help(described, trusts[0]['id'])}"


def configure(sub: argparse.ArgumentParser) -> None:
    from iam_catalog.stack import WRITERS
    from iam_catalog.stack.model import POLICY_KINDS

    request_options(sub, identity=False)
    sub.add_argument(
        "--role-name",
        metavar="NAME",
        help="the service's role; a path is kept (default: the default of the service's role variable in the catalog)",
    )
    sub.add_argument("--trust", metavar="WHO", help=_trust_help())
    for option, (metavar, text) in TRUST_OPTIONS.items():
        sub.add_argument(f"--{option}", metavar=metavar, help=text)
    sub.add_argument(
        "--external-id",
        metavar="ID",
        help="database-user roles trust the service's role only when it presents this external ID",
    )
    sub.add_argument(
        "--policy", choices=list(POLICY_KINDS), default="managed", help=choices_help(POLICY_KINDS, "managed")
    )
    format_option(sub, WRITERS)
    sub.set_defaults(role=None, user=None)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.printiam.request import RequestError
    from iam_catalog.stack import WRITERS
    from iam_catalog.stack.build import stack
    from iam_catalog.stack.model import StackRequest

    catalog = compiled(args, err)
    if catalog is None:
        return 1
    trust_values = {option: getattr(args, option.replace("-", "_")) for option in TRUST_OPTIONS}
    request = StackRequest(
        request_of(args),
        role_name=args.role_name,
        trust=args.trust,
        trust_values={k: v for k, v in trust_values.items() if v is not None},
        external_id=args.external_id,
        policy=args.policy,
    )
    try:
        text, _ = WRITERS.report(args.format, stack(catalog, request), Options())
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(text, end="", file=out)
    return 0
