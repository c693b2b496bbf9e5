"""`iam-catalog print-iam`: one merged policy for a service's identity, on stdout, as a pipeline
consumes it; what the reader still has to know, on stderr."""

from __future__ import annotations

from iam_catalog.commands._shared import PROG, Usage, compiled, format_option, request_of, request_options
from iam_catalog.reporting import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

HELP = "Print one merged IAM policy for a Teleport service's IAM identity."


def configure(sub: argparse.ArgumentParser) -> None:
    from iam_catalog.printiam.formats import FORMATS

    request_options(sub)
    sub.add_argument(
        "--split",
        action="store_true",
        help="print several policies, each within the 6,144-character managed-policy limit",
    )
    format_option(sub, FORMATS)
    sub.add_argument(
        "--placeholders",
        action="store_true",
        help="print a policy that still holds `${...}` placeholders, for you to fill in before it reaches AWS"
        " (without it, print-iam refuses one, as `stack` does)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.iam.documents import MANAGED_POLICY_LIMIT
    from iam_catalog.printiam.formats import FORMATS, Printed
    from iam_catalog.printiam.request import RequestError, answer, how_to_fill, left_out_policies, split_document

    catalog = compiled(args, err)
    if catalog is None:
        return 1
    try:
        result = answer(catalog, request_of(args))
        if result.unfilled and not args.placeholders:
            how = ", ".join(f"${{{n}}} ({how_to_fill(result, n)})" for n in result.unfilled)
            raise RequestError(f"the policy still holds {how}: give them, or --placeholders to print it so")
        documents = split_document(result.document) if args.split else [result.document]
        text, _ = FORMATS.report(
            args.format, Printed(documents, result.identity, result.services, args.split), Options()
        )
    except RequestError as exc:
        raise Usage(str(exc)) from None
    print(text, end="", file=out)

    # Everything below is for the person at the terminal; stdout stays a clean document.
    for name in result.unfilled:  # asked for with --placeholders
        print(f"{PROG}: note: ${{{name}}} is a placeholder: set it with {how_to_fill(result, name)}", file=err)
    for name in result.waiting:
        hint = how_to_fill(result, name)
        print(f"{PROG}: note: what is granted on ${{{name}}} is left out until {hint} names those roles", file=err)
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
