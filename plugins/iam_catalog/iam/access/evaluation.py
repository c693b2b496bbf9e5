"""One request against a policy's statements: which statements match it, and so whether the
policy allows it (some Allow matches and no Deny does).

A request is known by its principal (trust policies), action, resource and condition context.
The matching statements are returned themselves, so that a reader (explain, check) shows the
very statements that decided, with what they say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from iam_catalog.iam import conditions as ops
from iam_catalog.iam.access.automata import matches, text_of
from iam_catalog.iam.access.principals import Principal, principal_matches
from iam_catalog.iam.patterns import wildcard_regex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from iam_catalog.iam.access.model import Condition, Statement

    Symbol = str | object

Shown = str | list[str] | None  # a condition key's value in a witness: one, a set, or none


@dataclass(frozen=True)
class Request:
    principal: Principal | None
    action: str  # AWS's spelling
    resource: tuple[Symbol, ...] | None
    context: tuple[tuple[str, ops.Context], ...]  # condition key as spelled: its value(s), or None

    def conditions(self) -> dict[str, Shown]:
        def shown(value: ops.Context) -> Shown:
            if value is None:
                return None
            if isinstance(value, ops.ValueSet):
                return [text_of(v) for v in value]
            return text_of(value)

        return {k: shown(v) for k, v in sorted(self.context, key=lambda kv: kv[0].lower())}


@lru_cache(maxsize=8192)
def _action_pattern(pattern: str) -> re.Pattern[str]:
    """An action pattern (lower case) as a regular expression: `*` any run, `?` one character."""
    return re.compile(wildcard_regex(pattern), re.DOTALL)


def _scope(pattern: str) -> str | None:
    """Which actions an action pattern (lower case) can name: None, a name and no pattern; else
    its service's, or every service's ("") where its service part has a wildcard."""
    if "*" not in pattern and "?" not in pattern:
        return None
    service, colon, _ = pattern.partition(":")
    return "" if not colon or "*" in service or "?" in service else service


@lru_cache(maxsize=4096)
def _action_matcher(actions: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a statement's actions (lower case) name an action: names looked up, patterns
    tried only for the action's own service (or where the service part has a wildcard), one
    expression per service, since AWS's managed policies name thousands of actions."""
    exact: set[str] = set()
    by_service: dict[str, list[str]] = {}
    for pattern in actions:
        scope = _scope(pattern)
        if scope is None:
            exact.add(pattern)
        else:
            by_service.setdefault(scope, []).append(_action_pattern(pattern).pattern)
    joined = {k: re.compile("|".join(f"(?:{p})" for p in v), re.DOTALL) for k, v in by_service.items()}
    anywhere = joined.pop("", None)

    def hit(low: str) -> bool:
        if low in exact:
            return True
        mine = joined.get(low.partition(":")[0])
        return (mine is not None and mine.fullmatch(low) is not None) or (
            anywhere is not None and anywhere.fullmatch(low) is not None
        )

    return hit


def action_hit(st: Statement, action: str) -> bool:
    return _action_matcher(st.actions)(action.lower()) != st.not_action


def action_classes(stmts: Sequence[Statement], universe: Sequence[str]) -> dict[tuple[bool, ...], list[str]]:
    """The actions of `universe` by which of the statements name them, in the universe's order.

    Worked out pattern by pattern, each tried only on its own service's actions (or on all,
    where the service part has a wildcard), rather than statement by statement for each action:
    AWS's managed policies name thousands of actions in dozens of statements."""
    lower = [name.lower() for name in universe]
    by_service: dict[str, list[str]] = {}
    for low in lower:
        by_service.setdefault(low.partition(":")[0], []).append(low)
    present = set(lower)
    masks = dict.fromkeys(lower, 0)
    for i, st in enumerate(stmts):
        named: set[str] = set()
        for pattern in st.actions:
            scope = _scope(pattern)
            if scope is None:
                named.update((pattern,) if pattern in present else ())
                continue
            rx = _action_pattern(pattern)
            named.update(low for low in (by_service.get(scope, []) if scope else lower) if rx.fullmatch(low))
        for low in present - named if st.not_action else named:
            masks[low] |= 1 << i
    classes: dict[int, list[str]] = {}
    for name, low in zip(universe, lower, strict=True):
        classes.setdefault(masks[low], []).append(name)
    return {tuple(bool(mask >> i & 1) for i in range(len(stmts))): names for mask, names in classes.items()}


def outside_conditions(st: Statement, request: Request) -> bool:
    """Whether the statement matches the request's principal and resource (its action aside)."""
    if request.principal is not None and not principal_matches(st, request.principal):
        return False
    resource = request.resource
    if st.resources is None or resource is None:
        return True
    return any(matches(p, resource) for p in st.resources) != st.not_resource


def condition_holds(condition: Condition, context: dict[str, ops.Context]) -> bool:
    return ops.holds(condition.parsed, condition.values, context.get(condition.key), matches)


def _applies(st: Statement, request: Request, context: dict[str, ops.Context]) -> bool:
    return (
        action_hit(st, request.action)
        and outside_conditions(st, request)
        and all(condition_holds(c, context) for c in st.conditions)
    )


@dataclass(frozen=True)
class Decision:
    """What a policy's statements do to one request: the Allows and the Denies that match it."""

    allows: tuple[Statement, ...]
    denies: tuple[Statement, ...]

    @property
    def allowed(self) -> bool:
        return bool(self.allows) and not self.denies


def evaluate(stmts: Sequence[Statement], request: Request) -> Decision:
    context = {k.lower(): v for k, v in request.context}
    applying = [st for st in stmts if _applies(st, request, context)]
    return Decision(
        tuple(st for st in applying if st.effect != "Deny"), tuple(st for st in applying if st.effect == "Deny")
    )


def allowed_by(stmts: Sequence[Statement], request: Request) -> list[str]:
    """The Allow statements that let `request` through, or none when a Deny stops it."""
    decision = evaluate(stmts, request)
    return [st.name for st in decision.allows] if decision.allowed else []


def denied_by(stmts: Sequence[Statement], request: Request) -> list[str]:
    """The Deny statements that match `request`: an explicit deny, which no Allow lifts."""
    return [st.name for st in evaluate(stmts, request).denies]


def naming(stmts: Sequence[Statement], action: str, resource: str | None) -> list[Statement]:
    """The statements that name `action` on `resource` (None: whatever resource), their
    conditions aside: what a request known only by its action and resource may meet."""
    request = Request(None, action, None if resource is None else tuple(resource), ())
    return [st for st in stmts if action_hit(st, action) and outside_conditions(st, request)]
