"""What a catalog change grants or takes away, keyed by type, policy and Sid, action by action.

A modified statement is one statement with its added and removed actions and resources, not a
removed and an added one. Broadening is judged on grants, (effect, action, resource) tuples per
policy, so moving an action between two statements of a policy is not mistaken for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.catalog.model import Catalog, DbType, Policy, Statement, Variable
from iam_catalog.catalog.policy import statement_template
from iam_catalog.iam.merge import grants

Grant = tuple[str, str, str]  # effect, action, resource
SHARED = "_shared"  # the assume-role steps every type with a database user shows


def _access_level(action: str) -> str:
    from iam_catalog.aws import facts as awsfacts  # AWS's data only when there is an action to describe

    info = awsfacts.facts(action)
    if info is None:
        names = awsfacts.expand(action)
        return "wildcard" if len(names) > 1 else ""
    return info.access_level


@dataclass
class TextChange:
    field: str
    before: str | None
    after: str | None


@dataclass
class StatementChange:
    sid: str
    status: str  # added, removed, changed, renamed
    renamed_from: str | None = None
    actions_added: list[str] = field(default_factory=list)
    actions_removed: list[str] = field(default_factory=list)
    resources_added: list[str] = field(default_factory=list)
    resources_removed: list[str] = field(default_factory=list)
    text: list[TextChange] = field(default_factory=list)


@dataclass
class PolicyChange:
    id: str
    status: str
    statements: list[StatementChange] = field(default_factory=list)
    text: list[TextChange] = field(default_factory=list)


@dataclass
class Broadening:
    type: str
    policy: str
    sid: str
    action: str
    resource: str
    reason: str  # new type, new grant, widened to *


@dataclass
class TypeChange:
    id: str
    title: str
    status: str
    policies: list[PolicyChange] = field(default_factory=list)
    text: list[TextChange] = field(default_factory=list)


@dataclass
class Report:
    base: str
    head: str
    types: list[TypeChange]
    broadening: list[Broadening]

    @property
    def changed(self) -> bool:
        return bool(self.types)


def _key(st: Statement, index: int) -> str:
    return st.sid or f"#{index + 1}"


def _grants(st: Statement) -> list[Grant]:
    return [(e, a, r) for e, a, r, _ in grants(statement_template(st))]


def _text(fields: Iterable[tuple[str, str | None, str | None]]) -> list[TextChange]:
    return [TextChange(name, before, after) for name, before, after in fields if before != after]


def _added(before: Iterable[str], after: Iterable[str]) -> list[str]:
    old = set(before)
    return [x for x in dict.fromkeys(after) if x not in old]


def _statement_change(sid: str, old: Statement, new: Statement) -> StatementChange | None:
    text = _text(
        [
            ("effect", old.effect, new.effect),
            ("purpose", old.purpose, new.purpose),
            ("principal", repr(old.principal), repr(new.principal)),
            ("conditions", repr(old.conditions), repr(new.conditions)),
        ]
    )
    change = StatementChange(
        sid=sid,
        status="changed",
        actions_added=_added(old.actions, new.actions),
        actions_removed=_added(new.actions, old.actions),
        resources_added=_added(old.resources, new.resources),
        resources_removed=_added(new.resources, old.resources),
        text=text,
    )
    touched = change.actions_added or change.actions_removed or change.resources_added or change.resources_removed
    return change if touched or text else None


def _whole(sid: str, st: Statement, status: str) -> StatementChange:
    change = StatementChange(sid=sid, status=status)
    if status == "added":
        change.actions_added, change.resources_added = list(st.actions), list(st.resources)
    else:
        change.actions_removed, change.resources_removed = list(st.actions), list(st.resources)
    return change


def _policy_statements(old: Policy | None, new: Policy | None) -> list[StatementChange]:
    before = {_key(st, i): st for i, st in enumerate(old.statements if old else ())}
    after = {_key(st, i): st for i, st in enumerate(new.statements if new else ())}
    removed = {k: st for k, st in before.items() if k not in after}
    changes: list[StatementChange] = []
    for key, st in after.items():
        if key in before:
            change = _statement_change(key, before[key], st)
            if change:
                changes.append(change)
            continue
        # A Sid that only changed its name grants the same: say so instead of remove + add.
        twin = next((k for k, o in removed.items() if sorted(_grants(o)) == sorted(_grants(st))), None)
        if twin is not None:
            del removed[twin]
            renamed = _statement_change(key, before[twin], st) or StatementChange(key, "renamed")
            renamed.status, renamed.renamed_from = "renamed", twin
            changes.append(renamed)
        else:
            changes.append(_whole(key, st, "added"))
    changes.extend(_whole(key, st, "removed") for key, st in removed.items())
    return changes


def _broadening(type_id: str, old: Policy | None, new: Policy, reason_new: str) -> Iterator[Broadening]:
    before = {g for st in (old.statements if old else ()) for g in _grants(st)}
    before_allow = {(a.lower(), r) for e, a, r in before if e == "Allow"}
    for i, st in enumerate(new.statements):
        for grant in _grants(st):
            effect, action, resource = grant
            if effect != "Allow" or (action.lower(), resource) in before_allow:
                continue
            widened = resource == "*" and any(a.lower() == action.lower() for a, _ in before_allow)
            reason = reason_new if old is None else "widened to *" if widened else "new grant"
            yield Broadening(type_id, new.id, _key(st, i), action, resource, reason)
    # Taking away a Deny lets through what it stopped.
    after = {g for st in new.statements for g in _grants(st)}
    for i, st in enumerate(old.statements if old else ()):
        for grant in _grants(st):
            if grant[0] == "Deny" and grant not in after:
                yield Broadening(type_id, new.id, _key(st, i), grant[1], grant[2], "deny removed")


def _own_policies(db_type: DbType | None) -> dict[str, Policy]:
    return {p.id: p for p in db_type.own_policies()} if db_type else {}


def _variables_text(old: Iterable[Variable], new: Iterable[Variable]) -> list[tuple[str, str | None, str | None]]:
    before, after = {v.name: v.default for v in old}, {v.name: v.default for v in new}
    return [(f"variable {n}", before.get(n), after.get(n)) for n in sorted({*before, *after})]


def _type_text(old: DbType, new: DbType) -> list[TextChange]:
    """Prose and defaults that changed; an added or removed type shows its grants instead."""
    fields: list[tuple[str, str | None, str | None]] = [
        ("title", old.title, new.title),
        ("summary", old.summary, new.summary),
        ("intro", old.intro, new.intro),
        ("aliases", ", ".join(old.aliases), ", ".join(new.aliases)),
        *_variables_text(old.variables, new.variables),
    ]
    intros = [t.database_user.intro if t.database_user else None for t in (old, new)]
    fields.append(("database user intro", intros[0], intros[1]))
    return _text(fields)


def _compare(type_id: str, title: str, old: dict[str, Policy], new: dict[str, Policy], status: str) -> TypeChange:
    change = TypeChange(type_id, title, status)
    for policy_id in dict.fromkeys([*new, *old]):
        before, after = old.get(policy_id), new.get(policy_id)
        statements = _policy_statements(before, after)
        text = (
            _text(
                [
                    ("intro", before.intro, after.intro),
                    ("notes", before.notes, after.notes),
                    ("attach", before.attach, after.attach),
                    ("optional", str(before.optional).lower(), str(after.optional).lower()),
                ]
            )
            if before and after
            else []
        )
        if statements or text:
            policy_status = "added" if before is None else "removed" if after is None else "changed"
            change.policies.append(PolicyChange(policy_id, policy_status, statements, text))
    return change


def diff(base: Catalog, head: Catalog, base_name: str, head_name: str) -> Report:
    old_types = {t.id: t for t in base.types}
    new_types = {t.id: t for t in head.types}
    types: list[TypeChange] = []
    broadening: list[Broadening] = []
    for type_id in dict.fromkeys([*new_types, *old_types]):
        old, new = old_types.get(type_id), new_types.get(type_id)
        status = "added" if old is None else "removed" if new is None else "changed"
        title = (new or old).title  # type: ignore[union-attr]
        old_policies, new_policies = _own_policies(old), _own_policies(new)
        change = _compare(type_id, title, old_policies, new_policies, status)
        change.text = _type_text(old, new) if old and new else []
        if change.policies or change.text or status != "changed":
            types.append(change)
        for policy_id, policy in new_policies.items():
            reason = "new type" if old is None else "new policy"
            broadening.extend(_broadening(type_id, old_policies.get(policy_id), policy, reason))
    shared_old = {p.id: p for s in base.shared.steps for p in s.policies()}
    shared_new = {p.id: p for s in head.shared.steps for p in s.policies()}
    shared = _compare(SHARED, "Shared assume-role steps", shared_old, shared_new, "changed")
    shared.text = _text(
        [
            ("overview", base.shared.overview, head.shared.overview),
            ("assume-role intro", base.shared.assume_role_intro, head.shared.assume_role_intro),
            *_variables_text(base.shared.variables, head.shared.variables),
        ]
    )
    if shared.policies or shared.text:
        types.append(shared)
    for policy_id, policy in shared_new.items():
        broadening.extend(_broadening(SHARED, shared_old.get(policy_id), policy, "new policy"))
    return Report(base_name, head_name, types, broadening)


def summary(report: Report) -> dict[str, Any]:
    statements = [s for t in report.types for p in t.policies for s in p.statements]
    return {
        "types_added": sum(t.status == "added" for t in report.types),
        "types_removed": sum(t.status == "removed" for t in report.types),
        "types_changed": sum(t.status == "changed" for t in report.types),
        "statements_added": sum(s.status == "added" for s in statements),
        "statements_removed": sum(s.status == "removed" for s in statements),
        "statements_changed": sum(s.status in ("changed", "renamed") for s in statements),
        "actions_added": sum(len(s.actions_added) for s in statements),
        "actions_removed": sum(len(s.actions_removed) for s in statements),
        "resources_added": sum(len(s.resources_added) for s in statements),
        "resources_removed": sum(len(s.resources_removed) for s in statements),
        "text_changed": sum(
            len(t.text) + sum(len(p.text) + sum(len(s.text) for s in p.statements) for p in t.policies)
            for t in report.types
        ),
        "broadening": len(report.broadening),
    }


def access_levels(report: Report) -> dict[str, str]:
    statements = [s for t in report.types for p in t.policies for s in p.statements]
    actions = {b.action for b in report.broadening}
    actions.update(a for s in statements for a in (*s.actions_added, *s.actions_removed))
    return {a: _access_level(a) for a in sorted(actions)}
