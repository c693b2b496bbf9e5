"""Check every action and resource of a catalog against AWS's own list."""

from __future__ import annotations

from typing import Any

from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.model import Catalog, Policy, Statement
from iam_catalog.catalog.problems import Problems, catalog_check, check
from iam_catalog.catalog.schema import Lines, plain_statements

_MAX_HINTS = 3


def _unnarrowable(policy: Policy, st: Statement, scoped: list[str]) -> str | None:
    """Why the statement has no "*" that a policy could narrow to named resources; None when it
    has one, which then needs a `scope` or an `unscoped` reason."""
    if not policy.kind.takes.resource:
        return "a trust policy names no resources"
    if "*" not in st.resources:
        return 'the statement is not on "*"'
    if st.scope:
        return 'its scope already narrows the "*"'
    if not scoped:
        return f'AWS accepts only "*" for {", ".join(st.actions)}'
    return None


@check("actions", "every action is one AWS lists (with a suggestion for a misspelt one)", fallback=[])
def known_actions(path: str, line: int, action: str, problems: Problems) -> list[str]:
    """AWS's names for `action` (a wildcard may name several); none, after saying why."""
    service, _ = awsfacts.split(action)
    if not awsfacts.service_exists(service):
        hint = awsfacts.suggest_service(service)
        suggestion = f" (did you mean '{hint}'?)" if hint else ""
        problems.error(path, line, f"unknown service prefix '{service}' in {action}{suggestion}")
        return []
    names = awsfacts.expand(action)
    if not names:
        hint = awsfacts.suggest_action(action)
        problems.error(path, line, f"unknown action {action}" + (f" (did you mean {hint}?)" if hint else ""))
    return names


def check_actions_in(data: Any, lines: Lines, path: str, problems: Problems) -> None:
    """Check every well-formed `actions` value in schema-checked data, whatever else broke."""
    for ptr, statement in plain_statements(data):
        value = statement.get("actions")
        for action in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if isinstance(action, str):
                known_actions(path, lines.get((*ptr, "actions"), 1), action, problems)


@check(
    "resources",
    "every resource matches an ARN format that the statement's actions accept; a `*` that could be scoped"
    " has a scope or says why not",
)
def _check_policy(path: str, policy: Policy, problems: Problems) -> None:
    for st in policy.statements:
        accepted: list[str] = []
        scoped: list[str] = []  # actions that could be limited to named resources
        hints: list[str] = []
        unknown = False
        for action in st.actions:
            names = known_actions(path, st.at("actions"), action, problems)
            unknown = unknown or not names
            for name in names:
                info = awsfacts.facts(name)
                if info and info.arn_formats:
                    accepted.extend(info.arn_formats)
                    hints.extend(info.scope_formats)
                    scoped.append(action if len(names) > 1 else info.name)  # a wildcard as written
        if unknown:
            continue  # an unknown action is reported once; its resources cannot be checked
        unnarrowable = _unnarrowable(policy, st, scoped)
        if st.unscoped and unnarrowable:
            problems.error(path, st.at("unscoped"), f"unscoped explains nothing: {unnarrowable}; remove it")
        if not policy.kind.takes.resource:
            continue
        formats = list(dict.fromkeys(accepted))
        unique_hints = list(dict.fromkeys(hints))
        shown = " or ".join(unique_hints[:_MAX_HINTS]) + (
            f" (and {len(unique_hints) - _MAX_HINTS} more)" if len(unique_hints) > _MAX_HINTS else ""
        )
        for resource in (*st.resources, *st.scope):
            if resource == "*":
                if unnarrowable is None and st.sid and not st.unscoped:
                    problems.warning(
                        path,
                        st.at("resources"),
                        f'{st.sid}: Resource "*" on {", ".join(dict.fromkeys(scoped))}, which can be scoped to {shown}'
                        " (declare a scope, or say why not in unscoped)",
                    )
                continue
            if not formats:
                problems.error(
                    path,
                    st.at("scope" if resource in st.scope else "resources"),
                    f'{", ".join(st.actions)} accepts no resource-level permissions: the resource must be "*"',
                )
            elif not any(awsfacts.arn_matches(resource, fmt) for fmt in formats):
                problems.error(
                    path,
                    st.at("scope" if resource in st.scope else "resources"),
                    f"resource {resource} matches no ARN format that {', '.join(st.actions)} accepts "
                    f"(AWS documents: {', '.join(formats)})",
                )


@catalog_check()
def check_catalog(catalog: Catalog, problems: Problems) -> None:
    for policy in catalog.shared.policies():
        _check_policy(catalog.shared.path, policy, problems)
    for db_type in catalog.types:
        for policy in db_type.own_policies():
            _check_policy(db_type.path, policy, problems)
