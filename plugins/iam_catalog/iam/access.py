"""What a policy allows, compared exactly: does B allow any request that A does not?

Two policies of one kind (identity, trust or boundary) are evaluated on a finite set of
requests that stands for every request AWS could make: each dimension is cut into classes on
which every statement of both policies behaves alike, and one representative of each class is
tried.

- Actions: the concrete actions the policies name, wildcards expanded against AWS's list
  (given by the caller, so this module needs no data). IAM ignores the case of action names.
  Actions that the same statements name behave alike and are worked out once.
- Resources and text-like condition values: the Boolean combinations ("atoms") of every
  pattern in the two policies, each found with a representative string by walking the
  patterns' automata together. `*` and `?` may stand anywhere. A placeholder such as
  `${Account}`, or an IAM policy variable such as `${aws:username}`, is one unknown value, the
  same on both sides: only `*` or the same placeholder matches it.
- Principals (trust policies): every identity named (an account ID is its `:root`), another
  identity in each account named (an account's root trusts all of them), an identity in
  another account, each service named, another service, and anyone.
- Conditions: every operator of `iam.conditions`' table. A key takes no value, one value
  from each class its conditions tell apart, or (for a key under `ForAllValues:` or
  `ForAnyValue:`) a set of such values; keys whose values lead to the same outcome of every
  condition are one choice. The search assigns only the keys of the statements that match the
  request so far, and stops a branch as soon as its outcome is known, so the cost follows the
  conditions the request meets, not the product over the policy.

B allows r when some Allow statement of B matches r and no Deny statement does. A witness is
a request that B allows and A does not; no witness in either direction means no change in
access, whatever the text says. What the engine cannot decide exactly raises `Undecidable`
with the reason; the review shows it as "cannot prove", never as no change.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

from iam_catalog.iam import conditions as ops
from iam_catalog.iam.documents import PLACEHOLDER, as_list, statement_list
from iam_catalog.iam.patterns import IAM_VARIABLE, ONE, STAR, escaped, policy_symbols, wildcard_regex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any

    Symbol = str | object
    Pattern = tuple[Symbol, ...]

MAX_STATES = 20000  # of one automaton walk: far above any real catalog's, well below a hang
MAX_NODES = 200_000  # of one comparison's search over condition values
MAX_SETS = 20_000  # sets of values tried for one multi-valued key


class Undecidable(Exception):
    """The comparison is too large to be exact; the message says what was too large."""


class Refused(ValueError):
    """A policy that IAM itself refuses; the message gives IAM's rule."""


# An action that AWS's list does not have yet: it stands for every action AWS may add, which a
# `NotAction` statement (Allow everything but IAM, say) lets through as soon as it exists.
UNLISTED_ACTION = "unlisted-service:UnlistedAction"


# --- patterns ------------------------------------------------------------------------------


