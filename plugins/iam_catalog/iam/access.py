"""What a policy allows, compared exactly: does B allow any request that A does not?

Two policies of one kind (identity, trust or boundary) are evaluated on a finite set of
requests that stands for every request AWS could make: each dimension is cut into classes on
which every statement of both policies behaves alike, and one representative of each class is
tried.

- Actions: the concrete actions the policies name, wildcards expanded against AWS's list
  (given by the caller, so this module needs no data). IAM ignores the case of action names.
- Resources and condition values: the Boolean combinations ("atoms") of every pattern in the
  two policies, each found with a representative string by walking the patterns' automata
  together. `*` and `?` may stand anywhere. A placeholder such as `${Account}` is one unknown
  value, the same on both sides: only `*` or the same placeholder matches it.
- Principals (trust policies): every identity named, another identity in each account named
  (an account's root trusts all of them), an identity in another account, each service named,
  another service, and anyone.
- Conditions: a context gives each condition key one of its atoms or no value at all. The
  operators modeled are the string, ARN and Bool ones; any other condition (Numeric, Date,
  IpAddress, ...IfExists, ForAllValues:, ForAnyValue:) is an opaque switch that may be on or
  off, and a difference that depends on such a switch is reported as "cannot prove", with the
  operator that stopped the proof.

B allows r when some Allow statement of B matches r and no Deny statement does. A witness is
a request that B allows and A does not; no witness in either direction means no change in
access, whatever the text says.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from dataclasses import dataclass, field

from iam_catalog.iam.patterns import ONE, STAR, symbols

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any

    Symbol = str | object
    Pattern = tuple[Symbol, ...]

MAX_STATES = 20000  # of one automaton walk: far above any real catalog's, well below a hang
MAX_CONTEXTS = 4096

# Condition operators whose meaning is modeled, by what they do with a value.
_EQUALS = {"StringEquals", "ArnEquals", "Bool"}
_LIKE = {"StringLike", "ArnLike"}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike"}  # fmt: skip


class Undecidable(Exception):
    """The comparison is too large to be exact; the message says what was too large."""


# --- patterns ------------------------------------------------------------------------------


def _step(pattern: Pattern, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
    out: set[int] = set()
    for i in states:
        if i == len(pattern):
            continue
        p = pattern[i]
        if p is STAR or (p is ONE and len(symbol) == 1) or p == symbol:  # type: ignore[arg-type]
            out.add(i if p is STAR else i + 1)
    return _closure(pattern, out)


def _closure(pattern: Pattern, states: Iterable[int]) -> frozenset[int]:
    out = set(states)
    todo = list(out)
    while todo:
        i = todo.pop()
        if i < len(pattern) and pattern[i] is STAR and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    return frozenset(out)


def matches(pattern: Pattern, text: Sequence[Symbol]) -> bool:
    states = _closure(pattern, [0])
    for symbol in text:
        states = _step(pattern, states, symbol)
        if not states:
            return False
    return len(pattern) in states


def atoms(
    patterns: Sequence[Pattern], seeds: Iterable[Sequence[Symbol]] = ()
) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """One string for every combination of the patterns that some string matches exactly.

    Readable seeds are tried first (the patterns with their wildcards filled in); the rest
    comes from a breadth-first walk of the patterns' automata together, over the symbols the
    patterns use and one they do not.
    """
    found: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
    for seed in seeds:
        key = tuple(matches(p, seed) for p in patterns)
        found.setdefault(key, tuple(seed))
    literals = {s for p in patterns for s in p if s is not STAR and s is not ONE}
    # A symbol no pattern names: readable ones first, then as many others as the literals need.
    supply = itertools.chain("xyzqXYZQ0123456789_", map(chr, itertools.count(0x100)))
    fresh = next(c for c in supply if c not in literals)
    alphabet: list[Symbol] = [*sorted(literals, key=str), fresh]
    start = tuple(_closure(p, [0]) for p in patterns)
    seen: dict[tuple[frozenset[int], ...], tuple[Symbol, ...]] = {start: ()}
    queue = deque([start])
    # One pattern's part of a state recurs in many states of the product (its dead state in
    # most of them): each of its steps is worked out once.
    steps: dict[tuple[int, frozenset[int], Symbol], frozenset[int]] = {}

    def step(k: int, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
        key = (k, states, symbol)
        if key not in steps:
            steps[key] = _step(patterns[k], states, symbol)
        return steps[key]

    while queue:
        state = queue.popleft()
        text = seen[state]
        found.setdefault(tuple(len(p) in s for p, s in zip(patterns, state, strict=True)), text)
        for symbol in alphabet:
            nxt = tuple(step(k, s, symbol) for k, s in enumerate(state))
            if nxt not in seen:
                if len(seen) >= MAX_STATES:
                    raise Undecidable(f"the patterns need more than {MAX_STATES} automaton states")
                seen[nxt] = (*text, symbol)
                queue.append(nxt)
    return found


def text_of(value: Sequence[Symbol]) -> str:
    return "".join(s for s in value if isinstance(s, str))


def _filled(pattern: Pattern, filler: str) -> tuple[Symbol, ...]:
    return tuple(filler if s is STAR or s is ONE else s for s in pattern)


# --- policies ------------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class Condition:
    operator: str
    key: str  # lower case: IAM's condition keys ignore case
    values: tuple[str, ...]
    spelled: str = field(default="", compare=False)  # as the policy writes the key

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


def statements(document: dict[str, Any]) -> list[Statement]:
    out = []
    raw = document["Statement"]
    for i, st in enumerate([raw] if isinstance(raw, dict) else raw):
        negated = sorted(k for k in ("NotAction", "NotResource", "NotPrincipal") if k in st)
        if negated:
            raise Undecidable(f"{', '.join(negated)} is not modeled (the catalog's schema refuses it)")
        principal = st.get("Principal")
        principals: tuple[tuple[str, str], ...] | None
        if principal is None:
            principals = None
        elif principal == "*":
            principals = (("*", "*"),)
        else:
            principals = tuple((kind, v) for kind, values in principal.items() for v in _as_list(values))
        conditions = tuple(
            Condition(op, key.lower(), tuple(_as_list(values)), key)
            for op, pairs in st.get("Condition", {}).items()
            for key, values in pairs.items()
        )
        resources = tuple(symbols(r) for r in _as_list(st["Resource"])) if "Resource" in st else None
        out.append(
            Statement(
                st.get("Sid") or f"#{i + 1}",
                st["Effect"],
                tuple(a.lower() for a in _as_list(st["Action"])),
                resources,
                principals,
                conditions,
            )
        )
    return out


def _modeled(condition: Condition) -> bool:
    return condition.operator in _EQUALS or condition.operator in _LIKE or condition.operator in _NEGATED


# --- principals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    kind: str  # AWS, Service, or * (anyone, anonymous included)
    value: str  # an ARN; an account's other identities ("account X"); a service name
    account: str | None  # the account an AWS principal belongs to

    def shown(self) -> str:
        return self.value


def _account(value: str) -> str | None:
    if re.fullmatch(r"[0-9]{12}", value):
        return value
    parts = value.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[2] == "iam" else None


def _is_root(value: str) -> bool:
    return value.endswith(":root") or bool(re.fullmatch(r"[0-9]{12}", value))


def _principals(policies: Sequence[Sequence[Statement]]) -> list[Principal]:
    named = {(kind, v) for stmts in policies for st in stmts for kind, v in (st.principals or ())}
    accounts = sorted({a for kind, v in named if kind == "AWS" and (a := _account(v))})
    out = [Principal("AWS", v, _account(v)) for kind, v in sorted(named) if kind == "AWS" and v != "*"]
    out += [Principal("AWS", f"another role or user in account {a}", a) for a in accounts]
    out.append(Principal("AWS", "a role or user in another account", None))
    out += [Principal("Service", v, None) for kind, v in sorted(named) if kind == "Service"]
    out += [Principal("Service", "another service", None), Principal("*", "anyone, without credentials", None)]
    return out


def _principal_matches(st: Statement, who: Principal) -> bool:
    if st.principals is None:
        return True
    for kind, value in st.principals:
        if kind == "*" or (kind == who.kind == "AWS" and value == "*"):
            return True
        if kind == who.kind == "Service" and value.lower() == who.value.lower():
            return True
        same_account = _is_root(value) and who.account is not None and _account(value) == who.account
        if kind == who.kind == "AWS" and (value == who.value or same_account):
            return True
    return False


# --- requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    principal: Principal | None
    action: str  # AWS's spelling
    resource: tuple[Symbol, ...] | None
    context: tuple[tuple[str, str | None], ...]  # condition key: value, or None when absent
    switches: tuple[tuple[Condition, bool], ...]  # opaque conditions: on or off

    def conditions(self) -> dict[str, str | None]:
        return dict(self.context)


def _condition_holds(condition: Condition, context: dict[str, tuple[Symbol, ...] | None]) -> bool:
    value = context.get(condition.key)
    negated = condition.operator in _NEGATED
    operator = _NEGATED.get(condition.operator, condition.operator)
    if value is None:
        return negated  # a missing key fails a positive test and passes a negated one
    literal = operator in _EQUALS
    hit = any(matches(symbols(v, literal=literal), value) for v in condition.values)
    return hit != negated


def _statement_matches(st: Statement, request: Request, action_ok: bool, context: dict[str, Any]) -> bool:
    if not action_ok:
        return False
    if request.principal is not None and not _principal_matches(st, request.principal):
        return False
    resource = request.resource
    if st.resources is not None and resource is not None and not any(matches(p, resource) for p in st.resources):
        return False
    switches = dict(request.switches)
    for condition in st.conditions:
        holds = _condition_holds(condition, context) if _modeled(condition) else switches[condition]
        if not holds:
            return False
    return True


def _action_hit(st: Statement, action: str) -> bool:
    low = action.lower()
    return any(matches(symbols(p), low) for p in st.actions)


def allowed_by(stmts: Sequence[Statement], request: Request) -> list[str]:
    """The Allow statements that let `request` through, or none when a Deny stops it."""
    context = {k.lower(): (None if v is None else symbols(v, literal=True)) for k, v in request.context}
    allow, denied = [], False
    for st in stmts:
        if _statement_matches(st, request, _action_hit(st, request.action), context):
            if st.effect == "Deny":
                denied = True
            else:
                allow.append(st.name)
    return [] if denied else allow


# --- the comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    request: Request
    statements: tuple[str, ...]  # of the side that allows it
    unproven: str | None = None  # why it might not be a real difference, when it might not

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
        if self.unproven:
            out["unproven"] = self.unproven
        return out


@dataclass
class Comparison:
    broadening: list[Witness] = field(default_factory=list)  # allowed by head, not by base
    narrowing: list[Witness] = field(default_factory=list)  # allowed by base, not by head

    @property
    def changed(self) -> bool:
        return bool(self.broadening or self.narrowing)


def _universe(stmts: Sequence[Statement], expand: Callable[[str], list[str]]) -> list[str]:
    names: dict[str, str] = {}
    for st in stmts:
        for pattern in st.actions:
            for name in expand(pattern) or ([pattern] if "*" not in pattern and "?" not in pattern else []):
                names.setdefault(name.lower(), name)
    return sorted(names.values(), key=str.lower)


def _resources(patterns: tuple[Pattern, ...]) -> list[tuple[Symbol, ...] | None]:
    if not patterns:
        return [None]
    # Readable witnesses first: a named resource, one beside it, then any resource at all.
    shaped = [p for p in patterns if p != (STAR,)]
    seeds = [_filled(p, "example") for p in shaped] + [(*_filled(p, "example"), *"-other") for p in shaped]
    return list(atoms(list(patterns), [*seeds, ("*",), ()]).values())


def _contexts(stmts: Sequence[Statement]) -> list[tuple[tuple[str, str | None], ...]]:
    by_key: dict[str, list[Pattern]] = {}
    spelled: dict[str, str] = {}
    for st in stmts:
        for c in st.conditions:
            if _modeled(c):
                literal = _NEGATED.get(c.operator, c.operator) in _EQUALS
                by_key.setdefault(c.key, []).extend(symbols(v, literal=literal) for v in c.values)
                spelled.setdefault(c.key, c.spelled or c.key)
    choices: list[list[tuple[str, str | None]]] = []
    for key, patterns in sorted(by_key.items()):
        unique = list(dict.fromkeys(patterns))
        values = atoms(unique, [_filled(p, "example") for p in unique]).values()
        name = spelled[key]
        choices.append([(name, None), *((name, text_of(v)) for v in values)])
    return [tuple(combo) for combo in itertools.product(*choices)]


def _switch_sets(stmts: Sequence[Statement]) -> list[tuple[tuple[Condition, bool], ...]]:
    opaque = list(dict.fromkeys(c for st in stmts for c in st.conditions if not _modeled(c)))
    return [tuple(zip(opaque, combo, strict=True)) for combo in itertools.product((False, True), repeat=len(opaque))]


def compare(base: dict[str, Any], head: dict[str, Any], expand: Callable[[str], list[str]]) -> Comparison:
    """Every class of request that one policy allows and the other does not, with a witness."""
    a, b = statements(base), statements(head)
    both = [*a, *b]
    trust = any(st.principals is not None for st in both)
    principals: list[Principal | None] = list(_principals([a, b])) if trust else [None]
    contexts, switch_sets = _contexts(both), _switch_sets(both)
    if len(contexts) * len(switch_sets) > MAX_CONTEXTS:
        raise Undecidable(f"the conditions give more than {MAX_CONTEXTS} combinations to try")
    opaque = sorted({c.operator for st in both for c in st.conditions if not _modeled(c)})
    one_side = [{c for st in stmts for c in st.conditions if not _modeled(c)} for stmts in (a, b)]
    shared = one_side[0] & one_side[1]
    result = Comparison()
    resource_classes: dict[tuple[Pattern, ...], list[tuple[Symbol, ...] | None]] = {}
    for action in _universe(both, expand):
        # Only the statements that name the action can tell its resources apart.
        relevant = tuple(dict.fromkeys(p for st in both if _action_hit(st, action) for p in (st.resources or ())))
        if relevant not in resource_classes:
            resource_classes[relevant] = _resources(relevant)
        for principal, resource, context in itertools.product(principals, resource_classes[relevant], contexts):
            outcomes = []
            for switches in switch_sets:
                request = Request(principal, action, resource, context, switches)
                outcomes.append((request, allowed_by(a, request), allowed_by(b, request)))
            for newly, side in ((True, result.broadening), (False, result.narrowing)):
                # A witness for one side: allowed by that side's policy and not by the other's.
                hits = [
                    (r, mine)
                    for r, old, new in outcomes
                    if (mine := new if newly else old) and not (old if newly else new)
                ]
                if not hits or any(w.request.action == action and w.request.principal == principal for w in side):
                    continue  # one witness for each action (and principal) proves the difference
                proven = _proven(hits, outcomes, shared)
                why = None if proven else f"depends on conditions it cannot evaluate: {', '.join(opaque)}"
                shown = proven or hits[0]
                side.append(Witness(shown[0], tuple(shown[1]), why))
    return result


def _proven(
    hits: list[tuple[Request, list[str]]], outcomes: list[tuple[Request, list[str], list[str]]], shared: set[Condition]
) -> tuple[Request, list[str]] | None:
    """A hit that stands whatever the opaque conditions of one side only are, for some setting
    of the conditions both sides share (the same condition is the same switch on both sides)."""

    def setting(request: Request) -> tuple[bool, ...]:
        return tuple(on for condition, on in request.switches if condition in shared)

    hit_requests = [h[0] for h in hits]
    for hit in hits:
        group = [o[0] for o in outcomes if setting(o[0]) == setting(hit[0])]
        if all(r in hit_requests for r in group):
            return hit
    return None


def iter_witnesses(comparison: Comparison) -> Iterator[tuple[str, Witness]]:
    for witness in comparison.broadening:
        yield "broadening", witness
    for witness in comparison.narrowing:
        yield "narrowing", witness
