"""print-iam: from a reader's request to the merged policy, and what they still need to know.

Works on the compiled catalog (plain data) so that the command starts fast.
"""

from __future__ import annotations

import re

from iam_catalog.iam.documents import MANAGED_POLICY_LIMIT, compact, compact_size, placeholders
from iam_catalog.iam.merge import merged_document, type_variables

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

# The catalog names these variables; print-iam gives them their own options, like Teleport's.
ACCOUNT, PARTITION, REGION, SERVICE_ROLE, USER_ROLE = (
    "Account",
    "Partition",
    "Region",
    "ServiceRole",
    "DatabaseUserRole",
)
OPTION_OF = {ACCOUNT: "--account", PARTITION: "--partition", REGION: "--region", USER_ROLE: "--assumes-roles"}

_IAM_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>[0-9]{12}):(?P<kind>role|user)/(?P<name>.+)\Z")


class RequestError(Exception):
    """A request that cannot be answered; the message is one line for the reader."""


class Request:
    def __init__(
        self,
        types: Sequence[str],
        *,
        role: str | None = None,
        user: str | None = None,
        assumes_roles: Sequence[str] = (),
        account: str | None = None,
        partition: str | None = None,
        region: str | None = None,
        variables: dict[str, str] | None = None,
        optional: bool = False,
    ) -> None:
        self.types = types
        self.role, self.user, self.assumes_roles = role, user, assumes_roles
        self.account, self.partition, self.region = account, partition, region
        self.variables = variables or {}
        self.optional = optional


class Answer:
    def __init__(
        self,
        types: list[dict[str, Any]],
        document: dict[str, Any],
        unfilled: list[str],
        identity: tuple[str, str] | None,
    ) -> None:
        self.types = types
        self.document = document
        self.unfilled = unfilled  # placeholders left in the document
        self.identity = identity  # ("role" or "user", name)

    @property
    def size(self) -> int:
        return compact_size(self.document)


def resolve_types(compiled: dict[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    by_name = {n: t for t in compiled["types"] for n in (t["id"], *t["aliases"])}
    chosen: list[dict[str, Any]] = []
    for name in names:
        db_type = by_name.get(name.strip())
        if db_type is None:
            raise RequestError(f"unknown database type '{name.strip()}'; valid types: {', '.join(by_name)}")
        if db_type not in chosen:
            chosen.append(db_type)
    if not chosen:
        raise RequestError("--types needs at least one database type")
    return chosen


def _accepts(variable: dict[str, Any], value: str) -> bool:
    if "choices" in variable:
        return value in variable["choices"]
    return "pattern" not in variable or re.fullmatch(variable["pattern"], value) is not None


def _check(variable: dict[str, Any] | None, value: str, option: str) -> None:
    if variable is None or _accepts(variable, value):
        return
    if "choices" in variable:
        expected = "one of " + ", ".join(variable["choices"])
    else:
        expected = variable.get("hint") or f"a value matching {variable['pattern']}"
    raise RequestError(f"{option} '{value}' is not valid: expected {expected}")


def _identity(kind: str, value: str, found: dict[str, str]) -> str:
    """The name in an identity given as a name or ARN; an ARN's partition and account are kept."""
    if not value.startswith("arn:"):
        return value
    match = _IAM_ARN.match(value)
    if not match or match["kind"] != kind:
        raise RequestError(f"'{value}' is not the ARN of an IAM {kind}")
    for key, part in ((PARTITION, "partition"), (ACCOUNT, "account")):
        seen = found.setdefault(key, match[part])
        if seen != match[part]:
            raise RequestError(f"'{value}' is in {part} {match[part]}, not {seen}")
    return match["name"]


def answer(compiled: dict[str, Any], request: Request) -> Answer:
    types = resolve_types(compiled, request.types)
    declared: dict[str, dict[str, Any]] = {}
    for db_type in types:
        declared.update(type_variables(compiled, db_type))
    if request.role and request.user:
        raise RequestError("give --role or --user, not both")

    given: dict[str, str] = {}
    for key, value in ((ACCOUNT, request.account), (PARTITION, request.partition), (REGION, request.region)):
        if value is not None:
            _check(declared.get(key), value, OPTION_OF[key])
            given[key] = value
    for name, value in request.variables.items():
        if name not in declared:
            raise RequestError(f"--var {name}: no such variable for these types; known: {', '.join(sorted(declared))}")
        _check(declared[name], value, f"--var {name}")
        given[name] = value

    from_arns: dict[str, str] = {}
    identity = None
    if request.role or request.user:
        kind = "role" if request.role else "user"
        identity = (kind, _identity(kind, request.role or request.user or "", from_arns))
        if kind == "role":
            _check(declared.get(SERVICE_ROLE), identity[1], "--role")
            given[SERVICE_ROLE] = identity[1]
    roles = [_identity("role", r.strip(), from_arns) for r in request.assumes_roles if r.strip()]
    for role in roles:
        _check(declared.get(USER_ROLE), role, "--assumes-roles")
    for key, value in from_arns.items():
        if given.setdefault(key, value) != value:
            raise RequestError(f"{OPTION_OF[key]} {given[key]} contradicts the ARNs given ({value})")

    values: dict[str, str | list[str]] = {**given}
    if roles:
        values[USER_ROLE] = roles
    for name, variable in declared.items():
        # An example default must never reach a real account: it stays a placeholder.
        values.setdefault(name, f"${{{name}}}" if variable["example"] else variable["default"])
    document = merged_document(compiled, [t["id"] for t in types], values, optional=request.optional)
    left = set(placeholders(compact(document)))
    return Answer(types, document, [n for n in declared if n in left], identity)


def how_to_fill(name: str) -> str:
    return OPTION_OF.get(name, f"--var {name}=...")


def left_out_policies(types: Sequence[dict[str, Any]]) -> list[str]:
    """Optional policies of these types, as type/policy."""
    return [f"{t['id']}/{p['id']}" for t in types for p in t["policies"] if p["optional"]]


def split_document(document: dict[str, Any], limit: int = MANAGED_POLICY_LIMIT) -> list[dict[str, Any]]:
    """Consecutive groups of statements, each group a policy within `limit`."""
    parts: list[dict[str, Any]] = []
    for statement in document["Statement"]:
        if parts:
            candidate = {**document, "Statement": [*parts[-1]["Statement"], statement]}
            if compact_size(candidate) <= limit:
                parts[-1] = candidate
                continue
        single = {**document, "Statement": [statement]}
        if compact_size(single) > limit:
            raise RequestError(f"statement {statement.get('Sid', '')} alone is over {limit} characters")
        parts.append(single)
    return parts
