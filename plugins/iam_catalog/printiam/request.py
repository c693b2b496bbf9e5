"""print-iam: from a reader's request to the merged policy, and what they still need to know.

Works on the compiled catalog (plain data) so that the command starts fast.
"""

from __future__ import annotations

import json

from iam_catalog.iam.documents import (
    MANAGED_POLICY_LIMIT,
    compact,
    compact_size,
    full_match,
    identity_parts,
    placeholders,
)
from iam_catalog.iam.merge import merged_picked, picked_statements, services_of, type_variables
from iam_catalog.iam.tailor import held_back, used

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Mapping, Sequence
    from typing import Any

# The options that take an IAM identity's ARN, and the options whose variables its parts fill.
ARN_OPTIONS = {"role": "role", "user": "user", "assumes-roles": "role"}
ARN_PARTS = (("partition", 0), ("account", 1))  # their places in identity_parts


def shown(value: str) -> str:
    """A reader's value in a message: quoted, on one line, every character outside printable
    ASCII escaped, so that no value can break the line, colour the terminal or hide itself."""
    return json.dumps(value)


# ASCII letters only: a name's case is ignored as the browser's twin ignores it, whatever the
# Unicode tables of either language say of other letters.
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NEAR = 2  # edits, at most, from a name given to the name suggested
_LONGEST = 64  # a longer name is no typo of a catalog's name: no suggestion is worked out


def folded(text: str) -> str:
    return text.translate(_FOLD)


def _edits(a: str, b: str) -> int:
    """Levenshtein's distance, by code point (the twin counts alike)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """` (did you mean X?)` for the first known name nearest to `name`, within two edits, its
    letters' case aside; "" when none is that near."""
    if len(name) > _LONGEST:
        return ""
    best: tuple[int, str] | None = None
    for candidate in known:
        edits = _edits(folded(name), folded(candidate))
        if edits <= _NEAR and edits < len(candidate) and (best is None or edits < best[0]):
            best = (edits, candidate)
    return f" (did you mean {best[1]}?)" if best else ""


