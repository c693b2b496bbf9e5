"""The catalog as typed, immutable data. Built only from data that passed the schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iam_catalog.catalog.kinds import KINDS, Kind
from iam_catalog.catalog.schema import Lines, Pointer
from iam_catalog.iam.documents import placeholders

Strings = tuple[str, ...]
KeyLines = tuple[tuple[str, int], ...]
StringMap = tuple[tuple[str, Strings], ...]

# The option of the variable whose rule checks `print-iam --user`: no policy names the user.
USER_OPTION = "user"


class Located:
    """Knows the line of each of its keys, so a problem with one value points at it."""

    line: int
    key_lines: KeyLines

    def at(self, key: str) -> int:
        return dict(self.key_lines).get(key, self.line)


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    description: str
    pattern: str | None
    choices: Strings
    example: bool  # the default only illustrates; print-iam leaves it as a placeholder
    hint: str | None
    label: str | None
    option: str | None  # the print-iam option that sets it
    line: int


@dataclass(frozen=True)
class Choice:
    """Something a reader can go without; statements name it in `omit_when` or `omit_actions`."""

    id: str
    label: str
    when: str
    line: int


@dataclass(frozen=True)
class ScopeVariable:
    """A variable of a statement's `scope` templates, which the reader fills to narrow `*`."""

    name: str
    label: str
    description: str
    pattern: str
    hint: str
    example: str
    line: int


@dataclass(frozen=True)
class Change:
    """How a type or statement differs from the original reference; once written or rewritten
    in a change that broadens, with a reference, the declaration that the broadening is meant."""

    kind: str  # added or changed
    note: str
    reference: str | None  # the Teleport version, pull request or AWS page that needs it


@dataclass(frozen=True)
class Statement(Located):
    sid: str | None
    effect: str
    principal: StringMap
    actions: Strings
    resources: Strings
    conditions: tuple[tuple[str, StringMap], ...]
    purpose: str | None
    change: Change | None
    omit_when: Strings  # choices that leave the statement out
    omit_actions: StringMap  # choice: the actions it leaves out
    scope: Strings  # ARN templates that replace "*" once the reader gives a scope value
    unscoped: str | None  # why a statement on "*" that AWS would let us narrow stays on "*"
    line: int
    key_lines: KeyLines

    def choices(self) -> Strings:
        return (*self.omit_when, *(choice for choice, _ in self.omit_actions))


@dataclass(frozen=True)
class Policy(Located):
    id: str
    attach: str
    service: str | None  # of a `service` policy: which service's identity; None for the default
    optional: bool
    title: str | None
    intro: str | None
    notes: str | None
    statements: tuple[Statement, ...]
    line: int
    key_lines: KeyLines

    @property
    def kind(self) -> Kind:
        """What its `attach:` means (`catalog.kinds`); the schema allows no other value."""
        return KINDS[self.attach]


@dataclass(frozen=True)
class Alternative:
    tab: str
    intro: str | None
    policy: Policy


@dataclass(frozen=True)
class Step:
    title: str
    intro: str | None
    policy: Policy
    tab: str | None
    alternatives: tuple[Alternative, ...]
    notes: str | None
    line: int

    def policies(self) -> tuple[Policy, ...]:
        return (self.policy, *(a.policy for a in self.alternatives))


@dataclass(frozen=True)
class DatabaseUser(Located):
    title: str
    intro: str | None
    policies: tuple[Policy, ...]
    assume_role: bool
    line: int
    key_lines: KeyLines


@dataclass(frozen=True)
class DbType(Located):
    id: str
    title: str
    aliases: Strings
    summary: str
    intro: str | None
    change: Change | None
    unsupported: tuple[tuple[str, str], ...]  # (service id, why it has no policy for this type)
    variables: tuple[Variable, ...]
    choices: tuple[Choice, ...]  # its own; the shared ones are the catalog's
    scopes: tuple[ScopeVariable, ...]
    policies: tuple[Policy, ...]
    database_user: DatabaseUser | None
    path: str
    line: int
    key_lines: KeyLines

    def steps(self, shared: Shared) -> tuple[Step, ...]:
        """The shared assume-role steps, when this type's database user is an assumed role."""
        return shared.steps if self.database_user and self.database_user.assume_role else ()

    def own_policies(self) -> tuple[Policy, ...]:
        """The policies this type's file writes: its own, then its database user's."""
        return (*self.policies, *(self.database_user.policies if self.database_user else ()))

    def all_policies(self, shared: Shared) -> Iterator[Policy]:
        """Every policy of the type's page, in page order: its own, then the shared steps'."""
        yield from self.own_policies()
        for step in self.steps(shared):
            yield from step.policies()


