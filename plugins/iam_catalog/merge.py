"""Merge the service policies of several types into one policy that grants exactly their union.

A grant is one (effect, action, resource, condition) tuple. Statements are taken in order; each
keeps only the grants no earlier statement gave, so a grant two types share appears once, and
nothing is widened: no wildcard is introduced and no resource is folded into another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .model import SERVICE, Catalog, DbType, Policy
from .policy import Values, document, statement_document

Grant = tuple[str, str, str, str]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def grants(statement: dict[str, Any]) -> list[Grant]:
    condition = json.dumps(statement.get("Condition", {}), sort_keys=True)
    return [
        (statement["Effect"], action, resource, condition)
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement.get("Resource", []))
    ]


def _key(grant: Grant) -> Grant:
    effect, action, resource, condition = grant
    return effect, action.lower(), resource, condition  # IAM ignores the case of action names


def _regroup(statement: dict[str, Any], remaining: list[Grant]) -> list[dict[str, Any]]:
    """Statements that grant exactly `remaining`, keeping the original's shape where it can."""
    by_action: dict[str, list[str]] = {}
    for _, action, resource, _ in remaining:
        by_action.setdefault(action, []).append(resource)
    by_resources: dict[tuple[str, ...], list[str]] = {}
    for action, resources in by_action.items():
        by_resources.setdefault(tuple(resources), []).append(action)
    out = []
    for targets, actions in by_resources.items():
        part = {k: v for k, v in statement.items() if k not in ("Action", "Resource")}
        part["Action"] = actions[0] if len(actions) == 1 else actions
        part["Resource"] = targets[0] if len(targets) == 1 else list(targets)
        out.append({k: part[k] for k in statement if k in part})
    return out


def merge_statements(statements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[Grant] = set()
    sids: set[str] = set()
    merged: list[dict[str, Any]] = []
    for statement in statements:
        own = grants(statement)
        remaining = [g for g in own if _key(g) not in seen]
        seen.update(_key(g) for g in own)
        if not remaining:
            continue
        parts = [statement] if len(remaining) == len(own) else _regroup(statement, remaining)
        for i, part in enumerate(parts):
            sid = part.get("Sid")
            if sid:
                unique = sid if i == 0 else f"{sid}{i + 1}"
                while unique in sids:
                    unique += "X"
                sids.add(unique)
                part = {**part, "Sid": unique}
            merged.append(part)
    return merged


def service_policies(db_type: DbType, *, optional: bool) -> list[Policy]:
    return [p for p in db_type.policies if p.attach == SERVICE and (optional or not p.optional)]


def merged_document(
    catalog: Catalog,
    types: Sequence[DbType],
    values: Values,
    *,
    optional: bool = False,
) -> dict[str, Any]:
    """One policy for the Database Service's identity, for these types, in catalog order."""
    chosen = {t.id for t in types}
    statements = (
        statement_document(st, {**catalog.defaults(t), **values})
        for t in catalog.types
        if t.id in chosen
        for policy in service_policies(t, optional=optional)
        for st in policy.statements
    )
    return document(merge_statements(statements))
