"""The policy documents print-iam writes, in the forms pipelines consume."""

from __future__ import annotations

import re

from iam_catalog.iam.documents import as_list, dumps
from iam_catalog.printiam.request import RequestError

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any

    Format = Callable[[Sequence[dict[str, Any]], tuple[str, str] | None, Sequence[dict[str, Any]]], str]


def _names(services: Sequence[dict[str, Any]]) -> tuple[str, str, str]:
    """Terraform's and CloudFormation's names, and the description, from the services printed."""
    ids = [s["id"] for s in services]
    words = " and ".join(s["title"] for s in services)
    return (
        "_".join(["teleport", *ids, "service"]).replace("-", "_"),
        "".join(["Teleport", *(i.title().replace("-", "") for i in ids), "ServicePolicy"]),
        f"IAM permissions of the Teleport {words}",
    )


_HCL_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HCL_SPECIAL = re.compile('["\\\\\x00-\x1f\x7f-\U0010ffff]')


def _hcl_escape(m: re.Match[str]) -> str:
    char = m[0]
    if char in _HCL_SHORT:
        return _HCL_SHORT[char]
    point = ord(char)
    point = 0xFFFD if 0xD800 <= point <= 0xDFFF else point  # a lone surrogate is no character
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def _hcl_string(text: str) -> str:
    """A quoted HCL string, ASCII only, with HCL's own escapes (`\\b` and `\\f` are JSON's, not
    HCL's). HCL interpolates ${...} and %{...}: IAM placeholders and policy variables must
    reach AWS as written."""
    return '"' + _HCL_SPECIAL.sub(_hcl_escape, text.replace("${", "$${").replace("%{", "%%{")) + '"'


def _hcl_list(values: str | list[str]) -> str:
    return "[" + ", ".join(_hcl_string(v) for v in as_list(values)) + "]"


def _terraform_statement(st: dict[str, Any]) -> list[str]:
    lines = ["  statement {"]
    if "Sid" in st:
        lines.append(f"    sid       = {_hcl_string(st['Sid'])}")
    lines.append(f"    effect    = {_hcl_string(st['Effect'])}")
    lines.append(f"    actions   = {_hcl_list(st['Action'])}")
    if "Resource" in st:
        lines.append(f"    resources = {_hcl_list(st['Resource'])}")
    for test, pairs in st.get("Condition", {}).items():
        for variable, values in pairs.items():
            lines += [
                "    condition {",
                f"      test     = {_hcl_string(test)}",
                f"      variable = {_hcl_string(variable)}",
                f"      values   = {_hcl_list(values)}",
                "    }",
            ]
    lines.append("  }")
    return lines


def terraform(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    base = _names(services)[0]
    blocks = []
    for i, doc in enumerate(documents, start=1):
        name = base if len(documents) == 1 else f"{base}_{i}"
        body = [line for st in doc["Statement"] for line in _terraform_statement(st)]
        blocks.append("\n".join([f'data "aws_iam_policy_document" "{name}" {{', *body, "}"]))
    return "\n\n".join(blocks) + "\n"


# CloudFormation resolves `{{resolve:service:key}}` in any string of a template: a value must
# never become a reference to a parameter or secret of the reader's account.
_DYNAMIC_REFERENCE = re.compile(r"\{\{[\t\n\x0b\x0c\r ]*resolve[\t\n\x0b\x0c\r ]*:", re.IGNORECASE | re.ASCII)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def cloudformation(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    _, base, description = _names(services)
    resources: dict[str, Any] = {}
    for i, doc in enumerate(documents, start=1):
        properties: dict[str, Any] = {"Description": description, "PolicyDocument": doc}
        if identity:
            properties["Roles" if identity[0] == "role" else "Users"] = [identity[1]]
        name = base if len(documents) == 1 else f"{base}{i}"
        resources[name] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": properties}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{description}, from iam-catalog",
        "Resources": resources,
    }
    if any(_DYNAMIC_REFERENCE.search(text) for text in _strings(template)):
        raise RequestError("a value holds '{{resolve:', which CloudFormation would read as a dynamic reference")
    return dumps(template)


def as_json(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    return dumps(documents[0]) if len(documents) == 1 else as_policies(documents, identity, services)


def as_policies(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    """--split's JSON: always a list of policies, one or more, so that a script reads one shape."""
    return dumps({"Policies": list(documents)})


FORMATS: dict[str, Format] = {
    "json": as_json,
    "terraform": terraform,
    "cloudformation": cloudformation,
}
# Terraform and CloudFormation write one resource per policy either way.
SPLIT_FORMATS: dict[str, Format] = {**FORMATS, "json": as_policies}
