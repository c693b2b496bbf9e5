"""What a catalog change grants or takes away: by IAM's meaning, and by text.

Access is judged by the IAM-semantics engine (`iam.access`), policy by policy: a broadening is
a request that the new policy allows and the old one did not, shown as a witness (principal,
action, resource, conditions) with the statements that allow it; a narrowing is the reverse. A
rewrite that changes no request's outcome (a Sid renamed, statements split, merged or
reordered, letter case, duplicates) is no change in access. The text changes (statements
added, removed or edited, prose) are listed beside it for the reviewer, keyed by type, policy
and Sid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.catalog.model import Catalog, Change, DbType, Policy, Statement, StringMap, Variable
from iam_catalog.catalog.policy import statement_template
from iam_catalog.iam.access import Shown, Side, Undecidable, compare, iter_witnesses
from iam_catalog.iam.documents import document, fill_statement
from iam_catalog.iam.merge import grants

Grant = tuple[str, str, str]  # effect, action, resource
SHARED = "_shared"  # the assume-role steps every type with a database user shows


def _access_level(action: str) -> str:
    from iam_catalog.aws import facts as awsfacts  # AWS's data only when there is an action to describe

    return awsfacts.access_level(action) or ("wildcard" if len(awsfacts.expand(action)) > 1 else "")


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
class Declaration:
    """The change's own word that a broadening is meant: a `change:` marking that this change
    wrote or rewrote, with a reference to what needs it."""

    where: str  # path:line of the statement or type that carries it
    subject: str  # its Sid, or the type's id for a marking of the whole type
    note: str
    reference: str


@dataclass
class AccessChange:
    """One class of request whose outcome the change flips, with a concrete witness."""

    type: str
    policy: str
    direction: str  # broadening: allowed now, not before; narrowing: the reverse
    action: str
    resource: str | None  # None in a trust policy
    principal: str | None  # only in a trust policy
    conditions: dict[str, Shown]  # condition key: value (or values), or None when the request has none
    statements: list[str]  # that allow it: the new policy's for a broadening, the old one's else
    unproven: str | None = None  # why the engine cannot be sure, when it cannot
    identity: str = ""  # the role or policy whose access changes, as a reviewer names it
    defaults: str | None = None  # when only print-iam's default output shows it: which defaults
    declared: Declaration | None = None  # of a broadening: the marking that says it is meant
    declare_at: str | None = None  # of an undeclared broadening: where its marking belongs


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
    broadening: list[AccessChange]
    narrowing: list[AccessChange]

    @property
    def changed(self) -> bool:
        return bool(self.types)


def _key(st: Statement, index: int) -> str:
    return st.sid or f"#{index + 1}"


def _grants(st: Statement) -> list[Grant]:
    return [(e, a, r) for e, a, r, _ in grants(statement_template(st))]


def _json(pairs: StringMap | tuple[tuple[str, StringMap], ...]) -> str | None:
    """A principal or condition block as the JSON a reviewer reads in the policy."""
    if not pairs:
        return None
    return json.dumps({k: v if isinstance(v[0], str) else {kk: list(vv) for kk, vv in v} for k, v in pairs})


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
            ("principal", _json(old.principal), _json(new.principal)),
            ("conditions", _json(old.conditions), _json(new.conditions)),
            ("change", _marking(old.change), _marking(new.change)),
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


def _marking(change: Change | None) -> str | None:
    if change is None:
        return None
    return f"{change.kind}: {change.note}" + (f" ({change.reference})" if change.reference else "")


def _declaration(where: str, subject: str, old: Change | None, new: Change | None) -> Declaration | None:
    """A marking declares only when this change wrote or rewrote it, and says what needs it: an
    old marking cannot wave through a later broadening of the same statement."""
    if new is None or new.reference is None or new == old:
        return None
    return Declaration(where, subject, new.note, new.reference)


def _declare(
    changes: list[AccessChange],
    path: str,
    old: Identity | None,
    new: Identity | None,
    types: tuple[DbType | None, DbType | None] = (None, None),
) -> None:
    """Mark each broadening as declared by a statement that allows it (or by its type), or say
    where its declaration belongs."""
    before = old.statements if old else {}
    after = new.statements if new else {}
    old_type, new_type = types
    whole = (
        _declaration(
            f"{path}:{new_type.at('change')}", new_type.id, old_type.change if old_type else None, new_type.change
        )
        if new_type
        else None
    )
    for change in changes:
        if change.direction != "broadening":
            continue
        allowing = [(name, after[name]) for name in change.statements if name in after]
        found = (
            _declaration(f"{path}:{st.at('change')}", name, before[name].change if name in before else None, st.change)
            for name, st in allowing
        )
        change.declared = next((d for d in found if d), None) or whole
        if change.declared is None:  # at the first statement that allows it, or at its policy
            line = allowing[0][1].line if allowing else new.line if new else 0
            change.declare_at = f"{path}:{line}"


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


@dataclass
class Identity:
    """What one IAM identity (a service's role, the database user's role, a boundary, a trust
    policy) may do: every policy of a type that attaches to it, judged together, so a policy
    renamed or moved to another service is judged by what each role gains or loses."""

    label: str
    statements: dict[str, Statement]  # by Sid, or policy#n for a statement without one
    policies: dict[str, str]  # statement name: the policy that holds it
    line: int  # of its first policy: where an undeclared broadening's marking belongs

    def document(self, values: dict[str, str] | None = None) -> dict[str, Any]:
        templates = (_named(name, statement_template(st)) for name, st in self.statements.items())
        return document(fill_statement(t, values) if values else t for t in templates)


def _named(name: str, template: dict[str, Any]) -> dict[str, Any]:
    return template if "Sid" in template else {"Sid": name, **template}


def _identities(catalog: Catalog, policies: Iterable[Policy]) -> dict[str, Identity]:
    out: dict[str, Identity] = {}
    for policy in policies:
        key, label = catalog.identity_of(policy)
        identity = out.setdefault(key, Identity(label, {}, {}, policy.line))
        for i, st in enumerate(policy.statements):
            name = st.sid or f"{policy.id}#{i + 1}"
            identity.statements[name] = st
            identity.policies[name] = policy.id
    return out


def _defaults(catalog: Catalog, db_type: DbType | None) -> dict[str, str]:
    """The values print-iam fills in when the reader gives none (not the examples it leaves)."""
    variables = catalog.variables(db_type).values() if db_type else catalog.shared.variables
    return {v.name: v.default for v in variables if not v.example}


def _identity_access(
    type_id: str,
    key: str,
    old: Identity | None,
    new: Identity | None,
    defaults: tuple[dict[str, str], dict[str, str]],
) -> list[AccessChange]:
    """What one identity gains and loses: for every value a reader may give, and, when the
    change touches print-iam's defaults, for the policy print-iam prints without options."""
    label = (new or old).label  # type: ignore[union-attr]
    empty = document([])
    before, after = (old.document() if old else empty), (new.document() if new else empty)
    found = [] if before == after else policy_access(type_id, label, before, after)
    if defaults[0] != defaults[1]:
        printed = [i.document(d) if i else empty for i, d in zip((old, new), defaults, strict=True)]
        seen = {(c.direction, c.action) for c in found}
        changed = {n: v for n, v in defaults[1].items() if defaults[0].get(n) != v}
        why = "with print-iam's defaults: " + ", ".join(f"{n}={v}" for n, v in changed.items())
        for c in policy_access(type_id, label, *printed) if printed[0] != printed[1] else []:
            if (c.direction, c.action) not in seen:
                c.defaults = why
                found.append(c)
    for c in found:
        owner = old if c.direction == "narrowing" else new
        c.policy = next((owner.policies[s] for s in c.statements if owner and s in owner.policies), key)
    return found


