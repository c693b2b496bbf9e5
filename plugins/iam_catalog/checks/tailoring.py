"""Rules for the catalog's tailoring: choices, scope variables, and the statements that use them.

Every choice and scope variable is declared once and used; a statement names only what its
type can see (the shared declarations and its own); what a choice leaves out is really in the
statement; a scope replaces `*` and nothing else, and always with a variable the reader fills.
The ARN formats of scope templates are checked with the resources, in checks/actions.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from iam_catalog.catalog.model import Catalog, Choice, Policy, ScopeVariable, Statement
from iam_catalog.catalog.problems import Problems, catalog_check, check
from iam_catalog.iam.documents import full_match, placeholders


def _declarations(catalog: Catalog) -> Iterator[tuple[str, tuple[Choice, ...], tuple[ScopeVariable, ...]]]:
    yield catalog.shared.path, catalog.shared.choices, catalog.shared.scopes
    for db_type in catalog.types:
        yield db_type.path, db_type.choices, db_type.scopes


@check("tailoring-declarations", "every choice and scope variable is declared once, with a valid pattern")
def _check_declarations(catalog: Catalog, problems: Problems) -> None:
    choices: dict[str, list[tuple[str, int]]] = {}
    scopes: dict[str, list[tuple[str, int]]] = {}
    for path, own_choices, own_scopes in _declarations(catalog):
        for choice in own_choices:
            choices.setdefault(choice.id, []).append((path, choice.line))
        for scope in own_scopes:
            scopes.setdefault(scope.name, []).append((path, scope.line))
            try:
                re.compile(scope.pattern)
            except re.error as exc:
                problems.error(path, scope.line, f"pattern of {scope.name} is not a regular expression: {exc}")
                continue
            if not full_match(scope.pattern, scope.example):
                message = f"example '{scope.example}' of {scope.name} does not match its pattern {scope.pattern}"
                problems.error(path, scope.line, message)
    problems.collisions(choices, "choice '{name}' is also declared at {others}")
    problems.collisions(scopes, "scope variable {name} is also declared at {others}")
    # print-iam fills every chosen type's placeholders from one set of values: a name that is a
    # variable in one type and a scope variable in another would get `*` where a value belongs.
    owners = [(catalog.shared.path, catalog.shared.variables)] + [(t.path, t.variables) for t in catalog.types]
    for path, _, own_scopes in _declarations(catalog):
        for scope in own_scopes:
            clashes = [PurePosixPath(p).name for p, variables in owners if any(v.name == scope.name for v in variables)]
            if clashes:
                message = f"scope variable {scope.name} has the name of a variable in {', '.join(clashes)}: rename one"
                problems.error(path, scope.line, message)


@check(
    "tailoring-statement",
    "a statement names only choices and scopes its type can see, and scope templates are ARNs its actions accept",
)
def _check_statement(
    path: str,
    policy: Policy,
    st: Statement,
    choices: Iterable[str],
    scopes: Iterable[str],
    variables: Iterable[str],
    problems: Problems,
) -> None:
    known_choices, known_scopes, known_variables = set(choices), set(scopes), set(variables)
    for choice in st.choices():
        if choice not in known_choices:
            listed = ", ".join(sorted(known_choices)) or "none"
            problems.error(path, st.line, f"choice '{choice}' is not declared here (declared: {listed})")
    actions = {a.lower() for a in st.actions}
    for choice, dropped in st.omit_actions:
        for action in dropped:
            if action.lower() not in actions:
                message = f"omit_actions: {action} is not an action of this statement"
                problems.error(path, st.at("omit_actions"), message)
        if actions <= {a.lower() for a in dropped}:
            message = f"omit_actions: '{choice}' leaves out every action: use omit_when"
            problems.error(path, st.at("omit_actions"), message)
    if not st.scope:
        return
    if not policy.kind.takes.resource or st.resources != ("*",):
        problems.error(path, st.at("scope"), 'scope narrows a statement whose only resource is "*"')
    for template in st.scope:
        names = placeholders(template)
        for name in names:
            if name not in known_scopes and name not in known_variables:
                message = f"placeholder ${{{name}}} in scope is neither a scope variable nor a variable"
                problems.error(path, st.at("scope"), message)
        if not any(name in known_scopes for name in names):
            message = f"scope template {template} has no scope variable: the reader could never fill it"
            problems.error(path, st.at("scope"), message)


@catalog_check()
@check("tailoring-use", "every declared choice and scope variable is used by some statement")
def check_tailoring(catalog: Catalog, problems: Problems) -> None:
    _check_declarations(catalog, problems)
    shared = catalog.shared
    shared_choices = [c.id for c in shared.choices]
    shared_scopes = [v.name for v in shared.scopes]
    used_choices: set[str] = set()
    used_scopes: set[str] = set()
    for step in shared.steps:
        for policy in step.policies():
            for st in policy.statements:
                names = [v.name for v in shared.variables]
                _check_statement(shared.path, policy, st, shared_choices, shared_scopes, names, problems)
    for db_type in catalog.types:
        choices, scopes = catalog.choices(db_type), catalog.scopes(db_type)
        variables = catalog.variables(db_type)
        for policy in db_type.own_policies():
            for st in policy.statements:
                _check_statement(db_type.path, policy, st, choices, scopes, variables, problems)
        used_choices.update(c.id for c in catalog.used_choices(db_type))
        used_scopes.update(v.name for v in catalog.used_scopes(db_type))
    for path, own_choices, own_scopes in _declarations(catalog):
        for choice in own_choices:
            if choice.id not in used_choices:
                problems.error(path, choice.line, f"choice '{choice.id}' is declared but no statement uses it")
        for scope in own_scopes:
            if scope.name not in used_scopes:
                problems.error(path, scope.line, f"scope variable {scope.name} is declared but no scope uses it")
