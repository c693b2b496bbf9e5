"""Check every action and resource of a catalog against AWS's own list."""

from __future__ import annotations

from . import awsfacts
from .model import TRUST, Catalog, Policy
from .problems import Problems

_MAX_HINTS = 3


def _check_policy(path: str, policy: Policy, problems: Problems) -> None:
    for st in policy.statements:
        accepted: list[str] = []
        scoped: list[str] = []  # actions that could be limited to named resources
        hints: list[str] = []
        for action in st.actions:
            service, _ = awsfacts.split(action)
            if not awsfacts.service_exists(service):
                hint = awsfacts.suggest_service(service)
                problems.error(
                    path,
                    st.at("actions"),
                    f"unknown service prefix '{service}' in {action}" + (f" (did you mean '{hint}'?)" if hint else ""),
                )
                continue
            names = awsfacts.expand(action)
            if not names:
                hint = awsfacts.suggest_action(action)
                problems.error(
                    path,
                    st.at("actions"),
                    f"unknown action {action}" + (f" (did you mean {hint}?)" if hint else ""),
                )
                continue
            for name in names:
                info = awsfacts.facts(name)
                if info and info.arn_formats:
                    accepted.extend(info.arn_formats)
                    hints.extend(info.scope_formats)
                    scoped.append(action if len(names) > 1 else info.name)  # a wildcard as written
        if policy.attach == TRUST:
            continue
        formats = list(dict.fromkeys(accepted))
        unique_hints = list(dict.fromkeys(hints))
        shown = " or ".join(unique_hints[:_MAX_HINTS]) + (
            f" (and {len(unique_hints) - _MAX_HINTS} more)" if len(unique_hints) > _MAX_HINTS else ""
        )
        for resource in st.resources:
            if resource == "*":
                if scoped and st.sid:
                    problems.warning(
                        path,
                        st.at("resources"),
                        f'{st.sid}: Resource "*" on {", ".join(dict.fromkeys(scoped))}, which can be scoped to {shown}',
                    )
                continue
            if not formats:
                problems.error(
                    path,
                    st.at("resources"),
                    f'{", ".join(st.actions)} accepts no resource-level permissions: the resource must be "*"',
                )
            elif not any(awsfacts.arn_matches(resource, fmt) for fmt in formats):
                problems.error(
                    path,
                    st.at("resources"),
                    f"resource {resource} matches no ARN format that {', '.join(st.actions)} accepts "
                    f"(AWS documents: {', '.join(formats)})",
                )


def check_catalog(catalog: Catalog, problems: Problems) -> None:
    for step in catalog.shared.steps:
        _check_policy(catalog.shared.path, step.policy, problems)
    for db_type in catalog.types:
        for policy in db_type.policies:
            _check_policy(db_type.path, policy, problems)
        if db_type.database_user:
            for policy in db_type.database_user.policies:
                _check_policy(db_type.path, policy, problems)