@dataclass(frozen=True)
class Service:
    id: str
    title: str
    summary: str
    identity: str  # the variable naming the service's IAM role
    sid_prefix: str
    line: int


@dataclass(frozen=True)
class TrustChoice:
    """Who may assume a service's role in a deployed stack: `stack --trust ID`."""

    id: str
    label: str
    instance_profile: bool  # the stack adds an instance profile for the role
    policy: Policy  # the role's trust policy
    line: int


@dataclass(frozen=True)
class Deploy(Located):
    """What a stack needs beyond the policies (`iam-catalog stack`)."""

    from_deployment: tuple[tuple[str, str], ...]  # variable: the deployment's fact that fills it
    variables: tuple[Variable, ...]  # of the trust and read policies; stack's options set some
    read_policy: Policy  # what check --aws itself calls
    read_policy_roles: str  # its variable for each role that check --aws reads
    trust: tuple[TrustChoice, ...]  # the first is the default
    user_trust: str  # a trust policy's id in the assume-role steps
    user_trust_external_id: str  # the one with an external ID
    external_id_variable: str
    line: int
    key_lines: KeyLines


@dataclass(frozen=True)
class Shared(Located):
    services: tuple[Service, ...]  # the first is the default
    variables: tuple[Variable, ...]
    choices: tuple[Choice, ...]
    scopes: tuple[ScopeVariable, ...]
    overview: str
    assume_role_intro: str
    steps: tuple[Step, ...]
    deploy: Deploy | None
    path: str
    line: int
    key_lines: KeyLines

    def policies(self) -> tuple[Policy, ...]:
        """Every policy of the shared file: the assume-role steps', then the deploy section's."""
        deploy = (self.deploy.read_policy, *(t.policy for t in self.deploy.trust)) if self.deploy else ()
        return (*(p for step in self.steps for p in step.policies()), *deploy)


@dataclass(frozen=True)
class Catalog:
    shared: Shared
    types: tuple[DbType, ...]  # sorted by title, the order readers scan

    def variables(self, db_type: DbType) -> dict[str, Variable]:
        return {v.name: v for v in (*self.shared.variables, *db_type.variables)}

    def choices(self, db_type: DbType) -> dict[str, Choice]:
        """The choices a type's statements may name: the shared ones and its own."""
        return {c.id: c for c in (*self.shared.choices, *db_type.choices)}

    def scopes(self, db_type: DbType) -> dict[str, ScopeVariable]:
        return {v.name: v for v in (*self.shared.scopes, *db_type.scopes)}

    def used_choices(self, db_type: DbType) -> list[Choice]:
        """The choices that change something in the type's policies, in declaration order."""
        declared = self.choices(db_type)
        used = {c for p in db_type.all_policies(self.shared) for st in p.statements for c in st.choices()}
        return [c for c in declared.values() if c.id in used]

    def used_scopes(self, db_type: DbType) -> list[ScopeVariable]:
        declared = self.scopes(db_type)
        used = {
            name
            for p in db_type.all_policies(self.shared)
            for st in p.statements
            for template in st.scope
            for name in placeholders(template)
        }
        return [v for v in declared.values() if v.name in used]

    def defaults(self, db_type: DbType) -> dict[str, str]:
        return {name: v.default for name, v in self.variables(db_type).items()}

    def tailoring_services(self, db_type: DbType) -> dict[str, list[str]]:
        """For each choice (by id) and scope variable (by name) that the type's service policies
        react to, the services whose policies do, in the shared file's order: a choice of the
        Discovery Service's policy changes nothing in the Database Service's. Choice ids are
        lowercase and scope names capitalised (the schema), so one table holds both."""
        scopes = self.scopes(db_type)
        found: dict[str, set[str]] = {}
        for policy in db_type.policies:
            if not policy.kind.merged:
                continue
            for st in policy.statements:
                filled = (n for template in st.scope for n in placeholders(template) if n in scopes)
                names = (*st.choices(), *filled)
                for name in names:
                    found.setdefault(name, set()).add(self.service_of(policy))
        order = [s.id for s in self.shared.services]
        return {name: [s for s in order if s in services] for name, services in found.items()}

    def identity_of(self, policy: Policy) -> tuple[str, str]:
        """The IAM identity a policy attaches to: a key that the policies of one identity share,
        and how a reader names it. A service's policies go to that service's role, a database
        user's to its role; a boundary and each trust policy stand on their own."""
        kind = policy.kind
        service = self.service_of(policy) if kind.merged else ""
        title = next((s.title for s in self.shared.services if s.id == service), "")
        return kind.identity.format(service=service, policy=policy.id), kind.label.format(
            service=title, policy=policy.id
        )

    def service_of(self, policy: Policy) -> str:
        """The service whose identity a `service` policy attaches to."""
        return policy.service or self.shared.services[0].id

    def find(self, name: str) -> DbType | None:
        for db_type in self.types:
            if name == db_type.id or name in db_type.aliases:
                return db_type
        return None