def _step(pattern: Pattern, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
    out: set[int] = set()
    for i in states:
        if i == len(pattern):
            continue
        p = pattern[i]
        if p is STAR or (p is ops.SEGMENT and symbol != ":"):
            out.add(i)
        elif (p is ONE and len(symbol) == 1) or p == symbol or (isinstance(p, frozenset) and symbol in p):  # type: ignore[arg-type]
            out.add(i + 1)
    return _closure(pattern, out)


def _closure(pattern: Pattern, states: Iterable[int]) -> frozenset[int]:
    out = set(states)
    todo = list(out)
    while todo:
        i = todo.pop()
        if i < len(pattern) and (pattern[i] is STAR or pattern[i] is ops.SEGMENT) and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    # What follows a `*` at j includes what follows any earlier position (the `*` takes in
    # whatever the text between them matched): only the last `*` and the positions after it
    # can still decide a match. Keeping just those makes states that accept alike one state,
    # so a walk over many `*` patterns at once stays small.
    stars = [i for i in out if i < len(pattern) and pattern[i] is STAR]
    if stars:
        last = max(stars)
        out = {i for i in out if i >= last}
    return frozenset(out)


@lru_cache(maxsize=1 << 16)
def matches(pattern: Pattern, text: tuple[Symbol, ...]) -> bool:
    """Whether `pattern` matches `text`. Worked out once per pair: a search tests the same few
    values against the same conditions' patterns in many branches."""
    states = _closure(pattern, [0])
    for symbol in text:
        states = _step(pattern, states, symbol)
        if not states:
            return False
    return len(pattern) in states


def atoms(
    patterns: Sequence[Pattern], seeds: Iterable[Sequence[Symbol]] = ()
) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """One string for every combination of the patterns that some string matches exactly."""
    return group_atoms([(p,) for p in patterns], seeds)


_ANY, _NONE = "any", "none"  # a group's state once it matches every string that follows, or none


def group_atoms(
    groups: Sequence[Sequence[Pattern]], seeds: Iterable[Sequence[Symbol]] = ()
) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """One string for every combination of the groups that some string matches exactly; a
    group matches a string when one of its patterns does (a statement's resources).

    Readable seeds are tried first (the patterns with their wildcards filled in); the rest
    comes from a breadth-first walk of the patterns' automata together, over the symbols the
    patterns use and one they do not. A group whose patterns already match whatever follows,
    or can no longer match, is one state: what its patterns do apart no longer counts.
    """
    found: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
    for seed in seeds:
        key = tuple(any(matches(p, seed) for p in group) for group in groups)
        found.setdefault(key, tuple(seed))
    every = [p for group in groups for p in group]
    literals = {s for p in every for s in p if isinstance(s, str)}
    literals.update(c for p in every for s in p if isinstance(s, frozenset) for c in s)
    # A symbol no pattern names: readable ones first, then as many others as the literals need.
    supply = itertools.chain("xyzqXYZQ0123456789_", map(chr, itertools.count(0x100)))
    fresh = next(c for c in supply if c not in literals)
    alphabet: list[Symbol] = [*sorted(literals, key=str), fresh]
    # Groups whose patterns cannot match one string alike (their literal starts or ends differ)
    # are walked apart: a string that one matches no other can, so the walk's size is their
    # sum, not their product. A group with a bare `*` matches every string.
    always = [any(all(s is STAR for s in p) for p in group) for group in groups]
    parts = _apart([i for i, a in enumerate(always) if not a], groups)
    nothing = (fresh,)
    if len(parts) > 1 and not any(matches(p, nothing) for p in every if not all(s is STAR for s in p)):
        for part in parts:
            for hits, text in _walk([groups[i] for i in part], alphabet).items():
                if any(hits):
                    combined = list(always)
                    for i, hit in zip(part, hits, strict=True):
                        combined[i] = hit
                    found.setdefault(tuple(combined), text)
        found.setdefault(tuple(always), nothing)
        return found
    for hits, text in _walk(list(groups), alphabet).items():
        found.setdefault(hits, text)
    return found


def _literal_ends(pattern: Pattern) -> tuple[tuple[Symbol, ...], tuple[Symbol, ...]]:
    """The literal symbols a pattern starts with, and those it ends with."""
    plain = [isinstance(s, str) for s in pattern]
    start = plain.index(False) if False in plain else len(pattern)
    end = plain[::-1].index(False) if False in plain else len(pattern)
    return tuple(pattern[:start]), tuple(pattern[len(pattern) - end :])


def _may_meet(a: Pattern, b: Pattern) -> bool:
    """False when no string can match both: their literal starts or ends disagree."""
    (a_start, a_end), (b_start, b_end) = _literal_ends(a), _literal_ends(b)
    n, m = min(len(a_start), len(b_start)), min(len(a_end), len(b_end))
    return a_start[:n] == b_start[:n] and a_end[len(a_end) - m :] == b_end[len(b_end) - m :]


def _apart(indices: list[int], groups: Sequence[Sequence[Pattern]]) -> list[list[int]]:
    """The groups (by index) in parts that no string can match across."""
    parent = {i: i for i in indices}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for x, i in enumerate(indices):
        for j in indices[x + 1 :]:
            if root(i) != root(j) and any(_may_meet(p, q) for p in groups[i] for q in groups[j]):
                parent[root(j)] = root(i)
    parts: dict[int, list[int]] = {}
    for i in indices:
        parts.setdefault(root(i), []).append(i)
    return list(parts.values())


def _walk(groups: Sequence[Sequence[Pattern]], alphabet: list[Symbol]) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """A breadth-first walk of the groups' automata together: a string for each combination.

    A group's state holds only its live patterns, each with its positions. From a state, only
    the symbols that some live position reads can lead apart: every other one-character symbol
    leads where the first of them in the alphabet does, so that one alone is tried. The walk
    visits the states it did with every symbol, in the same order, at a fraction of the steps.
    """
    found: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
    patterns = [p for group in groups for p in group]
    # From this position on, only `*`: a pattern in such a state matches every string that follows.
    tails = [next((j for j in range(len(p)) if all(s is STAR for s in p[j:])), len(p) + 1) for p in patterns]
    rank = {s: i for i, s in enumerate(alphabet)}
    long = [s for s in alphabet if len(s) != 1]  # type: ignore[arg-type]  # a placeholder is one symbol; `?` does not read it
    GroupState = tuple[tuple[int, frozenset[int]], ...]

    def settle(live: GroupState) -> Any:
        if any(tails[m] <= i < len(patterns[m]) for m, s in live for i in s):
            return _ANY
        return live or _NONE

    def accepting(state: Any) -> bool:
        if state is _ANY or state is _NONE:
            return state is _ANY
        return any(len(patterns[m]) in s for m, s in state)

    # One pattern's part of a state recurs in many states of the product: each of its steps,
    # and what each group state reads, is worked out once.
    steps: dict[tuple[int, frozenset[int], Symbol], frozenset[int]] = {}
    reads: dict[GroupState, frozenset[Symbol]] = {}

    def step(m: int, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
        key = (m, states, symbol)
        if key not in steps:
            steps[key] = _step(patterns[m], states, symbol)
        return steps[key]

    # A group's state recurs across the product's states: each of its moves is worked out once.
    moves: dict[tuple[GroupState, Symbol], Any] = {}

    def move(live: GroupState, symbol: Symbol) -> Any:
        key = (live, symbol)
        if key not in moves:
            moves[key] = settle(tuple((m, t) for m, s in live if (t := step(m, s, symbol))))
        return moves[key]

    def read(live: GroupState) -> frozenset[Symbol]:
        if live not in reads:
            out: set[Symbol] = set()
            for m, s in live:
                p = patterns[m]
                for i in s:
                    if i < len(p):
                        x = p[i]
                        if isinstance(x, str):
                            out.add(x)
                        elif isinstance(x, frozenset):
                            out.update(x)
                        elif x is ops.SEGMENT:
                            out.add(":")
            reads[live] = frozenset(out)
        return reads[live]

    def symbols(state: tuple[Any, ...]) -> list[Symbol]:
        wanted: set[Symbol] = set(long)
        for g in state:
            if g is not _ANY and g is not _NONE:
                wanted |= read(g)
        other = next(s for s in alphabet if len(s) == 1 and s not in wanted)  # type: ignore[arg-type]
        wanted.add(other)
        return sorted(wanted, key=rank.__getitem__)

    k = 0
    start_groups = []
    for group in groups:
        start_groups.append(settle(tuple((m, _closure(patterns[m], [0])) for m in range(k, k + len(group)))))
        k += len(group)
    start = tuple(start_groups)
    seen: dict[tuple[Any, ...], tuple[Symbol, ...]] = {start: ()}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        text = seen[state]
        found.setdefault(tuple(accepting(g) for g in state), text)
        for symbol in symbols(state):
            nxt = tuple(g if g is _ANY or g is _NONE else move(g, symbol) for g in state)
            if nxt not in seen:
                if len(seen) >= MAX_STATES:
                    raise Undecidable(f"the patterns need more than {MAX_STATES} automaton states")
                seen[nxt] = (*text, symbol)
                queue.append(nxt)
    return found


def text_of(value: Sequence[Symbol]) -> str:
    return "".join(s for s in value if isinstance(s, str))


def _filled(pattern: Pattern, filler: str) -> tuple[Symbol, ...]:
    return tuple(
        filler if s is STAR or s is ONE or s is ops.SEGMENT else min(s) if isinstance(s, frozenset) else s
        for s in pattern
    )


# --- policies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    operator: str  # as the policy writes it
    key: str  # lower case: IAM's condition keys ignore case
    values: tuple[str, ...]
    spelled: str = field(default="", compare=False)  # as the policy writes the key

    @property
    def parsed(self) -> ops.Parsed:
        return ops.parse(self.operator)

    def text(self) -> str:
        return json.dumps({self.operator: {self.key: list(self.values)}})


@dataclass(frozen=True)
class Statement:
    name: str  # the Sid, or #n for the n-th statement
    effect: str
    actions: tuple[str, ...]
    resources: tuple[Pattern, ...] | None  # None: a trust policy's statement, with no Resource
    principals: tuple[tuple[str, str], ...] | None  # (kind, value); None: no Principal element
    conditions: tuple[Condition, ...]
    not_action: bool = False  # `actions` is a NotAction: the statement names every other action
    not_resource: bool = False  # `resources` is a NotResource: every other resource


def _one_of(st: dict[str, Any], name: str, required: bool) -> tuple[Any, bool]:
    """`name` or `NotName` of a statement, and whether it is the Not form; IAM takes one."""
    plain, negated = name in st, f"Not{name}" in st
    if plain and negated:
        raise Refused(f"a statement has both {name} and Not{name}: IAM takes one of them")
    if required and not (plain or negated):
        raise Refused(f"a statement needs {name} or Not{name}")
    return (st.get(f"Not{name}"), True) if negated else (st.get(name), False)


def statements(document: dict[str, Any]) -> list[Statement]:
    out = []
    for i, st in enumerate(statement_list(document)):
        if "NotPrincipal" in st:
            raise Refused(
                "NotPrincipal: IAM takes it only in resource-based policies, not in an identity policy, a"
                " permissions boundary or a role's trust policy"
            )
        principal = st.get("Principal")
        principals: tuple[tuple[str, str], ...] | None
        if principal is None:
            principals = None
        elif principal == "*":
            principals = (("*", "*"),)
        else:
            principals = tuple((kind, v) for kind, values in principal.items() for v in as_list(values))
        conditions = tuple(
            Condition(op, key.lower(), tuple(as_list(values)), key)
            for op, pairs in st.get("Condition", {}).items()
            for key, values in pairs.items()
        )
        for c in conditions:
            try:
                c.parsed  # noqa: B018 - an operator IAM would refuse cannot be compared
            except ops.UnknownOperator as exc:
                raise Undecidable(str(exc)) from None
        actions, not_action = _one_of(st, "Action", True)
        named, not_resource = _one_of(st, "Resource", False)
        resources = tuple(policy_symbols(r) for r in as_list(named)) if named is not None else None
        out.append(
            Statement(
                st.get("Sid") or f"#{i + 1}",
                st["Effect"],
                tuple(a.lower() for a in as_list(actions)),
                resources,
                principals,
                conditions,
                not_action,
                not_resource,
            )
        )
    return out


# --- principals ----------------------------------------------------------------------------


# An account, as a principal names it: its partition (None for a bare account ID, which stands
# for its root in the policy's own partition) and its ID.
Account = tuple[str | None, str]
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_IAM_ARN = re.compile(r"arn:([^:]*):iam::([^:]*):(.*)", re.DOTALL)


@dataclass(frozen=True)
class Principal:
    kind: str  # AWS, Service, Federated, or * (anyone, anonymous included)
    value: str  # an ARN or account ID; an account's other identities ("account X"); a service name
    account: Account | None  # the account an AWS principal belongs to
    # The placeholders that the compared policies use as an IAM ARN's account: each stands for
    # an account ID, so a principal that is one alone is that account's root, as an ID is.
    ids: frozenset[str] = frozenset()

    def shown(self) -> str:
        return self.value


def _account(value: str, ids: frozenset[str]) -> Account | None:
    """The account of an AWS principal: an IAM ARN's, or a bare account ID's own."""
    if _ACCOUNT_ID.fullmatch(value) or value in ids:
        return None, value
    found = _IAM_ARN.fullmatch(value)
    return (found[1], found[2]) if found else None


def _root(value: str, ids: frozenset[str]) -> Account | None:
    """The account whose root `value` names: AWS documents an account ID as short for
    `arn:PARTITION:iam::ID:root`, so the two are one principal."""
    account = _account(value, ids)
    return account if account and (account[0] is None or value.endswith(":root")) else None


def _same_account(a: Account, b: Account) -> bool:
    """Roots compare with their partition; a bare ID's is the policy's own, so it is any."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def _principals(policies: Sequence[Sequence[Statement]]) -> list[Principal]:
    named = {(kind, v) for stmts in policies for st in stmts for kind, v in (st.principals or ())}
    arns = (_IAM_ARN.fullmatch(v) for kind, v in named if kind == "AWS")
    ids = frozenset(found[2] for found in arns if found and PLACEHOLDER.fullmatch(found[2]))
    found = {a for kind, v in named if kind == "AWS" and (a := _account(v, ids))}
    # A bare account ID is the same account as an ARN's of any partition: asked once, as that.
    partitioned = {a[1] for a in found if a[0] is not None}
    accounts = sorted((a for a in found if a[0] is not None or a[1] not in partitioned), key=str)
    values = sorted(v for kind, v in named if kind == "AWS" and v != "*")
    roots = {r[1] for v in values if (r := _root(v, ids)) and r[0] is not None}
    out = [Principal("AWS", v, a, ids) for v in values if not ((a := _account(v, ids)) and a[0] is None and v in roots)]
    numbers = [a[1] for a in accounts]
    for a in accounts:  # the partition is named only where one ID is in two
        shown = f"{a[1]} ({a[0]})" if numbers.count(a[1]) > 1 else a[1]
        out.append(Principal("AWS", f"another role or user in account {shown}", a, ids))
    out.append(Principal("AWS", "a role or user in another account", None, ids))
    out += [Principal("Service", v, None) for kind, v in sorted(named) if kind == "Service"]
    out.append(Principal("Service", "another service", None))
    # A web identity or SAML provider (an EKS cluster's OIDC provider, for one), by its ARN.
    out += [Principal("Federated", v, None) for kind, v in sorted(named) if kind == "Federated"]
    out += [
        Principal("Federated", "another identity provider", None),
        Principal("*", "anyone, without credentials", None),
    ]
    return out


def _principal_matches(st: Statement, who: Principal) -> bool:
    if st.principals is None:
        return True
    for kind, value in st.principals:
        if kind == "*" or (kind == who.kind == "AWS" and value == "*"):
            return True
        if kind == who.kind == "Service" and value.lower() == who.value.lower():
            return True
        if kind == who.kind == "Federated" and value == who.value:
            return True
        if kind == who.kind == "AWS":
            root = _root(value, who.ids)
            if value == who.value or (root and who.account and _same_account(root, who.account)):
                return True
    return False


# --- requests ------------------------------------------------------------------------------

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


def _action_hit(st: Statement, action: str) -> bool:
    return _action_matcher(st.actions)(action.lower()) != st.not_action


def _action_classes(stmts: Sequence[Statement], universe: Sequence[str]) -> dict[tuple[bool, ...], list[str]]:
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


def _outside_conditions(st: Statement, request: Request) -> bool:
    """Whether the statement matches the request's principal and resource (its action aside)."""
    if request.principal is not None and not _principal_matches(st, request.principal):
        return False
    resource = request.resource
    if st.resources is None or resource is None:
        return True
    return any(matches(p, resource) for p in st.resources) != st.not_resource


def condition_holds(condition: Condition, context: dict[str, ops.Context]) -> bool:
    return ops.holds(condition.parsed, condition.values, context.get(condition.key), matches)


def _applies(st: Statement, request: Request, context: dict[str, ops.Context]) -> bool:
    return (
        _action_hit(st, request.action)
        and _outside_conditions(st, request)
        and all(condition_holds(c, context) for c in st.conditions)
    )


def allowed_by(stmts: Sequence[Statement], request: Request) -> list[str]:
    """The Allow statements that let `request` through, or none when a Deny stops it."""
    context = {k.lower(): v for k, v in request.context}
    applying = [st for st in stmts if _applies(st, request, context)]
    if any(st.effect == "Deny" for st in applying):
        return []
    return [st.name for st in applying]


def naming(stmts: Sequence[Statement], action: str, resource: str | None) -> list[Statement]:
    """The statements that name `action` on `resource` (None: whatever resource), their
    conditions aside: what a request known only by its action and resource may meet."""
    request = Request(None, action, None if resource is None else tuple(resource), ())
    return [st for st in stmts if _action_hit(st, action) and _outside_conditions(st, request)]


def denied_by(stmts: Sequence[Statement], request: Request) -> list[str]:
    """The Deny statements that match `request`: an explicit deny, which no Allow lifts."""
    context = {k.lower(): v for k, v in request.context}
    return [st.name for st in stmts if st.effect == "Deny" and _applies(st, request, context)]


# --- condition values ----------------------------------------------------------------------


@dataclass(frozen=True)
class KeyChoices:
    """What one condition key can do to the conditions on it: each choice is a value (or none,
    or a set) with the outcome it gives each of those conditions."""

    spelled: str
    conditions: tuple[Condition, ...]
    choices: tuple[tuple[ops.Context, tuple[bool, ...]], ...]


_ARN_SHAPE = ops.arn_pattern("arn:*:*:*:*:*")  # what every ARN matches


def _text_values(conditions: Sequence[Condition]) -> list[tuple[Symbol, ...]]:
    """A value in each class the text-like conditions on one key tell apart. A key that an Arn
    operator reads holds an ARN in every real request: only ARN-shaped values are tried."""
    shapes = []
    for c in conditions:
        for v in c.values:
            if (p := ops.pattern(c.parsed.operator, v)) is not None:
                shapes.append(p)
    unique = list(dict.fromkeys(shapes))
    if not unique:
        return []
    arn = any(c.parsed.operator.domain == "arn" for c in conditions)
    patterns = [*unique, _ARN_SHAPE] if arn else unique
    other = "arn:aws:other:us-east-1:111111111111:other" if arn else "other"
    found = atoms(patterns, [*(_filled(p, "example") for p in unique), tuple(other)])
    return [v for hits, v in found.items() if not arn or hits[-1]]


def _key_choices(key: str, conditions: Sequence[Condition], held: tuple[ops.Context] | None = None) -> KeyChoices:
    """`held`: the one value (None: no value) that the key has in every request compared."""
    unique = tuple(dict.fromkeys(conditions))

    def outcome(context: ops.Context) -> tuple[bool, ...]:
        return tuple(ops.holds(c.parsed, c.values, context, matches) for c in unique)

    if held is not None:
        return KeyChoices(unique[0].spelled or key, unique, ((held[0], outcome(held[0])),))
    for c in unique:
        domain = c.parsed.operator.domain
        if domain in ("number", "date", "ip") and any(ops.has_variable(v) for v in c.values):
            raise Undecidable(f"a placeholder in a {c.parsed.operator.family} condition value ({c.text()})")
    values: list[tuple[Symbol, ...]] = _text_values(unique)
    values += [tuple(v) for v in ops.ordered_values([(c.parsed, c.values) for c in unique])]
    if not values:
        values.append(tuple("example"))
    values = list(dict.fromkeys(values))

    candidates: list[ops.Context] = [None]
    if any(c.parsed.qualifier for c in unique):
        # A set's outcome depends only on which kinds of value it holds (a value's kind: what each
        # condition's test says of it), and a set needs at most one value per condition to show
        # any outcome a larger set shows.
        kinds: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
        for v in values:
            kinds.setdefault(outcome(ops.ValueSet((v,))), v)
        size = min(len(kinds), len(unique))
        if sum(math.comb(len(kinds), n) for n in range(1, size + 1)) > MAX_SETS:
            raise Undecidable(f"set conditions on {unique[0].spelled or key} need over {MAX_SETS} sets")
        for n in range(1, size + 1):
            candidates += [ops.ValueSet(combo) for combo in itertools.combinations(kinds.values(), n)]
    else:
        candidates += values
    choices: dict[tuple[bool, ...], ops.Context] = {}
    for context in candidates:
        choices.setdefault(outcome(context), context)
    return KeyChoices(unique[0].spelled or key, unique, tuple((c, o) for o, c in choices.items()))


# --- the comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    request: Request
    statements: tuple[str, ...]  # of the side that allows it

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        out: dict[str, Any] = {}
        if r.principal is not None:
            out["principal"] = r.principal.shown()
        out["action"] = r.action
        if r.resource is not None:
            out["resource"] = text_of(r.resource)
        out["conditions"] = r.conditions()
        out["statements"] = list(self.statements)
        return out


@dataclass
class Comparison:
    broadening: list[Witness] = field(default_factory=list)  # allowed by head, not by base
    narrowing: list[Witness] = field(default_factory=list)  # allowed by base, not by head

    @property
    def changed(self) -> bool:
        return bool(self.broadening or self.narrowing)


def _may_be_action(name: str) -> bool:
    """Whether a name that AWS's list does not have may still be an action's, one AWS adds later:
    not a pattern, and a name after the prefix without white space (which no action has)."""
    service, colon, rest = name.partition(":")
    return bool(service and colon and rest) and not any(c in name for c in "*?") and not re.search(r"\s", name)


def _universe(stmts: Sequence[Statement], expand: Callable[[str], list[str]]) -> list[str]:
    """The actions to try: every one a statement names, and, where an Allow names every action
    but some (`NotAction`), AWS's whole list and one it does not have yet. A Deny's `NotAction`
    adds none: what only it names, no statement allows, so neither side does."""
    names: dict[str, str] = {}
    if any(st.not_action and st.effect != "Deny" for st in stmts):
        names.update((name.lower(), name) for name in [*expand("*"), UNLISTED_ACTION])
    for st in stmts:
        for pattern in st.actions:
            for name in expand(pattern) or ([pattern] if _may_be_action(pattern) else []):
                names.setdefault(name.lower(), name)
    return sorted(names.values(), key=str.lower)


@lru_cache(maxsize=1024)
def _resources(groups: tuple[tuple[Pattern, ...], ...]) -> tuple[tuple[Symbol, ...] | None, ...]:
    """A resource for every way the statements' resources (each a group of patterns) can match.
    Remembered: the statements of an operator's policy meet each catalog statement in turn."""
    if not groups:
        return (None,)
    # Readable witnesses first: a named resource, one beside it, then any resource at all.
    shaped = [p for group in groups for p in group if p != (STAR,)]
    seeds = [_filled(p, "example") for p in shaped] + [(*_filled(p, "example"), *"-other") for p in shaped]
    return tuple(group_atoms(list(groups), [*seeds, ("*",), ()]).values())


class _Search:
    """Condition values for one request class, assigned key by key: a branch stops once both
    policies' outcomes are known, or once neither direction still looked for can come of it."""

    def __init__(
        self,
        a: Sequence[Statement],
        b: Sequence[Statement],
        keys: dict[str, KeyChoices],
        ceiling: Sequence[Statement] | None = None,
    ) -> None:
        self.sides = (a, b)
        self.ceiling = ceiling  # B's permissions boundary: B allows only what it allows too
        self.keys = keys
        self.index = {k: {c: i for i, c in enumerate(kc.conditions)} for k, kc in keys.items()}
        self.nodes = 0

    def _status(self, st: Statement, chosen: dict[str, tuple[bool, ...]]) -> bool | None:
        unknown = False
        for c in st.conditions:
            outcome = chosen.get(c.key)
            if outcome is None:
                unknown = True
            elif not outcome[self.index[c.key][c]]:
                return False
        return None if unknown else True

    def _side(self, stmts: Sequence[Statement], chosen: dict[str, tuple[bool, ...]]) -> tuple[bool | None, list[str]]:
        denies = [self._status(st, chosen) for st in stmts if st.effect == "Deny"]
        allows = [(st.name, self._status(st, chosen)) for st in stmts if st.effect != "Deny"]
        if any(d is True for d in denies) or all(s is False for _, s in allows):
            return False, []
        if all(d is False for d in denies) and any(s is True for _, s in allows):
            return True, [name for name, s in allows if s is True]
        return None, []

    def find(self, wanted: set[str]) -> dict[str, tuple[dict[str, ops.Context], list[str]]]:
        """For each direction wanted (broadening: B allows, A does not; narrowing: the reverse),
        one assignment of condition values that shows it, with the allowing statements."""
        found: dict[str, tuple[dict[str, ops.Context], list[str]]] = {}

        def walk(chosen: dict[str, tuple[bool, ...]], values: dict[str, ops.Context]) -> None:
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise Undecidable(f"the conditions need more than {MAX_NODES} combinations of values to try")
            (a, a_by), (b, b_by) = (self._side(s, chosen) for s in self.sides)
            if self.ceiling is not None:
                cap, _ = self._side(self.ceiling, chosen)
                b = False if b is False or cap is False else True if b and cap else None
            open_ = [
                d
                for d, (mine, other) in (("broadening", (b, a)), ("narrowing", (a, b)))
                if d in wanted and d not in found and mine is not False and other is not True
            ]
            if not open_:
                return
            if a is not None and b is not None:
                direction = open_[0]
                found[direction] = (dict(values), b_by if direction == "broadening" else a_by)
                return
            key = next(
                c.key
                for stmts in (*self.sides, self.ceiling or ())
                for st in stmts
                if self._status(st, chosen) is None
                for c in st.conditions
                if c.key not in chosen
            )
            for context, outcome in self.keys[key].choices:
                walk({**chosen, key: outcome}, {**values, key: context})
                if all(d in found for d in open_):
                    return

        walk({}, {})
        return found


def _resource_variables(stmts: Sequence[Statement]) -> dict[str, str]:
    """The policy variables (as written, by lower case) in a Deny's Resource or NotResource."""
    return {
        s.lower(): s
        for st in stmts
        if st.effect == "Deny"
        for p in st.resources or ()
        for s in p
        if isinstance(s, str) and IAM_VARIABLE.fullmatch(s)
    }


def _matched_key(variable: str) -> str:
    """The made-up condition key that says whether a request's resource matches the one pattern
    that holds `variable`: present, it does wherever the pattern with `*` for it does."""
    return f"iam-catalog:matches/{variable[2:-1]}"


def _split_on(st: dict[str, Any], name: str, pattern: str, variable: str) -> list[dict[str, Any]]:
    """A statement whose resources hold `pattern` (with `variable`), as statements that hold it
    with `*` for the variable, under the made-up key: together they match what it matches."""
    element = "NotResource" if "NotResource" in st else "Resource"
    listed = as_list(st.get(element, []))
    if pattern not in listed:
        return [{**st, "Sid": name}]  # named as it was: the statements after it move
    rest = [r for r in listed if r != pattern]
    star = re.sub(re.escape(variable), "*", pattern, flags=re.IGNORECASE)
    key = _matched_key(variable)

    def under(null: str) -> dict[str, Any]:
        conditions = {op: dict(pairs) for op, pairs in st.get("Condition", {}).items()}
        conditions.setdefault("Null", {})[key] = null
        return conditions

    kept = {k: v for k, v in st.items() if k not in ("Resource", "NotResource", "Condition")}
    named = {**kept, "Sid": name}
    if element == "Resource":  # in rest, or in the pattern where the variable's value fits
        return [
            *([{**st, "Sid": name, "Resource": rest}] if rest else []),
            {**named, "Resource": [star], "Condition": under("false")},
        ]
    # Outside them all: outside the pattern with `*` too, or outside the rest where it does not fit.
    rest_part = {"NotResource": rest} if rest else {"Resource": "*"}
    return [{**st, "Sid": name, "NotResource": [star, *rest]}, {**named, **rest_part, "Condition": under("true")}]


def _resource_variable_free(
    documents: list[dict[str, Any]], variables: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The documents with each variable of a Deny's resource taken apart from the request's
    value: a request's resource fits the one pattern that holds it (the value being the part of
    the resource that the pattern gives the variable) or does not (the value being any other).
    Exact when the variable is in one pattern, once, and nowhere else; else Undecidable. Also
    that pattern, by the variable (lower case)."""
    out = documents
    patterns: dict[str, str] = {}
    for low, variable in variables.items():
        found: set[str] = set()
        for document in out:
            for st in statement_list(document):
                for element in ("Resource", "NotResource"):
                    found.update(r for r in as_list(st.get(element, [])) if low in r.lower())
                if low in json.dumps(st.get("Condition", {})).lower() or any(
                    low[2:-1] == key.lower() for pairs in st.get("Condition", {}).values() for key in pairs
                ):
                    raise Undecidable(f"{variable} in a Deny's resource and in a condition: not modeled")
        if len(found) != 1 or next(iter(found)).lower().count(low) != 1:
            raise Undecidable(f"{variable} in more than one resource pattern of a Deny: not modeled")
        pattern = patterns[low] = next(iter(found))
        out = [
            {
                **document,
                "Statement": [
                    part
                    for i, st in enumerate(statement_list(document))
                    for part in _split_on(st, st.get("Sid") or f"#{i + 1}", pattern, variable)
                ],
            }
            for document in out
        ]
    return out, patterns


def _with_variable_values(result: Comparison, variables: dict[str, str], patterns: dict[str, str]) -> Comparison:
    """Each witness with the made-up keys read back as the variables' values: the part of the
    resource that the pattern gives the variable, where the request fits it, else another value."""
    out = Comparison()
    for direction, w in iter_witnesses(result):
        r = w.request
        context = list(r.context)
        resource = text_of(r.resource) if r.resource is not None else ""
        for low, variable in variables.items():
            key = _matched_key(variable).lower()
            held = [v for k, v in context if k.lower() == key]
            context = [(k, v) for k, v in context if k.lower() != key]
            before, _, after = patterns[low].lower().partition(low)
            fits = re.fullmatch(f"{wildcard_regex(before)}(.*){wildcard_regex(after)}", resource.lower(), re.DOTALL)
            if held and held[0] is not None and fits:
                start = fits.start(1)
                value = resource[start : start + len(fits[1])]
            else:
                value = next(f"other{n or ''}" for n in itertools.count() if f"other{n or ''}" not in resource)
            context.append((variable[2:-1], tuple(value)))
        side = out.broadening if direction == "broadening" else out.narrowing
        side.append(Witness(Request(r.principal, r.action, r.resource, tuple(context)), w.statements))
    return out


def _deciding_variables(stmts: Sequence[Statement], universe: Callable[[], Sequence[str]]) -> list[str]:
    """The policy variables (as written) that a Deny or a negated condition compares a key with:
    where they can change an outcome, as they cannot in an Allow's plain condition. Only the
    statements that name an action compared count: elsewhere the variable changes nothing."""
    reading = {
        st: names
        for st in stmts
        if (
            names := [
                name
                for c in st.conditions
                if st.effect == "Deny" or c.parsed.operator.negated
                for v in c.values
                for name in IAM_VARIABLE.findall(v)
            ]
        )
    }
    if not reading:
        return []
    classes = _action_classes(list(reading), universe())
    live = [st for i, st in enumerate(reading) if any(hits[i] for hits in classes)]
    return list(dict.fromkeys(name for st in live for name in reading[st]))


def compare(
    base: dict[str, Any],
    head: dict[str, Any],
    expand: Callable[[str], list[str]],
    ceiling: dict[str, Any] | None = None,
    base_actions_only: bool = False,
) -> Comparison:
    """Every class of request that one policy allows and the other does not, with a witness.
    `ceiling`: a permissions boundary of the head's identity, which allows only what both do.
    `base_actions_only`: only the actions the base names (enough to find what the head lacks)."""
    if base != head or ceiling is not None:
        every = [*statements(base), *statements(head), *(statements(ceiling) if ceiling is not None else [])]
        if free := _resource_variables(every):
            documents = [base, head, *([ceiling] if ceiling is not None else [])]
            split, patterns = _resource_variable_free(documents, free)
            ceiling_split = split[2] if ceiling is not None else None
            inner = compare(split[0], split[1], expand, ceiling_split, base_actions_only)
            return _with_variable_values(inner, free, patterns)
        compared = statements(base) if base_actions_only else [*statements(base), *statements(head)]
        if variables := _deciding_variables(every, lambda: _universe(compared, expand)):
            return _by_assignment(base, head, expand, ceiling, base_actions_only, every, variables)
    return _compare(base, head, expand, ceiling, base_actions_only)


MAX_ASSIGNMENTS = 64  # values tried for the policy variables of one comparison, all together


def _unresolved(st: dict[str, Any], missing: Sequence[str]) -> dict[str, Any] | None:
    """A statement as read in a request that lacks the keys of the variables `missing` (lower
    case), or None when it can then apply to nothing. AWS's reference says only that a variable
    it cannot resolve may make the statement invalid; here, as the independent evaluator of
    tests/test_simulate.py reads it, each value that uses one matches nothing, after the
    condition's own key is judged absent or present as usual: so a negated operator on a present
    key that is compared only with such values fails."""

    def unresolved(text: str) -> bool:
        return any(m in text.lower() for m in missing)

    out = dict(st)
    if any(unresolved(r) for r in as_list(st.get("Resource", []))):
        kept = [r for r in as_list(st["Resource"]) if not unresolved(r)]
        if not kept:
            return None
        out["Resource"] = kept
    if any(unresolved(r) for r in as_list(st.get("NotResource", []))):
        kept = [r for r in as_list(st["NotResource"]) if not unresolved(r)]
        del out["NotResource"]
        out.update({"NotResource": kept} if kept else {"Resource": "*"})
    condition: dict[str, dict[str, Any]] = {}
    absent: dict[str, str] = {}  # keys that must be missing for the condition to hold (a Null "true")
    for op, pairs in st.get("Condition", {}).items():
        parsed = ops.parse(op)
        for key, values in pairs.items():
            listed = as_list(values)
            if not any(unresolved(v) for v in listed):
                condition.setdefault(op, {})[key] = values
            elif parsed.qualifier or parsed.operator.domain == "null":
                raise Undecidable(f"a policy variable with no value in {op}: not modeled")
            elif parsed.operator.negated or (parsed.if_exists and not [v for v in listed if not unresolved(v)]):
                absent[key] = "true"  # holds only where the key is missing
            elif kept := [v for v in listed if not unresolved(v)]:
                condition.setdefault(op, {})[key] = kept
            else:
                return None
    nulls = condition.setdefault("Null", {})
    for key, wanted in absent.items():
        if str(nulls.get(key, wanted)).lower() != wanted:
            return None  # a key both present and missing
        nulls[key] = wanted
    out["Condition"] = {op: pairs for op, pairs in condition.items() if pairs}
    return out


def _assigned(document: Any, values: dict[str, str | None]) -> Any:
    """A policy document with each policy variable of `values` (as written) replaced by its value,
    or read as IAM reads it where it has none (None)."""
    missing = [variable.lower() for variable, text in values.items() if text is None]
    read = [_unresolved(st, missing) if missing else st for st in statement_list(document)]
    kept = [st for st in read if st is not None]
    given = {variable: text for variable, text in values.items() if text is not None}
    if not given:
        return {**document, "Statement": kept}
    found = re.compile("|".join(map(re.escape, given)), re.IGNORECASE)
    lower = {variable.lower(): text for variable, text in given.items()}

    def value_of(match: re.Match[str]) -> str:
        # A request's value is text, not a pattern: its `*`, `?` and `$` are written as IAM's
        # escapes. A function as the replacement: the value's own backslashes stay as they are.
        return escaped(lower[match[0].lower()])

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return found.sub(value_of, value) if "${" in value else value
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return {**walk(document), "Statement": walk(kept)}


def _by_assignment(
    base: dict[str, Any],
    head: dict[str, Any],
    expand: Callable[[str], list[str]],
    ceiling: dict[str, Any] | None,
    base_actions_only: bool,
    every: list[Statement],
    variables: list[str],
) -> Comparison:
    """A policy variable where a Deny or a negated condition reads it stands for a value of the
    request's context: the comparison is made with the variable equal to a value of each class
    that the values it is compared with tell apart (one beside them all included), and the
    witnesses of every such comparison, each naming the variable's value, are the answer.

    A variable whose key a condition also reads (`${aws:PrincipalTag/team}` beside a condition
    on `aws:PrincipalTag/team`) is that key's value in the same request: its values are also
    those the key's own conditions tell apart, and each comparison holds the key to it."""
    pinned: dict[str, str] = {}  # a variable's own key (lower case), for those a condition reads
    classes: dict[str, list[str]] = {}  # a value of each class the literal values compared tell apart
    reads: dict[str, set[str]] = {}  # the keys that a condition compares with the variable
    for variable in variables:
        own = variable[2:-1].lower()
        mine = [c for st in every for c in st.conditions if c.key == own]
        if any(c.parsed.qualifier for c in mine):
            raise Undecidable(f"{variable} names a key that a condition reads as a set of values: not modeled")
        if mine:
            pinned[variable] = own
        reads[variable] = {
            c.key for st in every for c in st.conditions if any(variable.lower() in v.lower() for v in c.values)
        }
        compared = tuple(
            dict.fromkeys(
                c
                for st in every
                for c in st.conditions
                if (c.key in reads[variable] or c.key == own) and not any(IAM_VARIABLE.search(v) for v in c.values)
            )
        )
        found = [text_of(v) for v in _text_values(compared)] if compared else []
        found += [text_of(v) for v in ops.ordered_values([(c.parsed, c.values) for c in compared])] if compared else []
        classes[variable] = list(dict.fromkeys(found))
    options: list[list[str | None]] = []
    for n, variable in enumerate(variables, 1):
        # Two variables that one condition compares (a variable's own key with another
        # variable): each takes the other's values too, and one that differs from them all.
        related = [
            other
            for other in variables
            if other != variable and (other[2:-1].lower() in reads[variable] or variable[2:-1].lower() in reads[other])
        ]
        tried = [*classes[variable], *(v for other in related for v in classes[other] or ["example"])]
        tried += [f"example-{n}"] if related else []
        # A key that a condition reads may be missing from a request: the variable then has no
        # value (None), and what uses it matches nothing (_unresolved).
        options.append([*(dict.fromkeys(tried) or ["example"]), *([None] if variable in pinned else [])])
    if math.prod(len(o) for o in options) > MAX_ASSIGNMENTS:
        raise Undecidable(f"the policy variables need more than {MAX_ASSIGNMENTS} values to try")
    result = Comparison()
    seen: set[tuple[str, Request]] = set()
    for combo in itertools.product(*options):
        values = dict(zip(variables, combo, strict=True))
        docs = (
            _assigned(base, values),
            _assigned(head, values),
            None if ceiling is None else _assigned(ceiling, values),
        )
        held: dict[str, ops.Context] = {
            pinned[v]: None if x is None else tuple(x) for v, x in values.items() if v in pinned
        }
        part = _compare(*docs[:2], expand, docs[2], base_actions_only, held)
        for direction, witness in iter_witnesses(part):
            r = witness.request
            named = {k.lower() for k, _ in r.context}
            shown = tuple(
                (v[2:-1], None if x is None else tuple(x)) for v, x in values.items() if v[2:-1].lower() not in named
            )
            request = Request(r.principal, r.action, r.resource, (*r.context, *shown))
            if (direction, request) not in seen:
                seen.add((direction, request))
                side = result.broadening if direction == "broadening" else result.narrowing
                side.append(Witness(request, witness.statements))
    return result


def _compare(
    base: dict[str, Any],
    head: dict[str, Any],
    expand: Callable[[str], list[str]],
    ceiling: dict[str, Any] | None,
    base_actions_only: bool,
    held: dict[str, ops.Context] | None = None,
) -> Comparison:
    """`held`: condition keys (lower case) that have one value (None: none) in every request."""
    held = held or {}
    a, b = statements(base), statements(head)
    capped = statements(ceiling) if ceiling is not None else []
    both = [*a, *b]
    trust = any(st.principals is not None for st in both)
    principals: list[Principal | None] = list(_principals([a, b])) if trust else [None]
    result = Comparison()
    key_choices: dict[tuple[Condition, ...], KeyChoices] = {}
    # Actions that the same statements name behave alike: one search serves them all.
    every = [*both, *capped]
    universe = _universe(a if base_actions_only else both, expand)
    for hits, actions in _action_classes(every, universe).items():
        live_a = [st for st, hit in zip(a, hits, strict=False) if hit]
        live_b = [st for st, hit in zip(b, hits[len(a) :], strict=False) if hit]
        live_c = [st for st, hit in zip(capped, hits[len(both) :], strict=True) if hit]
        # Only the statements that name the action can tell its resources apart, each as a whole.
        relevant = tuple(dict.fromkeys(st.resources for st in (*live_a, *live_b, *live_c) if st.resources))
        for principal in principals:
            wanted = {"broadening", "narrowing"}
            for resource in _resources(relevant):
                probe = Request(principal, actions[0], resource, ())
                sides = [[st for st in live if _outside_conditions(st, probe)] for live in (live_a, live_b, live_c)]
                by_key: dict[str, list[Condition]] = {}
                for st in (*sides[0], *sides[1], *sides[2]):
                    for c in st.conditions:
                        by_key.setdefault(c.key, []).append(c)
                keys = {}
                for key, conds in by_key.items():
                    signature = tuple(dict.fromkeys(conds))
                    if signature not in key_choices:
                        key_choices[signature] = _key_choices(key, signature, (held[key],) if key in held else None)
                    keys[key] = key_choices[signature]
                search = _Search(sides[0], sides[1], keys, sides[2] if ceiling is not None else None)
                for direction, (values, by) in search.find(wanted).items():
                    wanted.discard(direction)
                    context = tuple((keys[k].spelled, v) for k, v in values.items())
                    side = result.broadening if direction == "broadening" else result.narrowing
                    for action in actions:  # one witness for each action (and principal)
                        side.append(Witness(Request(principal, action, resource, context), tuple(by)))
                if not wanted:
                    break
    order = {name.lower(): i for i, name in enumerate(universe)}
    for side in (result.broadening, result.narrowing):
        side.sort(key=lambda w: order[w.request.action.lower()])
    return result


def forget() -> None:
    """Drop what the engine remembers between comparisons (pattern matches, resource classes):
    for a measurement that starts cold, as one `iam-catalog check` does."""
    matches.cache_clear()
    _resources.cache_clear()


def iter_witnesses(comparison: Comparison) -> Iterator[tuple[str, Witness]]:
    for witness in comparison.broadening:
        yield "broadening", witness
    for witness in comparison.narrowing:
        yield "narrowing", witness
