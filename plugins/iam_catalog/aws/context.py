"""What AWS says about each statement, for the reader: access levels, descriptions, scoping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.model import Catalog, Choice, DbType, Policy, Statement


@dataclass(frozen=True)
class ActionNote:
    action: str
    access_level: str
    description: str


@dataclass(frozen=True)
class ScopeHint:
    sid: str
    actions: tuple[str, ...]
    formats: tuple[str, ...]


def action_notes(st: Statement) -> list[ActionNote]:
    notes = []
    for action in st.actions:
        names = awsfacts.expand(action)
        facts = awsfacts.facts(names[0]) if len(names) == 1 else None
        if facts:
            notes.append(ActionNote(action, facts.access_level, facts.description))
        else:
            notes.append(ActionNote(action, "", f"matches {len(names)} actions"))
    return notes


def scope_hint(st: Statement) -> ScopeHint | None:
    """For a statement on "*" that declares no scope of its own: the ARN formats AWS documents
    for scoping its actions."""
    if "*" not in st.resources or not st.sid or st.scope:
        return None
    scoped: list[str] = []
    formats: list[str] = []
    for action in st.actions:
        for name in awsfacts.expand(action):
            facts = awsfacts.facts(name)
            if facts and facts.scope_formats:
                scoped.append(action)
                formats.extend(facts.scope_formats)
    if not formats:
        return None
    return ScopeHint(st.sid, tuple(dict.fromkeys(scoped)), tuple(dict.fromkeys(formats)))


# AWS's access levels, in the order its Service Authorization Reference lists them.
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
# The levels that change something in the account: a reviewer reads these first.
CHANGING = ("Write", "Permissions management")


def access_counts(statements: Iterable[Statement]) -> dict[str, int]:
    """How many distinct actions the Allow statements grant at each access level. AWS files
    some actions under two levels (`rds-db:connect` is Permissions management and Write): such
    an action counts in both."""
    names: dict[str, set[str]] = {level: set() for level in ACCESS_LEVELS}
    for st in statements:
        if st.effect != "Allow":
            continue
        for action in st.actions:
            for name in awsfacts.expand(action):
                facts = awsfacts.facts(name)
                for level in facts.access_level.split(", ") if facts else ():
                    names.setdefault(level, set()).add(name.lower())
    return {level: len(found) for level, found in names.items()}


@dataclass(frozen=True)
class ActionUse:
    """One statement that grants an action: where it is, who attaches it, and what leaves it out."""

    type: DbType | None  # None: a shared assume-role step's policy
    policy: Policy
    statement: Statement
    owner: str  # the service whose role it is for, or the kind of policy
    service: str | None  # the service's id, for a service's policy
    choices: tuple[Choice, ...]  # each leaves the action out
    position: int = 0  # the statement's place in its policy, from 0: two may be alike


@dataclass(frozen=True)
class ActionEntry:
    name: str  # AWS's spelling
    access_level: str
    description: str
    uses: tuple[ActionUse, ...]


def action_index(catalog: Catalog) -> list[ActionEntry]:
    """Every action the catalog's Allow statements grant (a wildcard as the actions AWS lists
    for it), with AWS's facts and each statement that grants it, by name."""
    found: dict[str, list[ActionUse]] = {}
    shared = [(None, p) for step in catalog.shared.steps for p in step.policies()]
    for db_type, policy in [*((t, p) for t in catalog.types for p in t.own_policies()), *shared]:
        choices = catalog.choices(db_type) if db_type else {c.id: c for c in catalog.shared.choices}
        owner = catalog.identity_of(policy)[1]
        service = catalog.service_of(policy) if policy.kind.merged else None
        for position, st in enumerate(policy.statements):
            if st.effect != "Allow":
                continue
            for written in st.actions:
                leaving = [*st.omit_when, *(c for c, gone in st.omit_actions if written in gone)]
                left_out = tuple(choices[c] for c in leaving if c in choices)
                use = ActionUse(db_type, policy, st, owner, service, left_out, position)
                for name in awsfacts.expand(written) or [written]:
                    found.setdefault(name, []).append(use)
    out = []
    for name in sorted(found, key=str.lower):
        facts = awsfacts.facts(name)
        level, description = (facts.access_level, facts.description) if facts else ("", "")
        out.append(ActionEntry(name, level, description, tuple(found[name])))
    return out
