"""IAM's grammar: what a policy document may contain, and what IAM refuses. Defined once here;
the file and live readers (`deployed.sources`), the engine (`iam.access.model`) and validate's
checks all ask this module.

A document is one of two kinds: an identity policy (a permissions boundary is one too) or a
role's trust policy. `TAKES` says which elements each kind needs and which it refuses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IDENTITY, TRUST = "identity", "trust"

POLICY_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource")
CONDITION = "Condition"
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
EFFECTS = ("Allow", "Deny")


class Refused(ValueError):
    """A policy that IAM itself refuses; the message gives IAM's rule."""


@dataclass(frozen=True)
class Takes:
    """What a kind of document does with the elements that say whom and what a statement is for."""

    principal: bool  # a statement needs a Principal; else IAM refuses one
    resource: bool  # a statement needs a Resource or NotResource; else IAM refuses one


TAKES = {IDENTITY: Takes(principal=False, resource=True), TRUST: Takes(principal=True, resource=False)}

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_:-]+")


def member(key: str) -> str:
    """A key as a step of a JSON path: `.Key`, or `["what it is"]` with JSON's escapes when it is
    not a plain word, so that a key holding a line break or a quote stays one honest line."""
    return f".{key}" if _PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key)}]"


def _text(value: Any) -> bool:
    return type(value) is str


def _texts(value: Any) -> bool:
    return _text(value) or (type(value) is list and bool(value) and all(map(_text, value)))


def one_of(st: dict[str, Any], name: str, required: bool) -> tuple[Any, bool]:
    """`name` or `NotName` of a statement, and whether it is the Not form; IAM takes one."""
    plain, negated = name in st, f"Not{name}" in st
    if plain and negated:
        raise Refused(f"a statement has both {name} and Not{name}: IAM takes one of them")
    if required and not (plain or negated):
        raise Refused(f"a statement needs {name} or Not{name}")
    return (st.get(f"Not{name}"), True) if negated else (st.get(name), False)


def refuse_not_principal(st: dict[str, Any]) -> None:
    if "NotPrincipal" in st:
        raise Refused(
            "NotPrincipal: IAM takes it only in resource-based policies, not in an identity policy, a"
            " permissions boundary or a role's trust policy"
        )


def action_problem(action: str) -> str | None:
    """Why IAM's grammar refuses an action: it is `*` or `service-prefix:action-name`."""
    if action == "*":
        return None
    prefix, colon, name = action.partition(":")
    if not (prefix and colon):
        return f"{json.dumps(action)} is not `*` or `prefix:name`, the forms IAM's grammar allows"
    # IAM's own refusals (MalformedPolicyDocument): "Actions/Condition can contain only one
    # colon" and "Action vendors ... must not contain wildcards".
    if ":" in name:
        return f"{json.dumps(action)} has two colons: IAM takes one, between prefix and name"
    if "*" in prefix or "?" in prefix:
        return f"{json.dumps(action)}: IAM refuses a wildcard in the service prefix"
    return None


def shape_problem(st: dict[str, Any]) -> str | None:
    """What in a statement's shape IAM's grammar refuses, as `.Element: why`, or None."""
    for key in st:
        if key not in (*STATEMENT_KEYS, CONDITION):
            return f"{member(key)}: not an element of an IAM statement"
    if "Sid" in st and not _text(st["Sid"]):
        return ".Sid: must be a string"
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in st and not _texts(st[key]):
            return f".{key}: must be a string or a non-empty list of strings"
    for key in ("Action", "NotAction"):
        for action in [st[key]] if type(st.get(key)) is str else st.get(key, []):
            if problem := action_problem(action):
                return f".{key}: {problem}"
    for key in ("Principal", "NotPrincipal"):
        principal = st.get(key, "*")
        if principal != "*" and not (
            type(principal) is dict
            and principal
            and all(k in PRINCIPAL_KINDS and _texts(v) for k, v in principal.items())
        ):
            kinds = ", ".join(PRINCIPAL_KINDS)
            return f'.{key}: must be "*" or an object of {kinds}, each a string or a list of strings'
    return _condition_problem(st.get(CONDITION, {}))


def _condition_problem(condition: Any) -> str | None:
    if type(condition) is not dict:
        return ".Condition: must be an object of operators"
    scalar = (str, bool)  # a number is read as its text, a str
    for op, pairs in condition.items():
        if type(pairs) is not dict or not pairs:
            return f".Condition{member(op)}: must be an object of condition keys"
        for key, value in pairs.items():
            values = value if type(value) is list else [value]
            if not values or not all(isinstance(v, scalar) for v in values):
                return f".Condition{member(op)}{member(key)}: must be a string, number or boolean, or a list of them"
    return None


def kind_problem(st: dict[str, Any], kind: str) -> str | None:
    """What a document of `kind` refuses in a statement of the right shape, as `.Element: why` or
    `: why`, or None."""
    if st.get("Effect") not in EFFECTS:
        return f".Effect: must be Allow or Deny, not {json.dumps(st.get('Effect'))}"
    takes = TAKES[kind]
    has_resource = "Resource" in st or "NotResource" in st
    if not takes.principal and "Principal" in st:
        return ".Principal: IAM refuses a Principal in an identity policy or boundary"
    if takes.resource and not has_resource:
        return ": a statement needs Resource or NotResource"
    if not takes.resource and has_resource:
        return ": IAM refuses a Resource in a role's trust policy"
    if takes.principal and "Principal" not in st and "NotPrincipal" not in st:
        return ": a trust policy statement needs a Principal"
    return None
