"""From a reader's request to the stack's model: the service's role, trusted by the catalog's
trust policy for where Teleport runs; print-iam's policy for the request, split as `--split`
splits it; an instance profile where the trust asks for one; a role for each database user the
service assumes, trusting the service's role by the catalog's own trust policy. A value that no
option gave and that the catalog says the deployment knows (the account, the partition, the
region) is left for the deployment to fill. Every name and size is held to IAM's rules here,
before anything is written.
"""

from __future__ import annotations

import copy
import json

from iam_catalog.catalog.kinds import DATABASE_USER, SERVICE
from iam_catalog.iam import names as iam_names
from iam_catalog.iam.documents import (
    INLINE_ROLE_LIMIT,
    TRUST_POLICY_LIMIT,
    compact_size,
    document,
    fill_one,
    fill_statement,
    placeholders,
)
from iam_catalog.printiam.request import (
    RequestError,
    Variables,
    answer,
    check_value,
    how_to_fill,
    option_hint,
    placeholder,
    resolve_services,
    resolve_types,
    shown,
    split_document,
)
from iam_catalog.stack.model import DEPLOYMENT, DESCRIPTION_LIMIT, POLICY_KINDS, Role, Stack, StackRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from iam_catalog.printiam.request import Answer, Request


def declared(compiled: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every variable a stack's documents may use: the catalog's and its deploy section's."""
    return {**compiled["variables"], **compiled["deploy"]["variables"]}


def _role(kind: str, path_and_name: str, trust: dict[str, Any], **more: Any) -> Role:
    """An IAM role's name may carry a path (`teleport/db`): IAM keeps the two apart."""
    path, name = iam_names.split_path(path_and_name)
    return Role(kind, name, path, trust, **more)


def _iam_names(roles: list[Role], role_name: str, users: list[str]) -> None:
    """Every name the stack writes, held to IAM's rules before anything is written: the roles
    (whether or not a chosen type declares database-user roles), the policies and the instance
    profile, and no two roles that IAM takes for one."""
    for option, value in (("role-name", role_name), *(("assumes-roles", u) for u in users)):
        problem = iam_names.role_problem(value)
        if problem:
            raise RequestError(f"--{option} {shown(value)}: {problem}", option)
    twice = iam_names.same_name([r.name for r in roles])
    if twice:
        first, second = twice
        alike = "" if first == second else f" (as {shown(second)}: IAM takes names without regard to case)"
        what = "the service's own role" if first == roles[0].name else "a role twice"
        raise RequestError(f"--assumes-roles names {what}, {shown(first)}{alike}", "assumes-roles")
    named = [(iam_names.POLICY, n) for r in roles for n in r.policy_names]
    named += [(iam_names.INSTANCE_PROFILE, r.name) for r in roles if r.instance_profile]
    for rule, name in named:
        problem = rule.problem(name)
        if problem:
            raise RequestError(f"--role-name: the stack's {rule.what} {shown(name)}: {problem}", "role-name")


def _filled(
    statements: list[dict[str, Any]],
    values: Mapping[str, Any],
    deployed: Mapping[str, str],
    what: str,
    options: Mapping[str, str],
) -> dict[str, Any]:
    """A trust policy from the catalog's templates; a placeholder left is an error naming its option."""
    doc = document(_fill_keys(fill_statement(st, values), values) for st in statements)
    left = [n for n in dict.fromkeys(placeholders(json.dumps(doc))) if n not in deployed]
    if left:
        how = ", ".join(option_hint(options, n) for n in left)
        raise RequestError(f"{what} needs {how}: a stack must not deploy a placeholder", options.get(left[0]))
    return doc


def _fill_keys(statement: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A trust policy's condition keys may name what the reader gives (`${OidcProvider}:sub`)."""
    if "Condition" not in statement:
        return statement
    conditions = {
        op: {fill_one(k, values): v for k, v in pairs.items()} for op, pairs in statement["Condition"].items()
    }
    return {**statement, "Condition": conditions}


def _worst_case(doc: dict[str, Any], deployed: dict[str, str]) -> dict[str, Any]:
    """The document as long as the deployment can make it, to measure against a quota."""
    longest = {name: "x" * DEPLOYMENT[fact][2] for name, fact in deployed.items()}
    return document(fill_statement(st, longest) for st in doc["Statement"])


def _split(doc: dict[str, Any], deployed: dict[str, str], kind: str) -> list[dict[str, Any]]:
    """Print-iam's split, measured with the longest values the deployment can fill in."""
    sized = split_document(_worst_case(doc, deployed))
    parts, start = [], 0
    for part in sized:
        count = len(part["Statement"])
        parts.append({**doc, "Statement": doc["Statement"][start : start + count]})
        start += count
    total = sum(compact_size(p) for p in sized)
    if kind == "inline" and total > INLINE_ROLE_LIMIT:
        raise RequestError(
            f"--policy inline: the policy is {total} characters, over IAM's {INLINE_ROLE_LIMIT} for a role's"
            " inline policies: use --policy managed",
            "policy",
        )
    return parts


def database_user_trust(
    deploy: dict[str, Any],
    values: dict[str, Any],
    external_id: bool,
    deployed: Mapping[str, str] = {},
    options: Mapping[str, str] = {},
) -> dict[str, Any]:
    """The trust policy the catalog gives each database-user role: the service's role may
    assume it (with the external ID, where one is set)."""
    template = deploy["database_user_trust_external_id" if external_id else "database_user_trust"]
    return _filled(template, values, deployed, "a database-user role", options)


def _role_name(compiled: dict[str, Any], request: StackRequest) -> tuple[str, list[dict[str, Any]]]:
    """The service's role's name (the first service's default, unless given), and the services."""
    services = resolve_services(compiled, request.request.services)
    role_name = (
        compiled["variables"][services[0]["identity"]]["default"] if request.role_name is None else request.role_name
    )
    for service in services:
        check_value(compiled["variables"][service["identity"]], role_name, "role-name", "--role-name")
    return role_name, services


def _deployment(
    deploy: dict[str, Any], declared: Mapping[str, dict[str, Any]], request: Request
) -> tuple[dict[str, str], dict[str, str]]:
    """What the deployment fills: the facts an option gives (--account fills each variable of
    that fact), and each variable left to the deployment, with its fact."""
    given = {option: value for option, value in request.where() if value is not None}
    known = {
        fact: given[declared[name]["option"]]
        for name, fact in deploy["from_deployment"].items()
        if declared.get(name, {}).get("option") in given
    }
    deployed = {
        name: fact
        for name, fact in deploy["from_deployment"].items()
        if fact not in known and name not in request.variables
    }
    return known, deployed


def _trust_values(
    compiled: dict[str, Any],
    request: StackRequest,
    result: Answer,
    where: tuple[dict[str, str], dict[str, str]],
    role: tuple[str, list[dict[str, Any]]],
) -> Variables:
    """Values every trust policy may use: the request's, the deployment's, the stack's options."""
    deploy = compiled["deploy"]
    known, deployed = where
    values = Variables(declared(compiled), {name: placeholder(name) for name in deployed})
    values.real_defaults()
    values.values.update(result.values)
    values.values.update(
        (name, known[fact])
        for name, fact in deploy["from_deployment"].items()
        if fact in known and name not in request.request.variables
    )
    trusted = Variables(deploy["variables"])  # a trust value sets one of the deploy section's own variables
    for option, value in sorted(request.trust_values.items()):
        name = trusted.by_option.get(option)
        if name is None:
            raise RequestError(f"--{option}: the catalog declares no such trust value", option)
        values.give(name, value, option, f"--{option}")
    if request.external_id is not None:
        values.give(deploy["external_id_variable"], request.external_id, "external-id", "--external-id")
    role_name, services = role
    for service in services:
        values.values[service["identity"]] = role_name
    return values


def stack(compiled: dict[str, Any], request: StackRequest) -> Stack:
    deploy = compiled.get("deploy")
    if not deploy:
        raise RequestError("this catalog has no deploy section in its shared file: it cannot write a stack")
    if request.policy not in POLICY_KINDS:
        raise RequestError(f"--policy {shown(request.policy)}: expected one of {', '.join(POLICY_KINDS)}", "policy")
    choices = {t["id"]: t for t in deploy["trust"]}
    trust_id = deploy["trust"][0]["id"] if request.trust is None else request.trust.strip()
    if trust_id not in choices:
        raise RequestError(f"--trust {shown(trust_id)}: expected one of {', '.join(choices)}", "trust")
    role_name, services = _role_name(compiled, request)
    print_request = copy.copy(request.request)
    print_request.role, print_request.user = role_name, None
    known, deployed = _deployment(deploy, declared(compiled), print_request)
    result = answer(compiled, print_request, deployed=list(deployed))
    left = [n for n in result.unfilled if n not in deployed]
    if left:
        how = ", ".join(how_to_fill(result, n) for n in left)
        raise RequestError(
            f"the policy needs {how}: a stack must not deploy a placeholder", result.options.get(left[0])
        )
    values = _trust_values(compiled, request, result, (known, deployed), (role_name, services))
    options = values.options()
    options[deploy["external_id_variable"]] = "external-id"

    choice = choices[trust_id]
    service_trust = _filled(choice["statements"], values.values, deployed, f"--trust {trust_id}", options)
    users = [
        _role(
            DATABASE_USER,
            name,
            database_user_trust(deploy, values.values, request.external_id is not None, deployed, options),
        )
        for name in result.assumes_roles
    ]
    for made in (*users, _role(SERVICE, role_name, service_trust)):
        size = compact_size(_worst_case(made.trust, deployed))
        if size > TRUST_POLICY_LIMIT:
            raise RequestError(f"the trust policy of {made.name} is {size} characters, over IAM's {TRUST_POLICY_LIMIT}")

    types = [t["id"] for t in resolve_types(compiled, print_request.types)]
    titles = " and ".join(s["title"] for s in result.services)
    description = (
        f"The IAM role of the Teleport {titles}, from iam-catalog (catalog {compiled['revision']}): "
        f"iam-catalog stack {request.described(result, types, role_name, trust_id)}"
    )
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 3] + "..."
    policies = _split(result.document, deployed, request.policy)
    service = _role(
        SERVICE, role_name, service_trust, policies=policies, instance_profile=bool(choice.get("instance_profile"))
    )
    _iam_names([service, *users], role_name, result.assumes_roles)
    return Stack(description, [service, *users], request.policy, deployed, result)