def policy_access(type_id: str, identity: str, before: dict[str, Any], after: dict[str, Any]) -> list[AccessChange]:
    """Every change in what one identity's policy allows, each with a witness request."""
    from iam_catalog.aws import facts as awsfacts  # AWS's action list, only when comparing

    try:
        comparison = compare(Side.of(before), Side.of(after), awsfacts.expand)
    except Undecidable as exc:
        return [
            AccessChange(type_id, identity, "broadening", "*", None, None, {}, [], f"cannot compare: {exc}", identity)
        ]
    changes = []
    for direction, witness in iter_witnesses(comparison):
        w = witness.as_dict()
        changes.append(
            AccessChange(
                type_id,
                identity,
                direction,
                w["action"],
                w.get("resource"),
                w.get("principal"),
                w["conditions"],
                w["statements"],
                identity=identity,
            )
        )
    return changes


def verdict(changes: Iterable[AccessChange]) -> str:
    """broadening, cannot prove no new access, narrowing, or no change in access."""
    found = list(changes)
    wider = [c for c in found if c.direction == "broadening"]
    if wider:
        return "broadening" if any(c.unproven is None for c in wider) else "cannot prove no new access"
    return "narrowing" if found else "no change in access"


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
    access: list[AccessChange] = []
    for type_id in dict.fromkeys([*new_types, *old_types]):
        old, new = old_types.get(type_id), new_types.get(type_id)
        status = "added" if old is None else "removed" if new is None else "changed"
        title = (new or old).title  # type: ignore[union-attr]
        old_policies, new_policies = _own_policies(old), _own_policies(new)
        change = _compare(type_id, title, old_policies, new_policies, status)
        change.text = _type_text(old, new) if old and new else []
        if change.policies or change.text or status != "changed":
            types.append(change)
        old_ids = _identities(base, old_policies.values())
        new_ids = _identities(head, new_policies.values())
        defaults = (_defaults(base, old), _defaults(head, new))
        for key in dict.fromkeys([*new_ids, *old_ids]):
            before, after = old_ids.get(key), new_ids.get(key)
            found = _identity_access(type_id, key, before, after, defaults)
            _declare(found, (new or old).path, before, after, (old, new))  # type: ignore[union-attr]
            access.extend(found)
    shared_old = {p.id: p for p in base.shared.policies()}
    shared_new = {p.id: p for p in head.shared.policies()}
    shared = _compare(SHARED, "Shared assume-role steps and deploy section", shared_old, shared_new, "changed")
    shared.text = _text(
        [
            ("overview", base.shared.overview, head.shared.overview),
            ("assume-role intro", base.shared.assume_role_intro, head.shared.assume_role_intro),
            *_variables_text(base.shared.variables, head.shared.variables),
        ]
    )
    if shared.policies or shared.text:
        types.append(shared)
    old_ids, new_ids = _identities(base, shared_old.values()), _identities(head, shared_new.values())
    defaults = (_defaults(base, None), _defaults(head, None))
    for key in dict.fromkeys([*new_ids, *old_ids]):
        found = _identity_access(SHARED, key, old_ids.get(key), new_ids.get(key), defaults)
        _declare(found, head.shared.path, old_ids.get(key), new_ids.get(key))
        access.extend(found)
    broadening = [c for c in access if c.direction == "broadening"]
    narrowing = [c for c in access if c.direction == "narrowing"]
    return Report(base_name, head_name, types, broadening, narrowing)


def undeclared(broadening: Iterable[AccessChange]) -> list[AccessChange]:
    """The broadenings that no marking of the change declares: what the gate fails on."""
    return [c for c in broadening if c.declared is None]


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
        "unproven": sum(c.unproven is not None for c in report.broadening),
        "undeclared": len(undeclared(report.broadening)),
        "narrowing": len(report.narrowing),
    }


def access_levels(report: Report) -> dict[str, str]:
    statements = [s for t in report.types for p in t.policies for s in p.statements]
    actions = {c.action for c in (*report.broadening, *report.narrowing)}
    actions.update(a for s in statements for a in (*s.actions_added, *s.actions_removed))
    return action_levels(actions)


def action_levels(actions: Iterable[str]) -> dict[str, str]:
    return {a: _access_level(a) for a in sorted(set(actions))}
