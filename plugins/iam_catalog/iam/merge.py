"""Merge the service policies of several types into one policy that grants exactly their union.

A grant is one (effect, action, resource, condition) tuple. Statements are taken in order; each
keeps only the grants no earlier statement gave, so a grant two types share appears once. Then
a grant that another grant of the same effect and with no condition covers (`rds:*` on `*`
covers `rds:DescribeDBInstances` on a named ARN) is dropped, the later of two that cover each
other. Nothing is widened: no wildcard is introduced and no resource is folded into another.

Works on the compiled catalog (plain data), so the CLI needs no model to merge.
"""

from __future__ import annotations

import json

from iam_catalog.iam.documents import as_list, document, fill_statement
from iam_catalog.iam.patterns import CoverIndex, covers, is_pattern
from iam_catalog.iam.tailor import tailor

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from typing import Any

    from iam_catalog.iam.documents import Values

    Grant = tuple[str, str, str, str]
    # Where a picked statement comes from: type id, policy id, index, service, rule; then itself.
    Picked = tuple[str, str, int, str, dict[str, Any], dict[str, Any]]


def grants(statement: dict[str, Any]) -> list[Grant]:
    # Most statements have no condition: skip the encoder for them (print-iam merges hundreds).
    condition = json.dumps(statement["Condition"], sort_keys=True) if "Condition" in statement else "{}"
    return [
        (statement["Effect"], action, resource, condition)
        for action in as_list(statement["Action"])
        for resource in as_list(statement.get("Resource", []))
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


def _covered(order: list[Grant]) -> set[int]:
    """Positions of the grants that another grant covers, the later of two that cover each other."""
    # Only an unconditioned grant with a wildcard resource can cover another one (exact repeats
    # are gone already). The index changes how many are tried, not which cover: the JS twin
    # tries them all.
    actions = [g[1].lower() for g in order]
    index = CoverIndex()
    for j, (effect, _, resource, condition) in enumerate(order):
        if condition == "{}" and is_pattern(resource):
            index.add(j, effect, actions[j], resource)

    def covering(h: int, g: int) -> bool:
        return order[h][0] == order[g][0] and covers(actions[h], actions[g]) and covers(order[h][2], order[g][2])

    dropped = set()
    for i, (effect, _, resource, _) in enumerate(order):
        for j in sorted(index.candidates(effect, actions[i], resource)):
            if j != i and covering(j, i) and (j < i or not covering(i, j)):
                dropped.add(i)
                break
    return dropped


def merge_statements(statements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[Grant] = set()
    kept: list[tuple[dict[str, Any], int, list[Grant]]] = []
    for statement in statements:
        own = grants(statement)
        remaining = [g for g in own if _key(g) not in seen]
        seen.update(map(_key, remaining))
        kept.append((statement, len(own), remaining))
    order = [g for _, _, remaining in kept for g in remaining]
    dropped = _covered(order)
    sids: set[str] = set()
    merged: list[dict[str, Any]] = []
    position = 0
    for statement, size, remaining in kept:
        left = remaining
        if dropped:
            left = [g for k, g in enumerate(remaining, start=position) if k not in dropped]
        position += len(remaining)
        if not left:
            continue
        parts = [statement] if len(left) == size else _regroup(statement, left)
        for i, part in enumerate(parts):
            sid = part.get("Sid")
            if sid:
                unique = sid if i == 0 else f"{sid}{i + 1}"
                while unique in sids:
                    unique += "X"
                sids.add(unique)
                if unique != sid:
                    part = {**part, "Sid": unique}
            merged.append(part)
    return merged


def type_variables(compiled: dict[str, Any], db_type: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {**compiled["variables"], **db_type["variables"]}


def services_of(compiled: dict[str, Any], wanted: Sequence[str] | None) -> list[str]:
    """The services asked for, in the catalog's order; the first service when none is."""
    ids = [s["id"] for s in compiled["services"]]
    return [s for s in ids if s in wanted] if wanted else ids[:1]


def _distinct_sids(compiled: dict[str, Any], picked: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Statements of several services, a Sid that an earlier service also uses taking the
    later service's prefix (validate checks that the prefixed Sid is free)."""
    rank = {s["id"]: i for i, s in enumerate(compiled["services"])}
    prefix = {s["id"]: s["sid_prefix"] for s in compiled["services"]}
    owner: dict[str, int] = {}
    for service, st in picked:
        if "Sid" in st:
            owner[st["Sid"]] = min(owner.get(st["Sid"], rank[service]), rank[service])
    return [
        {**st, "Sid": prefix[service] + st["Sid"]} if "Sid" in st and owner[st["Sid"]] < rank[service] else st
        for service, st in picked
    ]


def picked_statements(
    compiled: dict[str, Any],
    type_ids: Sequence[str],
    values: Values,
    *,
    optional: bool = False,
    services: Sequence[str] | None = None,
    without: Collection[str] = (),
    scoped: Collection[str] = (),
) -> list[Picked]:
    """Every statement of these types for these services, tailored and filled, in catalog
    order, each with where it comes from: (type id, policy id, index, service, rule, statement)."""
    chosen, wanted = set(type_ids), services_of(compiled, services)
    tailoring = bool(without or scoped)
    picked: list[Picked] = []
    for db_type in compiled["types"]:
        if db_type["id"] in chosen:
            defaults = {name: v["default"] for name, v in type_variables(compiled, db_type).items()}
            filled = {**defaults, **values}
            for policy in db_type["policies"]:
                if (optional or not policy["optional"]) and policy["service"] in wanted:
                    rules = zip(policy["statements"], policy["rules"], strict=True)
                    for index, (st, rule) in enumerate(rules):
                        tailored = tailor(st, rule, without, scoped) if tailoring and rule else st
                        if tailored is not None:
                            statement = fill_statement(tailored, filled)
                            picked.append((db_type["id"], policy["id"], index, policy["service"], rule, statement))
    return picked


def merged_document(
    compiled: dict[str, Any], type_ids: Sequence[str], values: Values, **options: Any
) -> dict[str, Any]:
    """One policy for the identity that runs these services, for these types, in catalog order,
    tailored by the reader's choices and scope variables: `options` are picked_statements'."""
    return merged_picked(compiled, picked_statements(compiled, type_ids, values, **options), options.get("services"))


def merged_picked(compiled: dict[str, Any], found: list[Picked], services: Sequence[str] | None) -> dict[str, Any]:
    """The one policy of picked statements: Sids made distinct across services, grants merged."""
    picked = [(service, statement) for _, _, _, service, _, statement in found]
    many = len(services_of(compiled, services)) > 1
    statements = _distinct_sids(compiled, picked) if many else [st for _, st in picked]
    return document(merge_statements(statements))