class RequestError(Exception):
    """A request that cannot be answered; the message is one line for the reader, `option`
    names the option at fault, where one is, and `subject` the scope variable, for --scope."""

    def __init__(self, message: str, option: str | None = None, subject: str | None = None) -> None:
        super().__init__(message)
        self.option = option
        self.subject = subject


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
        services: Sequence[str] = (),
        without: Sequence[str] = (),
        scopes: dict[str, list[str]] | None = None,
    ) -> None:
        self.types = types
        self.services = services  # service ids; none: the catalog's first service
        self.without = without  # choice ids
        self.scopes = scopes or {}  # scope variable: its values, each one more ARN
        self.role, self.user, self.assumes_roles = role, user, assumes_roles
        self.account, self.partition, self.region = account, partition, region
        self.variables = variables or {}
        self.optional = optional

    def described(self, result: Answer, types: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """The request's options as a command line gives them again (`types`: the ids asked
        for), each with the value it was answered with, grouped by the field they set, in the
        order of the fields; every group is there, empty or not, so that a command that adds
        options to a request (the stack) puts its own beside the field they go with."""
        identity = [result.identity] if result.identity else []
        without = list(dict.fromkeys(c.strip() for c in self.without if c.strip()))
        where = {k: [(k, v)] if v is not None else [] for k, v in self.where()}
        return {
            "types": [("types", ",".join(types))],
            "service": [("service", ",".join(s["id"] for s in result.services))] if self.services else [],
            "identity": identity,
            **where,
            "assumes-roles": [("assumes-roles", ",".join(result.assumes_roles))] if result.assumes_roles else [],
            "var": [("var", f"{k}={self.variables[k]}") for k in sorted(self.variables)],
            "optional": [("optional", "")] if self.optional else [],
            "without": [("without", ",".join(without))] if without else [],
            "scope": [("scope", f"{k}={v}") for k in sorted(self.scopes) for v in dict.fromkeys(self.scopes[k])],
        }

    def where(self) -> tuple[tuple[str, str | None], ...]:
        """The options that say where the identity is: its account, partition and region."""
        return (("account", self.account), ("partition", self.partition), ("region", self.region))


class Answer:
    def __init__(
        self,
        types: list[dict[str, Any]],
        document: dict[str, Any],
        unfilled: list[str],
        identity: tuple[str, str] | None,
        options: dict[str, str],
        services: list[dict[str, Any]],
        skipped: list[str],
        size: int,
        picked: list[Any],
        values: dict[str, str | list[str]],
        assumes_roles: list[str],
        waiting: list[str],
    ) -> None:
        self.types = types
        self.document = document
        self.unfilled = unfilled  # placeholders left in the document
        self.identity = identity  # ("role" or "user", name)
        self.options = options  # variable name to the option that sets it
        self.services = services  # the services printed, in the catalog's order
        self.skipped = skipped  # types asked for that have no policy for these services
        self.size = size  # characters counted against a policy quota
        self.picked = picked  # each statement before the merge, with where it comes from
        self.values = values  # every variable's value, or its placeholder
        self.assumes_roles = assumes_roles  # the database-user roles' names
        self.waiting = waiting  # variables not given whose statements were held back (the database-user roles)


def resolve_types(compiled: dict[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    spelled = [n for t in compiled["types"] for n in (t["id"], *t["aliases"])]
    by_name = {folded(n): t for t in compiled["types"] for n in (t["id"], *t["aliases"])}  # in any case
    chosen: dict[str, dict[str, Any]] = {}  # by id: a type asked for twice counts once
    for name in names:
        db_type = by_name.get(folded(name.strip()))
        if db_type is None:
            hint = did_you_mean(name.strip(), spelled)
            message = f"unknown database type {shown(name.strip())}{hint}; valid types: {', '.join(spelled)}"
            raise RequestError(message, "types")
        chosen.setdefault(db_type["id"], db_type)
    if not chosen:
        raise RequestError("--types needs at least one database type", "types")
    return list(chosen.values())


def accepts(variable: dict[str, Any], value: str) -> bool:
    if "choices" in variable:
        return value in variable["choices"]
    return "pattern" not in variable or full_match(variable["pattern"], value)


def check_value(
    variable: dict[str, Any] | None, value: str, option: str, label: str, subject: str | None = None
) -> None:
    if variable is None or accepts(variable, value):
        return
    if "choices" in variable:
        expected = "one of " + ", ".join(variable["choices"])
    else:
        expected = variable.get("hint") or f"a value matching {variable['pattern']}"
    raise RequestError(f"{label} {shown(value)} is not valid: expected {expected}", option, subject)


def placeholder(name: str) -> str:
    return f"${{{name}}}"


class Variables:
    """The one variable resolver: declared variables (by name, as the compiled catalog has them),
    the options that set them, and the values given so far. print-iam's answer, the stack, the
    check's read policy and the database-user roles' trusts resolve their variables here, by the
    same rules: a value an option gives is checked against its variable's rule before it is
    kept; a default that only illustrates (`example: true`) never reaches a real account, it
    stays a placeholder; a message names the option that sets a variable, or `--var`."""

    def __init__(self, declared: Mapping[str, dict[str, Any]], values: Mapping[str, Any] | None = None) -> None:
        self.declared = declared
        self.by_option = {v["option"]: name for name, v in declared.items() if "option" in v}
        self.values: dict[str, Any] = dict(values or {})

    def options(self) -> dict[str, str]:
        """Each variable that an option sets, by name: that option."""
        return {name: v["option"] for name, v in self.declared.items() if "option" in v}

    def give(self, name: str, value: str, option: str, label: str) -> None:
        """`value` for `name`, checked against its rule; an error names `label`."""
        check_value(self.declared.get(name), value, option, label)
        self.values[name] = value

    def give_options(self, given: Iterable[tuple[str, str | None]]) -> None:
        """The values of options (`account`, `partition`, ...) that set a declared variable."""
        for option, value in given:
            name = self.by_option.get(option)
            if value is not None and name is not None:
                self.give(name, value, option, f"--{option}")

    def defaults(self, placeholders: Container[str] = ()) -> None:
        """Every variable not given: its default, or its placeholder where the default only
        illustrates or the variable is one of `placeholders` (a deployed stack fills those)."""
        for name, variable in self.declared.items():
            keep = variable.get("example", True) or name in placeholders
            self.values.setdefault(name, placeholder(name) if keep else variable["default"])

    def real_defaults(self) -> None:
        """Every variable not given whose default is real: that default; the rest stay unset."""
        for name, variable in self.declared.items():
            if not variable.get("example", True):
                self.values.setdefault(name, variable["default"])

    def hint(self, name: str) -> str:
        return option_hint(self.options(), name)


def _of_other_services(compiled: dict[str, Any], types: list[dict[str, Any]], ids: list[str], name: str) -> str | None:
    """Where a choice or scope variable that the services asked for do not have belongs, with the
    option that prints that policy; None if no service of these types has it either."""
    theirs = {s for t in types for s in t["tailoring_services"].get(name, ()) if s not in ids}
    services = [s for s in compiled["services"] if s["id"] in theirs]
    if not services:
        return None
    titles = " or the ".join(s["title"] for s in services)
    return f"of the {titles}'s policy; print it with --service {','.join(s['id'] for s in services)}"


def _tailoring(
    compiled: dict[str, Any], request: Request, types: list[dict[str, Any]], ids: list[str]
) -> tuple[list[str], dict[str, str | list[str]]]:
    """The reader's choices, and a value for every scope variable of these types (`*` when the
    reader gave none), each checked against what these types declare."""
    choices, scopes = used(r for t in types for p in t["policies"] if p["service"] in ids for r in p["rules"])
    without = list(dict.fromkeys(c.strip() for c in request.without if c.strip()))
    for choice in without:
        if choice not in choices:
            elsewhere = _of_other_services(compiled, types, ids, choice)
            known = ", ".join(choices) or "none"
            hint = did_you_mean(choice, choices)
            message = f"a choice {elsewhere}" if elsewhere else f"not a choice for these types{hint}; choices: {known}"
            raise RequestError(f"--without {shown(choice)}: {message}", "without")
    for name, given in request.scopes.items():
        if name not in scopes:
            elsewhere = _of_other_services(compiled, types, ids, name)
            known = ", ".join(scopes) or "none"
            message = (
                f"a scope variable {elsewhere}"
                if elsewhere
                else f"no such scope variable for these types{did_you_mean(name, scopes)}; known: {known}"
            )
            raise RequestError(f"--scope {shown(name)}: {message}", "scope", name)
        for value in given:
            check_value(compiled["scopes"][name], value, "scope", f"--scope {name}", name)
    values: dict[str, str | list[str]] = {}
    for name in scopes:
        given = list(dict.fromkeys(request.scopes.get(name, ())))
        values[name] = "*" if not given else given[0] if len(given) == 1 else given
    return without, values


def _name_in(
    compiled: dict[str, Any], option: str, value: str, given: dict[str, str], by_option: dict[str, str]
) -> str:
    """The name in an identity given as a name or ARN; an ARN's partition and account are kept
    as the values of their options, and must agree with those already given."""
    if not value.startswith("arn:"):
        return value
    kind = ARN_OPTIONS[option]
    parts = identity_parts(value)
    if not parts or parts[2] != kind:
        raise RequestError(f"{shown(value)} is not the ARN of an IAM {kind}", option)
    for part, index in ARN_PARTS:
        name = by_option.get(part)
        if name is None:
            continue
        seen = given.setdefault(name, parts[index])
        if seen != parts[index]:
            raise RequestError(f"{shown(value)} is in {part} {parts[index]}, not {seen}", option)
    return parts[3]


def resolve_services(compiled: dict[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    by_id = {s["id"]: s for s in compiled["services"]}
    for name in names:
        if name.strip() not in by_id:
            valid = ", ".join(by_id)
            hint = did_you_mean(name.strip(), list(by_id))
            raise RequestError(f"unknown service {shown(name.strip())}{hint}; valid services: {valid}", "service")
    wanted = services_of(compiled, [n.strip() for n in names])
    return [by_id[s] for s in wanted]


def _covering(types: list[dict[str, Any]], services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The types that have a policy for one of the services; none is an error."""
    ids = [s["id"] for s in services]
    covering = [t for t in types if any(p["service"] in ids for p in t["policies"])]
    if not covering:
        names = ", ".join(t["id"] for t in types)
        titles = " or the ".join(s["title"] for s in services)
        raise RequestError(f"{names}: no policy for the {titles}; see the type's page for why", "types")
    return covering


def answer(compiled: dict[str, Any], request: Request, deployed: Sequence[str] = ()) -> Answer:
    """`deployed`: variables that stay placeholders for a deployed stack to fill, whatever
    their defaults, unless the request sets them."""
    services = resolve_services(compiled, request.services)
    asked = resolve_types(compiled, request.types)
    types = _covering(asked, services)
    declared: dict[str, dict[str, Any]] = {}
    for db_type in types:
        declared.update(type_variables(compiled, db_type))
    variables = Variables(declared)
    by_option, given = variables.by_option, variables.values
    if request.role and request.user:
        raise RequestError("give --role or --user, not both", "user")

    variables.give_options(request.where())
    for name, text in request.variables.items():
        if name not in declared:
            message = f"--var {shown(name)}: no such variable for these types; known: {', '.join(sorted(declared))}"
            raise RequestError(message, "var")
        variables.give(name, text, "var", f"--var {name}")

    identity = None
    for option, value in (("role", request.role), ("user", request.user)):
        if value:
            identity = (option, _name_in(compiled, option, value, given, by_option))
            if option == "user":
                # No policy names the user, but CloudFormation's Users does: checked all the same.
                rule = declared.get(by_option.get("user", ""))
                if rule is None:
                    raise RequestError("--user: the catalog declares no rule for IAM user names", "user")
                check_value(rule, identity[1], "user", "--user")
            for service in services if option == "role" else ():
                check_value(declared.get(service["identity"]), identity[1], option, f"--{option}")
                given[service["identity"]] = identity[1]
    roles = [
        _name_in(compiled, "assumes-roles", r.strip(), given, by_option) for r in request.assumes_roles if r.strip()
    ]
    user_role = by_option.get("assumes-roles")
    values: dict[str, str | list[str]] = variables.values
    if roles and user_role is not None:
        for role in roles:
            check_value(declared[user_role], role, "assumes-roles", "--assumes-roles")
        values[user_role] = roles
    variables.defaults(deployed)
    ids = [s["id"] for s in services]
    without, scope_values = _tailoring(compiled, request, types, ids)
    values.update(scope_values)
    scoped = [name for name in request.scopes if request.scopes[name]]
    type_ids = [t["id"] for t in types]
    picked = picked_statements(
        compiled, type_ids, values, optional=request.optional, services=ids, without=without, scoped=scoped
    )
    # The database-user roles, not named: what is on them waits for --assumes-roles.
    held = [user_role] if user_role is not None and values.get(user_role) == placeholder(user_role) else []
    kept: list[Any] = []
    waiting: list[str] = []  # the variables whose statements were held back
    for found in picked:
        statement = held_back(found[5], held) if held else found[5]
        if statement is not found[5]:
            waiting = held
        if statement is not None:
            kept.append((*found[:5], statement))
    document = merged_picked(compiled, kept, ids)
    if not document["Statement"]:
        if waiting:
            message = f"{', '.join(type_ids)}: every statement is on the database-user roles: give --assumes-roles"
            raise RequestError(message, "assumes-roles")
        raise RequestError("--without leaves out every statement of these types: nothing is left to grant", "without")
    text = compact(document)
    left = set(placeholders(text))
    options = variables.options()
    options.update((s["identity"], "role") for s in services)
    covered = {t["id"] for t in types}
    skipped = [t["id"] for t in asked if t["id"] not in covered]
    unfilled = [n for n in declared if n in left]
    return Answer(
        types, document, unfilled, identity, options, services, skipped, len(text), kept, values, roles, waiting
    )


def how_to_fill(result: Answer, name: str) -> str:
    return option_hint(result.options, name)


def option_hint(options: Mapping[str, str], name: str) -> str:
    """The option that sets a variable, for a message: its own, or --var."""
    option = options.get(name)
    return f"--{option}" if option else f"--var {name}=..."


def left_out_policies(result: Answer) -> list[str]:
    """Optional policies of the types and services printed, as type/policy."""
    ids = [s["id"] for s in result.services]
    return [
        f"{t['id']}/{p['id']}" for t in result.types for p in t["policies"] if p["optional"] and p["service"] in ids
    ]


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
        size = compact_size(single)
        if size > limit:
            resources = statement.get("Resource", [])
            count = len(resources) if isinstance(resources, list) else 1
            raise RequestError(
                f"--split: statement {statement.get('Sid') or '(without a Sid)'} alone is {size} characters,"
                f" over the limit of {limit}: it names {count} resources; give fewer --scope or --assumes-roles"
                " values, or one value with * for several",
                "split",
            )
        parts.append(single)
    return parts
