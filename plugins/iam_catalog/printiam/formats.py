"""The policy documents print-iam writes, in the forms pipelines consume."""

from __future__ import annotations

import re

from iam_catalog.iam.documents import as_list, dumps
from iam_catalog.printiam.request import RequestError
from iam_catalog.reporting import Format, Formats

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any

    from iam_catalog.reporting import Options


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
# Everything but printable ASCII, `"` and `\`: written as the complement, since a class that
# spells out the range up to U+10FFFF takes 6 ms to compile, a fifth of print-iam's start.
_HCL_SPECIAL = re.compile(r"[^ !#-\[\]-~]")


def _hcl_escape(m: re.Match[str]) -> str:
    char = m[0]
    if char in _HCL_SHORT:
        return _HCL_SHORT[char]
    point = ord(char)
    point = 0xFFFD if 0xD800 <= point <= 0xDFFF else point  # a lone surrogate is no character
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def _hcl_text(text: str) -> str:
    return _HCL_SPECIAL.sub(_hcl_escape, text.replace("%{", "%%{"))


def hcl_string(text: str, interpolations: Mapping[str, str] | None = None) -> str:
    """A quoted HCL string, ASCII only, with HCL's own escapes (`\\b` and `\\f` are JSON's, not
    HCL's). HCL interpolates ${...} and %{...}: IAM placeholders and policy variables must
    reach AWS as written, except a placeholder that `interpolations` maps to an expression."""
    first, *rest = text.split("${")
    out = [_hcl_text(first)]
    for part in rest:
        name, brace, after = part.partition("}")
        if brace and interpolations and name in interpolations:
            out.append("${" + interpolations[name] + "}" + _hcl_text(after))
        else:
            out.append("$${" + _hcl_text(part))
    return '"' + "".join(out) + '"'


def _hcl_list(values: str | list[str], interpolations: Mapping[str, str] | None) -> str:
    return "[" + ", ".join(hcl_string(v, interpolations) for v in as_list(values)) + "]"


class Block:
    """An HCL block: a header (`statement`, `resource "aws_iam_role" "service"`) and its items,
    each an attribute (key, written value) or a block."""

    def __init__(self, header: str, items: Sequence[tuple[str, str] | Block]) -> None:
        self.header, self.items = header, items


def hcl_block(block: Block, indent: str = "") -> list[str]:
    """The block's lines as `terraform fmt` writes them: the `=` of consecutive attributes aligned."""
    if not block.items:
        return [f"{indent}{block.header} {{}}"]
    lines = [f"{indent}{block.header} {{"]
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{indent}  {key:<{width}} = {value}" for key, value in run)
        run.clear()

    for item in block.items:
        if isinstance(item, Block):
            flush()
            lines.extend(hcl_block(item, indent + "  "))
        else:
            run.append(item)
    flush()
    lines.append(f"{indent}}}")
    return lines


def _terraform_statement(st: dict[str, Any], interpolations: Mapping[str, str] | None) -> Block:
    items: list[tuple[str, str] | Block] = []
    if "Sid" in st:
        items.append(("sid", hcl_string(st["Sid"])))
    items.append(("effect", hcl_string(st["Effect"])))
    items.append(("actions", _hcl_list(st["Action"], interpolations)))
    if "Resource" in st:
        items.append(("resources", _hcl_list(st["Resource"], interpolations)))
    for kind, identifiers in st.get("Principal", {}).items():
        principal = [("type", hcl_string(kind)), ("identifiers", _hcl_list(identifiers, interpolations))]
        items.append(Block("principals", principal))
    for test, pairs in st.get("Condition", {}).items():
        for variable, values in pairs.items():
            condition = [
                ("test", hcl_string(test)),
                ("variable", hcl_string(variable, interpolations)),
                ("values", _hcl_list(values, interpolations)),
            ]
            items.append(Block("condition", condition))
    return Block("statement", items)


def policy_document_block(name: str, doc: dict[str, Any], interpolations: Mapping[str, str] | None = None) -> str:
    """One `aws_iam_policy_document` data source, the form Terraform users review and compose."""
    statements = [_terraform_statement(st, interpolations) for st in doc["Statement"]]
    return "\n".join(hcl_block(Block(f'data "aws_iam_policy_document" {hcl_string(name)}', statements)))


def policy_names(documents: Sequence[dict[str, Any]], services: Sequence[dict[str, Any]]) -> list[str]:
    base = _names(services)[0]
    return [base if len(documents) == 1 else f"{base}_{i}" for i in range(1, len(documents) + 1)]


def terraform(
    documents: Sequence[dict[str, Any]], identity: tuple[str, str] | None, services: Sequence[dict[str, Any]]
) -> str:
    names = policy_names(documents, services)
    return "\n\n".join(policy_document_block(n, doc) for n, doc in zip(names, documents, strict=True)) + "\n"


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


def check_dynamic_references(template: Any) -> None:
    if any(_DYNAMIC_REFERENCE.search(text) for text in _strings(template)):
        raise RequestError("a value holds '{{resolve:', which CloudFormation would read as a dynamic reference")


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
    check_dynamic_references(template)
    return dumps(template)


class Printed:
    """What print-iam prints: its policy documents (several with --split), for whom, by which services."""

    __slots__ = ("documents", "identity", "services", "split")

    def __init__(
        self,
        documents: Sequence[dict[str, Any]],
        identity: tuple[str, str] | None,
        services: Sequence[dict[str, Any]],
        split: bool = False,
    ) -> None:
        self.documents, self.identity, self.services, self.split = documents, identity, services, split


def _json(printed: Printed, _: Options) -> tuple[str, str]:
    """One document as it is; --split's, always a list of policies, one or more, so that a script
    reads one shape."""
    documents = printed.documents
    return (
        dumps(documents[0]) if len(documents) == 1 and not printed.split else dumps({"Policies": list(documents)})
    ), ""


# Terraform and CloudFormation write one resource per policy, split or not.
FORMATS = Formats(
    Format("json", "", _json),
    Format(
        "terraform",
        "an `aws_iam_policy_document` data block",
        lambda p, _: (terraform(p.documents, p.identity, p.services), ""),
    ),
    Format(
        "cloudformation",
        "a template with an `AWS::IAM::ManagedPolicy`",
        lambda p, _: (cloudformation(p.documents, p.identity, p.services), ""),
    ),
    default="json",
)