# --- construction from schema-checked plain data -------------------------------------------


def _key_lines(data: dict[str, Any], lines: Lines, ptr: Pointer) -> KeyLines:
    return tuple((k, lines[(*ptr, k)]) for k in data)


def _strings(value: str | list[str] | None) -> Strings:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _string_map(value: dict[str, Any] | None) -> StringMap:
    return tuple((k, _strings(v)) for k, v in (value or {}).items())


def _variables(data: dict[str, Any] | None, lines: Lines, ptr: Pointer) -> tuple[Variable, ...]:
    return tuple(
        Variable(
            name=name,
            default=v["default"],
            description=v["description"],
            pattern=v.get("pattern"),
            choices=tuple(v.get("choices", ())),
            example=v.get("example", True),
            hint=v.get("hint"),
            label=v.get("label"),
            option=v.get("option"),
            line=lines[(*ptr, name)],
        )
        for name, v in (data or {}).items()
    )


def _choices(data: dict[str, Any] | None, lines: Lines, ptr: Pointer) -> tuple[Choice, ...]:
    return tuple(Choice(key, c["label"], c["when"], lines[(*ptr, key)]) for key, c in (data or {}).items())


def _scopes(data: dict[str, Any] | None, lines: Lines, ptr: Pointer) -> tuple[ScopeVariable, ...]:
    return tuple(
        ScopeVariable(name, v["label"], v["description"], v["pattern"], v["hint"], v["example"], lines[(*ptr, name)])
        for name, v in (data or {}).items()
    )


def _change(data: dict[str, str] | None) -> Change | None:
    return Change(data["kind"], data["note"], data.get("reference")) if data else None


def _statement(data: dict[str, Any], lines: Lines, ptr: Pointer) -> Statement:
    return Statement(
        sid=data.get("sid"),
        effect=data.get("effect", "Allow"),
        principal=_string_map(data.get("principal")),
        actions=_strings(data["actions"]),
        resources=_strings(data.get("resources")),
        conditions=tuple((op, _string_map(m)) for op, m in data.get("conditions", {}).items()),
        purpose=data.get("purpose"),
        change=_change(data.get("change")),
        omit_when=tuple(data.get("omit_when", ())),
        omit_actions=_string_map(data.get("omit_actions")),
        scope=_strings(data.get("scope")),
        unscoped=data.get("unscoped"),
        line=lines[ptr],
        key_lines=_key_lines(data, lines, ptr),
    )


