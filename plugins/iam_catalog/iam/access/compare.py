"""`compare(base, head)`: every class of request that one side allows and the other does not,
each with a witness.

The two sides are evaluated on a finite set of requests that stands for every request AWS could
make. Actions that the same statements name behave alike and are worked out once; resources are
cut into the atoms of the live statements' patterns; a trust policy's principals into those of
`principals`; condition values are searched key by key (`search`). Policy variables are taken
apart first (`variables`). Each side's documents are parsed once, by the caller (`Side.of`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from iam_catalog.iam.access import variables as policy_variables
from iam_catalog.iam.access.automata import filled, group_atoms, matches
from iam_catalog.iam.access.evaluation import Request, action_classes, outside_conditions
from iam_catalog.iam.access.model import UNLISTED_ACTION, Condition, Side, Statement
from iam_catalog.iam.access.principals import Principal, principals_of
from iam_catalog.iam.access.results import Comparison, Witness, iter_witnesses
from iam_catalog.iam.access.search import DIRECTIONS, Live, Search
from iam_catalog.iam.access.values import KeyChoices, key_choices
from iam_catalog.iam.patterns import STAR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from iam_catalog.iam import conditions as ops

    Symbol = str | object
    Pattern = tuple[Symbol, ...]
    Expand = Callable[[str], list[str]]  # AWS's actions that a pattern names


def compare(base: Side, head: Side, expand: Expand, base_actions_only: bool = False) -> Comparison:
    """Every class of request that one side allows and the other does not, with a witness.
    `base_actions_only`: only the actions the base names (enough to find what the head lacks)."""
    if base == head:
        return _compare(base, head, expand, base_actions_only)
    every = [*base.every(), *head.every()]
    if free := policy_variables.resource_variables(every):
        (base, head), patterns = policy_variables.split([base, head], free)
        return policy_variables.read_back(compare(base, head, expand, base_actions_only), free, patterns)
    compared = list(base.identity) if base_actions_only else [*base.identity, *head.identity]
    if names := policy_variables.deciding_variables(every, lambda: _universe(compared, expand)):
        return _by_assignment(base, head, expand, base_actions_only, every, names)
    return _compare(base, head, expand, base_actions_only)


def _by_assignment(
    base: Side, head: Side, expand: Expand, base_actions_only: bool, every: list[Statement], names: list[str]
) -> Comparison:
    """A policy variable where a Deny or a negated condition reads it stands for a value of the
    request's context: the comparison is made with the variable equal to a value of each class
    that the values it is compared with tell apart (one beside them all included), and the
    witnesses of every such comparison, each naming the variable's value, are the answer."""
    tried, pinned = policy_variables.assignments(every, names)
    result = Comparison()
    seen: set[tuple[str, Request]] = set()
    for values in tried:
        a, b = (side.mapped(lambda stmts: policy_variables.assigned(stmts, values)) for side in (base, head))  # noqa: B023
        held: dict[str, ops.Context] = {
            pinned[v]: None if x is None else tuple(x) for v, x in values.items() if v in pinned
        }
        for direction, witness in iter_witnesses(_compare(a, b, expand, base_actions_only, held)):
            request = policy_variables.shown(values, witness.request)
            if (direction, request) not in seen:
                seen.add((direction, request))
                result.side(direction).append(Witness(request, witness.statements))
    return result


def _may_be_action(name: str) -> bool:
    """Whether a name that AWS's list does not have may still be an action's, one AWS adds later:
    not a pattern, and a name after the prefix without white space (which no action has)."""
    service, colon, rest = name.partition(":")
    return bool(service and colon and rest) and not any(c in name for c in "*?") and not re.search(r"\s", name)


def _universe(stmts: Sequence[Statement], expand: Expand) -> list[str]:
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
    seeds = [filled(p, "example") for p in shaped] + [(*filled(p, "example"), *"-other") for p in shaped]
    return tuple(group_atoms(list(groups), [*seeds, ("*",), ()]).values())


def _live(side: Side, hits: Sequence[bool], at: int) -> tuple[Live, int]:
    """The side's statements that an action class's hits name, from `at` in the hits; and where
    the next side's begin."""
    sets = [side.identity, *side.caps]
    live = []
    for stmts in sets:
        live.append([st for st, hit in zip(stmts, hits[at : at + len(stmts)], strict=True) if hit])
        at += len(stmts)
    return Live(live[0], live[1:]), at


def _matching(live: Live, probe: Request) -> Live:
    """The live statements that match the probe's principal and resource."""
    return Live(
        [st for st in live.identity if outside_conditions(st, probe)],
        [[st for st in cap if outside_conditions(st, probe)] for cap in live.caps],
    )


class _Keys:
    """Each condition key's choices, worked out once per set of conditions on it."""

    def __init__(self, held: dict[str, ops.Context]) -> None:
        self.held = held
        self.known: dict[tuple[Condition, ...], KeyChoices] = {}

    def of(self, sides: Sequence[Live]) -> dict[str, KeyChoices]:
        by_key: dict[str, list[Condition]] = {}
        for side in sides:
            for st in side.every():
                for c in st.conditions:
                    by_key.setdefault(c.key, []).append(c)
        keys = {}
        for key, conds in by_key.items():
            signature = tuple(dict.fromkeys(conds))
            if signature not in self.known:
                held = (self.held[key],) if key in self.held else None
                self.known[signature] = key_choices(key, signature, held)
            keys[key] = self.known[signature]
        return keys


def _compare(
    base: Side, head: Side, expand: Expand, base_actions_only: bool, held: dict[str, ops.Context] | None = None
) -> Comparison:
    """`held`: condition keys (lower case) that have one value (None: none) in every request."""
    trust = any(st.principals is not None for st in (*base.identity, *head.identity))
    principals: list[Principal | None] = list(principals_of([base.identity, head.identity])) if trust else [None]
    result = Comparison()
    keys = _Keys(held or {})
    universe = _universe(base.identity if base_actions_only else [*base.identity, *head.identity], expand)
    for hits, actions in action_classes([*base.every(), *head.every()], universe).items():
        live_a, at = _live(base, hits, 0)
        live_b, _ = _live(head, hits, at)
        # Only the statements that name the action can tell its resources apart, each as a whole.
        relevant = tuple(dict.fromkeys(st.resources for st in (*live_a.every(), *live_b.every()) if st.resources))
        for principal in principals:
            wanted = set(DIRECTIONS)
            for resource in _resources(relevant):
                probe = Request(principal, actions[0], resource, ())
                sides = (_matching(live_a, probe), _matching(live_b, probe))
                found = keys.of(sides)
                for direction, (values, by) in Search(*sides, found).find(wanted).items():
                    wanted.discard(direction)
                    context = tuple((found[k].spelled, v) for k, v in values.items())
                    for action in actions:  # one witness for each action (and principal)
                        result.side(direction).append(Witness(Request(principal, action, resource, context), tuple(by)))
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
