"""Tailoring: a reader leaves out what they go without, and narrows `*` to their own resources.

Each statement of the compiled catalog comes with a rule: the choices that leave it out
(`omit_when`), the actions a choice leaves out (`omit_actions`), and the ARN templates that
replace `*` (`scope`) once the reader gives a value for any of their scope variables. A
tailored statement never grants what the full one does not: it loses statements or actions, or
its `*` becomes named ARNs (tests/test_tailor.py holds it to that with the IAM engine and moto).
"""

from __future__ import annotations

from iam_catalog.iam.documents import as_list, one_or_many

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from typing import Any

    Rule = dict[str, Any]


def rule_choices(rule: Rule) -> list[str]:
    """The choices a rule reacts to."""
    return [*rule.get("omit_when", ()), *rule.get("omit_actions", {})]


def rule_scopes(rule: Rule) -> list[str]:
    """The scope variables of a rule's templates (the others are ordinary variables)."""
    return list(rule.get("scope_variables", ()))


def tailor(
    statement: dict[str, Any], rule: Rule, without: Collection[str], scoped: Collection[str]
) -> dict[str, Any] | None:
    """The statement as the reader wants it, or None when it goes entirely.

    `without` holds the choices the reader made; `scoped` the scope variables they gave a value.
    The templates stay unfilled: the caller's values fill them, `*` for a variable not given.
    """
    if any(choice in without for choice in rule.get("omit_when", ())):
        return None
    out = statement
    gone = {a.lower() for c, actions in rule.get("omit_actions", {}).items() if c in without for a in actions}
    if gone:
        actions = [a for a in as_list(statement["Action"]) if a.lower() not in gone]
        if not actions:
            return None
        out = {**out, "Action": one_or_many(actions)}
    templates = rule.get("scope")
    if templates and any(name in scoped for name in rule_scopes(rule)):
        out = {**out, "Resource": one_or_many(list(templates))}
    return out


def held_back(statement: dict[str, Any], held: Collection[str]) -> dict[str, Any] | None:
    """The statement without the resources that still name a placeholder of `held`, or None
    when it has no resource left. `held`: variables the reader did not give and that no policy
    may carry as a placeholder instead (the database-user roles, before --assumes-roles names
    them: Teleport's print-iam, too, grants `sts:AssumeRole` only on the roles it is given)."""
    marks = [f"${{{name}}}" for name in held]
    resources = as_list(statement.get("Resource", []))
    kept = [r for r in resources if not any(m in r for m in marks)]
    if len(kept) == len(resources):
        return statement
    return {**statement, "Resource": one_or_many(kept)} if kept else None


def used(rules: Iterable[Rule]) -> tuple[list[str], list[str]]:
    """The choices and the scope variables that a set of rules reacts to, first use first."""
    choices: dict[str, None] = {}
    scopes: dict[str, None] = {}
    for rule in rules:
        if rule:  # most statements always stay as they are: their rule is empty
            choices.update(dict.fromkeys(rule_choices(rule)))
            scopes.update(dict.fromkeys(rule_scopes(rule)))
    return list(choices), list(scopes)
