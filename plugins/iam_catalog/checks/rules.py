"""Rules a catalog must keep beyond its schema: IAM grammar, uniqueness, safe prose."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from iam_catalog.catalog import prose
from iam_catalog.catalog.kinds import READER, TRUST
from iam_catalog.catalog.model import (
    USER_OPTION,
    Catalog,
    Choice,
    DbType,
    Policy,
    ScopeVariable,
    Statement,
    Variable,
)
from iam_catalog.catalog.problems import Problems, catalog_check, check
from iam_catalog.iam.documents import full_match, placeholders
from iam_catalog.iam.patterns import CoverIndex, covers


def _statements(policies: Iterable[Policy]) -> Iterator[tuple[Policy, Statement]]:
    for policy in policies:
        for st in policy.statements:
            yield policy, st


def _statement_texts(st: Statement) -> Iterator[str]:
    yield from st.actions
    yield from st.resources
    for _, values in st.principal:
        yield from values
    for _, pairs in st.conditions:
        for key, values in pairs:
            yield key
            yield from values


def _undeclared(texts: Iterable[str], declared: set[str], used: set[str]) -> list[str]:
    """Placeholders in `texts` that are not declared; every one seen is added to `used`."""
    names = [name for text in texts for name in placeholders(text)]
    used.update(names)
    return [name for name in names if name not in declared]


@check(
    "statement-shape",
    "each statement has what its kind of policy needs: resources or a principal, a purpose with a Sid",
)
def _check_policy_shape(path: str, policy: Policy, problems: Problems) -> None:
    for st in policy.statements:
        takes = policy.kind.takes  # IAM's grammar: what this kind of document needs and refuses
        if takes.principal and not st.principal:
            problems.error(path, st.line, "a trust policy statement needs a principal")
        if not takes.resource and st.resources:
            problems.error(path, st.at("resources"), "a trust policy statement takes no resources")
        if not takes.principal and st.principal:
            problems.error(path, st.at("principal"), "principal is allowed only in trust policies")
        if takes.resource and not st.resources:
            problems.error(path, st.line, "statement is missing required key 'resources'")
        if st.sid and not st.purpose:
            problems.error(path, st.at("sid"), f"statement {st.sid} needs a purpose: say why it is needed")
        if st.purpose and not st.sid:
            problems.error(path, st.at("purpose"), "a statement with a purpose needs a sid to name it in the table")
        if st.change and not st.sid:
            problems.error(path, st.at("change"), "a statement with a change needs a sid to name it in the list")
        for key, items in (("actions", st.actions), ("resources", st.resources)):
            repeated = sorted({x for x in items if items.count(x) > 1})
            if repeated:
                problems.warning(path, st.at(key), f"{key} lists {', '.join(repeated)} more than once")


def _covers_all(wide: Statement, narrow: Statement) -> bool:
    """Whether `wide` allows (or denies) every action on every resource that `narrow` names."""
    if wide.effect != narrow.effect or wide.conditions:
        return False
    pairs = [(w.lower(), r) for w in wide.actions for r in wide.resources]
    return all(
        any(covers(a, action.lower()) and covers(r, resource) for a, r in pairs)
        for action in narrow.actions
        for resource in narrow.resources
    )


@check("covered-statement", "no statement grants only what another statement of its policy grants")
def _check_covered(path: str, policy: Policy, problems: Problems) -> None:
    if not policy.kind.takes.resource:
        return
    statements = policy.statements
    names = [st.sid or f"statement {i + 1}" for i, st in enumerate(statements)]
    # Only a statement without conditions covers another; indexed by its grants, a statement
    # meets only those that could cover its first grant (linear in practice, not quadratic).
    index = CoverIndex()
    for j, wide in enumerate(statements):
        if not wide.conditions:
            for action in wide.actions:
                for resource in wide.resources:
                    index.add(j, wide.effect, action.lower(), resource)
    for i, narrow in enumerate(statements):
        if not narrow.actions or not narrow.resources:
            continue
        first = index.candidates(narrow.effect, narrow.actions[0].lower(), narrow.resources[0])
        for j in sorted(set(first)):
            wide = statements[j]
            # Of two that cover each other, the later one is the one to remove.
            if i != j and _covers_all(wide, narrow) and (j < i or not _covers_all(narrow, wide)):
                message = f"{names[i]} grants nothing that {names[j]} does not: remove it, or narrow {names[j]}"
                problems.warning(path, narrow.line, message)
                break


@check("prose", "catalog prose keeps to the declared Markdown subset, and names only declared placeholders")
def _check_prose(
    path: str,
    line: int,
    text: str | None,
    declared: set[str] | None,
    problems: Problems,
    *,
    pages: frozenset[str],
    inline: bool = False,
) -> None:
    """Prose in the Markdown subset of `catalog/prose.py`, the rule the pages are rendered by;
    `inline`: one paragraph, in a table cell or a label."""
    if not text:
        return
    for message in dict.fromkeys(prose.problems(text, pages=pages, inline=inline)):
        problems.error(path, line, message)
    if declared is None:
        return
    for name in placeholders(text):
        if name not in declared:
            problems.error(path, line, f"placeholder ${{{name}}} is not a declared variable")


def _check_labels(path: str, choices: Iterable[Choice], scopes: Iterable[ScopeVariable], problems: Problems) -> None:
    """Choices and scope variables, shown as one line of prose on the pages and in the builder."""
    for choice in choices:
        for text in (choice.label, choice.when):
            _check_prose(path, choice.line, text, None, problems, pages=frozenset(), inline=True)
    for scope in scopes:
        _check_prose(path, scope.line, scope.label, None, problems, pages=frozenset(), inline=True)


@check("type", "a type's file: its id is its file name, its variables and placeholders are declared and used")
def _check_type(catalog: Catalog, db_type: DbType, problems: Problems) -> None:
    path = db_type.path
    stem = _name(path).removesuffix(".yaml")
    if stem != db_type.id:
        problems.error(path, db_type.at("id"), f"id '{db_type.id}' must equal the file name '{stem}'")
    shared_names = {v.name for v in catalog.shared.variables}
    for var in db_type.variables:
        if var.name in shared_names:
            problems.error(path, var.line, f"variable {var.name} is already declared in {catalog.shared.path}")
    declared = set(catalog.variables(db_type))
    used: set[str] = set()
    seen_ids: dict[str, int] = {}
    for policy in db_type.all_policies(catalog.shared):
        if policy.id in seen_ids:
            problems.error(path, policy.at("id"), f"policy id '{policy.id}' is used twice in this type")
        seen_ids.setdefault(policy.id, policy.line)
    pages = prose.pages_of(t.id for t in catalog.types)
    for policy in db_type.own_policies():
        _check_policy_shape(path, policy, problems)
        _check_covered(path, policy, problems)
        _check_prose(path, policy.at("title"), policy.title, declared, problems, pages=pages, inline=True)
        for field in ("intro", "notes"):
            _check_prose(path, policy.at(field), getattr(policy, field), declared, problems, pages=pages)
        for st in policy.statements:
            for field in ("purpose", "unscoped"):
                _check_prose(path, st.at(field), getattr(st, field), declared, problems, pages=pages, inline=True)
            note = st.change.note if st.change else None
            _check_prose(path, st.at("change"), note, declared, problems, pages=pages, inline=True)
            for name in _undeclared(_statement_texts(st), declared, used):
                problems.error(path, st.line, f"placeholder ${{{name}}} is not a declared variable")
            used.update(name for template in st.scope for name in placeholders(template))  # checked in tailoring
    _check_prose(path, db_type.at("summary"), db_type.summary, declared, problems, pages=pages, inline=True)
    _check_prose(path, db_type.at("intro"), db_type.intro, declared, problems, pages=pages)
    for _, note in db_type.unsupported:
        _check_prose(path, db_type.at("unsupported"), note, declared, problems, pages=pages)
    _check_services(catalog, db_type, problems)
    note = db_type.change.note if db_type.change else None
    _check_prose(path, db_type.at("change"), note, declared, problems, pages=pages, inline=True)
    _check_labels(path, db_type.choices, db_type.scopes, problems)
    user = db_type.database_user
    if user:
        _check_prose(path, user.at("intro"), user.intro, declared, problems, pages=pages)
        for step in db_type.steps(catalog.shared):
            texts = (
                step.title,
                step.intro or "",
                step.notes or "",
                *(a.intro or "" for a in step.alternatives),
                *(t for p in step.policies() for st in p.statements for t in _statement_texts(st)),
            )
            for name in _undeclared(texts, declared, used):
                message = f"the shared assume-role steps use ${{{name}}}: declare it in variables"
                problems.error(path, user.at("assume_role"), message)
    for var in db_type.variables:
        if var.name not in used:
            problems.warning(path, var.line, f"variable {var.name} is declared but not used")


@check(
    "deploy",
    "the deploy section: its trust and read policies use declared variables and attach as trust and reader, the"
    " database-user trust policies it names are the assume-role steps' and use its external-ID variable",
)
def _check_deploy(catalog: Catalog, problems: Problems) -> None:
    shared, deploy = catalog.shared, catalog.shared.deploy
    if deploy is None:
        return
    path = shared.path
    shared_names = {v.name for v in shared.variables}
    for var in deploy.variables:
        if var.name in shared_names:
            problems.error(path, var.line, f"variable {var.name} is already declared in variables")
    declared = shared_names | {v.name for v in deploy.variables}
    if deploy.read_policy_roles not in declared:
        message = f"read_policy_roles: {deploy.read_policy_roles} is not a declared variable"
        problems.error(path, deploy.at("read_policy_roles"), message)
    for name, _ in deploy.from_deployment:
        if name not in declared:
            problems.error(path, deploy.at("from_deployment"), f"from_deployment: {name} is not a declared variable")
    used: set[str] = set()
    for choice in deploy.trust:
        _check_prose(path, choice.line, choice.label, None, problems, pages=frozenset(), inline=True)
        if choice.policy.attach != TRUST:
            message = f"trust {choice.id}: the role's trust policy is attach: trust"
            problems.error(path, choice.policy.at("attach"), message)
    if deploy.read_policy.attach != READER:
        message = "read_policy: the policy that check --aws needs is attach: reader"
        problems.error(path, deploy.read_policy.at("attach"), message)
    for policy in (deploy.read_policy, *(t.policy for t in deploy.trust)):
        _check_policy_shape(path, policy, problems)
        for st in policy.statements:
            for field in ("purpose", "unscoped"):
                text = getattr(st, field)
                _check_prose(path, st.at(field), text, declared, problems, pages=frozenset(), inline=True)
            for name in _undeclared(_statement_texts(st), declared, used):
                problems.error(path, st.line, f"placeholder ${{{name}}} is not a declared variable")
    for var in deploy.variables:
        if var.name not in used:
            problems.warning(path, var.line, f"variable {var.name} is declared but not used")
    steps = {p.id: p for step in shared.steps for p in step.policies() if not p.kind.takes.resource}
    at = deploy.at("database_user_trust")
    for policy_id in (deploy.user_trust, deploy.user_trust_external_id):
        if policy_id not in steps:
            problems.error(path, at, f"database_user_trust: {policy_id} is not a trust policy of the assume-role steps")
    variable = deploy.external_id_variable
    if variable not in shared_names:
        problems.error(path, at, f"database_user_trust: {variable} is not a shared variable")
    elif deploy.user_trust_external_id in steps:
        texts = (t for st in steps[deploy.user_trust_external_id].statements for t in _statement_texts(st))
        if variable not in {n for t in texts for n in placeholders(t)}:
            message = f"database_user_trust: {deploy.user_trust_external_id} does not use ${{{variable}}}"
            problems.error(path, at, message)


@check(
    "variables",
    "every variable has one rule (a pattern or choices) that its default keeps, and one option sets one variable",
)
def _check_variables(catalog: Catalog, problems: Problems) -> None:
    # One option sets one variable, whichever types a reader chooses.
    setters: dict[str, str] = {}
    deploy = catalog.shared.deploy.variables if catalog.shared.deploy else ()
    for owner_path, variables in [(catalog.shared.path, (*catalog.shared.variables, *deploy))] + [
        (t.path, t.variables) for t in catalog.types
    ]:
        for var in variables:
            if var.option and setters.setdefault(var.option, var.name) != var.name:
                message = f"option {var.option} already sets variable {setters[var.option]}, not {var.name}"
                problems.error(owner_path, var.line, message)
            _check_value_rule(owner_path, var, problems)
    if USER_OPTION not in setters:
        message = f"no variable has option: {USER_OPTION}, the rule print-iam --user checks an IAM user's name by"
        problems.error(catalog.shared.path, catalog.shared.at("variables"), message)


# What an example default, which print-iam never prints, may be: it names what goes there.
_EXAMPLE_DEFAULT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def _check_value_rule(path: str, var: Variable, problems: Problems) -> None:
    """Every value a reader gives is checked against the variable's pattern or choices, and so
    is a default that print-iam prints; an example default is a plain word."""
    if var.pattern is None and not var.choices:
        message = f"variable {var.name} needs a pattern (or choices): every value given for it is checked against one"
        problems.error(path, var.line, message)
        return
    if var.pattern is not None:
        try:
            re.compile(var.pattern)
        except re.error as exc:
            problems.error(path, var.line, f"pattern of {var.name} is not a regular expression: {exc}")
            return
    if var.example:
        if not _EXAMPLE_DEFAULT.fullmatch(var.default):
            message = f"the example default of {var.name} must be a plain word (letters, digits, '.', '_', '-')"
            problems.error(path, var.line, message)
    elif not (var.default in var.choices if var.choices else full_match(var.pattern or "", var.default)):
        problems.error(path, var.line, f"the default of {var.name} does not match its own pattern or choices")


@check("names", "type ids and aliases are unique across the catalog")
def _check_unique_names(catalog: Catalog, problems: Problems) -> None:
    # Ids first: an alias is the later, optional name, so a clash is reported on the alias.
    owners: dict[str, DbType] = {}
    ids: dict[str, list[tuple[str, int]]] = {}
    for db_type in catalog.types:
        ids.setdefault(db_type.id, []).append((db_type.path, db_type.at("id")))
        owners.setdefault(db_type.id, db_type)
    problems.collisions(ids, "id '{name}' is also the id of the type at {others}")
    aliases: dict[str, list[tuple[str, int]]] = {}
    for db_type in catalog.types:
        here = (db_type.path, db_type.at("aliases"))
        for alias in db_type.aliases:
            owner = owners.get(alias)
            if owner is db_type or here in aliases.get(alias, []):
                problems.error(*here, f"alias '{alias}' repeats a name of this type")
            elif owner is not None:
                problems.error(*here, f"alias '{alias}' is the id of type '{owner.id}'")
            aliases.setdefault(alias, []).append(here)
    # Neither file is more right than the other: both are told.
    places = {alias: list(dict.fromkeys(where)) for alias, where in aliases.items()}
    problems.collisions(places, "alias '{name}' is also an alias of the type at {others}")
    _check_sids(catalog, problems)


@check("sids", "Sids are unique within a service, prefixed Sids included")
def _check_sids(catalog: Catalog, problems: Problems) -> None:
    """Sids are unique within a service. One Sid may name statements of two services; in a policy
    that merges both, the later service's statement takes its `sid_prefix`, which must then be
    unique too (docs/adding-a-database-type.md)."""
    services = [s.id for s in catalog.shared.services]
    prefix = {s.id: s.sid_prefix for s in catalog.shared.services}
    defined: dict[str, dict[str, list[tuple[str, int]]]] = {}  # scope: sid: every place
    for db_type in catalog.types:
        for policy, st in _statements(db_type.own_policies()):
            if st.sid:
                scope = catalog.service_of(policy) if policy.kind.merged else ""
                defined.setdefault(scope, {}).setdefault(st.sid, []).append((db_type.path, st.at("sid")))
    for scope, sids in defined.items():
        what = f" by the {scope} service" if scope else " outside the services' policies"
        problems.collisions(sids, f"sid {{name}} is also defined{what} at {{others}}: sids are unique")
    every = dict.fromkeys(sid for sids in defined.values() for sid in sids)
    for sid in every:
        shared_by = [s for s in services if sid in defined.get(s, {})]  # an unknown service: reported apart
        for scope in shared_by[1:]:
            prefixed = prefix[scope] + sid
            if prefixed in every:
                path, line = defined[scope][sid][0]
                message = (
                    f"sid {sid} is also a {shared_by[0]} sid, and {prefixed}, its name when both are merged, is taken"
                )
                problems.error(path, line, message)


@check("services", "every type has a policy for each service, or says why not")
def _check_services(catalog: Catalog, db_type: DbType, problems: Problems) -> None:
    known = {s.id: s for s in catalog.shared.services}
    covered: set[str] = set()
    for policy in db_type.policies:
        if policy.service is not None and not policy.kind.merged:
            problems.error(db_type.path, policy.at("service"), "only a policy attached to a service names its service")
        elif policy.service is not None and policy.service not in known:
            message = f"service '{policy.service}' is not one of {', '.join(known)} (see {_name(catalog.shared.path)})"
            problems.error(db_type.path, policy.at("service"), message)
        elif policy.kind.merged:
            covered.add(catalog.service_of(policy))
    unsupported = dict(db_type.unsupported)
    for service_id in unsupported:
        if service_id not in known:
            message = f"unsupported names service '{service_id}', which is not one of {', '.join(known)}"
            problems.error(db_type.path, db_type.at("unsupported"), message)
        elif service_id in covered:
            message = f"the {known[service_id].title} has a policy here: it is not unsupported"
            problems.error(db_type.path, db_type.at("unsupported"), message)
    for service in catalog.shared.services:
        if service.id not in covered and service.id not in unsupported:
            message = f"no policy for the {service.title}: add one, or say why under unsupported: {service.id}"
            problems.error(db_type.path, db_type.at("policies"), message)


def _name(path: str) -> str:
    return PurePosixPath(path).name


@catalog_check()
@check("rules", "the shared file's own rules: each service's identity is a shared variable")
def check_catalog(catalog: Catalog, problems: Problems) -> None:
    shared = catalog.shared
    pages = prose.pages_of(t.id for t in catalog.types)
    for step in shared.steps:
        # Placeholders of the steps are checked for each type that shows them (`_check_type`).
        for policy in step.policies():
            _check_policy_shape(shared.path, policy, problems)
        _check_prose(shared.path, step.line, step.title, None, problems, pages=pages, inline=True)
        for text in (step.intro, step.notes, *(a.intro for a in step.alternatives)):
            _check_prose(shared.path, step.line, text, None, problems, pages=pages)
    _check_prose(shared.path, shared.at("overview"), shared.overview, None, problems, pages=pages)
    _check_prose(shared.path, shared.at("assume_role"), shared.assume_role_intro, None, problems, pages=pages)
    for service in shared.services:
        _check_prose(shared.path, service.line, service.summary, None, problems, pages=pages, inline=True)
    _check_labels(shared.path, shared.choices, shared.scopes, problems)
    names = {v.name for v in shared.variables}
    for service in shared.services:
        if service.identity not in names:
            problems.error(shared.path, service.line, f"identity {service.identity} is not a shared variable")
    _check_variables(catalog, problems)
    _check_deploy(catalog, problems)
    _check_unique_names(catalog, problems)
    for db_type in catalog.types:
        _check_type(catalog, db_type, problems)