def _policy(data: dict[str, Any], lines: Lines, ptr: Pointer) -> Policy:
    return Policy(
        id=data["id"],
        attach=data["attach"],
        service=data.get("service"),
        optional=data.get("optional", False),
        title=data.get("title"),
        intro=data.get("intro"),
        notes=data.get("notes"),
        statements=tuple(_statement(s, lines, (*ptr, "statements", i)) for i, s in enumerate(data["statements"])),
        line=lines[ptr],
        key_lines=_key_lines(data, lines, ptr),
    )


def _policies(data: list[dict[str, Any]] | None, lines: Lines, ptr: Pointer) -> tuple[Policy, ...]:
    return tuple(_policy(p, lines, (*ptr, i)) for i, p in enumerate(data or []))


def db_type_from_data(data: dict[str, Any], lines: Lines, path: str) -> DbType:
    user = data.get("database_user")
    return DbType(
        id=data["id"],
        title=data["title"],
        aliases=tuple(data.get("aliases", [])),
        summary=data["summary"],
        intro=data.get("intro"),
        change=_change(data.get("change")),
        unsupported=tuple(data.get("unsupported", {}).items()),
        variables=_variables(data.get("variables"), lines, ("variables",)),
        choices=_choices(data.get("choices"), lines, ("choices",)),
        scopes=_scopes(data.get("scopes"), lines, ("scopes",)),
        policies=_policies(data["policies"], lines, ("policies",)),
        database_user=None
        if user is None
        else DatabaseUser(
            title=user["title"],
            intro=user.get("intro"),
            policies=_policies(user.get("policies"), lines, ("database_user", "policies")),
            assume_role=user.get("assume_role", False),
            line=lines[("database_user",)],
            key_lines=_key_lines(user, lines, ("database_user",)),
        ),
        path=path,
        line=lines[()],
        key_lines=_key_lines(data, lines, ()),
    )


def _deploy(data: dict[str, Any], lines: Lines) -> Deploy:
    ptr = ("deploy",)
    user_trust = data["database_user_trust"]
    return Deploy(
        from_deployment=tuple(data["from_deployment"].items()),
        variables=_variables(data.get("variables"), lines, (*ptr, "variables")),
        read_policy=_policy(data["read_policy"], lines, (*ptr, "read_policy")),
        read_policy_roles=data["read_policy_roles"],
        trust=tuple(
            TrustChoice(
                id=name,
                label=t["label"],
                instance_profile=t.get("instance_profile", False),
                policy=_policy(t["policy"], lines, (*ptr, "trust", name, "policy")),
                line=lines[(*ptr, "trust", name)],
            )
            for name, t in data["trust"].items()
        ),
        user_trust=user_trust["default"],
        user_trust_external_id=user_trust["external_id"],
        external_id_variable=user_trust["external_id_variable"],
        line=lines[ptr],
        key_lines=_key_lines(data, lines, ptr),
    )


def shared_from_data(data: dict[str, Any], lines: Lines, path: str) -> Shared:
    steps = data["assume_role"]["steps"]
    return Shared(
        services=tuple(
            Service(name, s["title"], s["summary"], s["identity"], s["sid_prefix"], lines[("services", name)])
            for name, s in data["services"].items()
        ),
        variables=_variables(data["variables"], lines, ("variables",)),
        choices=_choices(data.get("choices"), lines, ("choices",)),
        scopes=_scopes(data.get("scopes"), lines, ("scopes",)),
        overview=data["overview"],
        assume_role_intro=data["assume_role"]["intro"],
        steps=tuple(
            Step(
                title=s["title"],
                intro=s.get("intro"),
                policy=_policy(s["policy"], lines, ("assume_role", "steps", i, "policy")),
                tab=s.get("tab"),
                alternatives=tuple(
                    Alternative(
                        tab=a["tab"],
                        intro=a.get("intro"),
                        policy=_policy(a["policy"], lines, ("assume_role", "steps", i, "alternatives", j, "policy")),
                    )
                    for j, a in enumerate(s.get("alternatives", []))
                ),
                notes=s.get("notes"),
                line=lines[("assume_role", "steps", i)],
            )
            for i, s in enumerate(steps)
        ),
        deploy=_deploy(data["deploy"], lines) if "deploy" in data else None,
        path=path,
        line=lines[()],
        key_lines=_key_lines(data, lines, ()),
    )
