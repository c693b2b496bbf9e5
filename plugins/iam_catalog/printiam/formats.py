"""The policy documents print-iam writes, in the forms pipelines consume."""

from __future__ import annotations

import json

from iam_catalog.iam.documents import as_list, dumps

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
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


def _hcl_string(text: str) -> str:
    # HCL interpolates ${...}; IAM placeholders and policy variables must reach AWS as written.
    return json.dumps(text.replace("${", "$${").replace("%{", "%%{"))


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
    return dumps(template)


def as_json(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    if len(documents) == 1:
        return dumps(documents[0])
    return dumps({"Policies": list(documents)})


FORMATS: dict[str, Format] = {
    "json": as_json,
    "terraform": terraform,
    "cloudformation": cloudformation,
}
