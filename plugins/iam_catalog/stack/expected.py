"""What `check --aws` expects of the deploy section: the least policy that reads the roles, and
the trust policy each database-user role should have."""

from __future__ import annotations

import json

from iam_catalog.iam.documents import document, fill_statement, placeholders
from iam_catalog.printiam.request import RequestError, Variables, check_value, placeholder
from iam_catalog.stack.build import database_user_trust, declared

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from iam_catalog.printiam.request import Answer


def read_policy(
    compiled: dict[str, Any], roles: list[str], account: str | None, partition: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The least policy that `check --aws` needs to read these roles (none: the catalog's
    default), and the options that would fill the placeholders left."""
    deploy = compiled.get("deploy")
    if not deploy:
        raise RequestError("this catalog has no deploy section in its shared file: it has no read policy")
    variables = Variables(declared(compiled))
    checked = deploy["read_policy_roles"]
    for role in roles:
        check_value(variables.declared[checked], role, "role-name", "--role-name or --assumes-roles")
    if roles:
        variables.values[checked] = roles
    variables.give_options((("account", account), ("partition", partition)))
    variables.real_defaults()
    doc = document(fill_statement(st, variables.values) for st in deploy["read_policy"])
    return doc, [variables.hint(n) for n in dict.fromkeys(placeholders(json.dumps(doc)))]


def expected_trusts(
    compiled: dict[str, Any], result: Answer, facts: Mapping[str, str], external_id: str | None
) -> dict[str, dict[str, Any]]:
    """The catalog's trust policy for each database-user role of a print-iam answer, with the
    values the answer has and, for the rest, the facts of the account the role is in."""
    deploy = compiled["deploy"]
    variables = Variables(compiled["variables"], result.values)
    values = variables.values
    for name, fact in deploy["from_deployment"].items():
        if fact in facts and (name not in values or values[name] == placeholder(name)):
            values[name] = facts[fact]
    if result.identity is not None:
        for service in result.services:
            values[service["identity"]] = result.identity[1]
    if external_id is not None:
        variables.give(deploy["external_id_variable"], external_id, "external-id", "--external-id")
    return {role: database_user_trust(deploy, values, external_id is not None) for role in result.assumes_roles}
