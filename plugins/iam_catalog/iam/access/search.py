"""The search over condition values for one class of request (one action class, principal and
resource): keys are assigned one at a time, only those of the statements that still match, and
a branch stops as soon as its outcome is known, so the cost follows the conditions the request
meets, not the product over the policy."""

from __future__ import annotations

from dataclasses import dataclass

from iam_catalog.iam.access.model import Undecidable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from iam_catalog.iam import conditions as ops
    from iam_catalog.iam.access.model import Statement
    from iam_catalog.iam.access.values import KeyChoices

    Outcomes = dict[str, tuple[bool, ...]]  # by key: each condition's outcome under the key's value

MAX_NODES = 200_000  # of one comparison's search over condition values
DIRECTIONS = ("broadening", "narrowing")  # allowed by the head and not the base; the reverse


@dataclass(frozen=True)
class Live:
    """The statements of one side that match the request class: its identity's, and each cap's."""

    identity: Sequence[Statement]
    caps: Sequence[Sequence[Statement]] = ()

    def every(self) -> list[Statement]:
        return [*self.identity, *(st for cap in self.caps for st in cap)]


class Search:
    """Condition values for one request class, assigned key by key: a branch stops once both
    sides' outcomes are known, or once neither direction still looked for can come of it."""

    def __init__(self, a: Live, b: Live, keys: dict[str, KeyChoices]) -> None:
        self.sides = (a, b)
        self.keys = keys
        self.index = {k: {c: i for i, c in enumerate(kc.conditions)} for k, kc in keys.items()}
        self.nodes = 0

    def _status(self, st: Statement, chosen: Outcomes) -> bool | None:
        unknown = False
        for c in st.conditions:
            outcome = chosen.get(c.key)
            if outcome is None:
                unknown = True
            elif not outcome[self.index[c.key][c]]:
                return False
        return None if unknown else True

    def _policy(self, stmts: Sequence[Statement], chosen: Outcomes) -> tuple[bool | None, list[str]]:
        denies = [self._status(st, chosen) for st in stmts if st.effect == "Deny"]
        allows = [(st.name, self._status(st, chosen)) for st in stmts if st.effect != "Deny"]
        if any(d is True for d in denies) or all(s is False for _, s in allows):
            return False, []
        if all(d is False for d in denies) and any(s is True for _, s in allows):
            return True, [name for name, s in allows if s is True]
        return None, []

    def _side(self, side: Live, chosen: Outcomes) -> tuple[bool | None, list[str]]:
        """Whether the side allows: its identity's policies do, and every cap does too."""
        allowed, by = self._policy(side.identity, chosen)
        for cap in side.caps:
            capped, _ = self._policy(cap, chosen)
            allowed = False if allowed is False or capped is False else True if allowed and capped else None
        return allowed, by

    def _unassigned(self, chosen: Outcomes) -> str:
        """The next key to assign: the first one, in the statements' order, of a statement still open."""
        return next(
            c.key
            for side in self.sides
            for stmts in (side.identity, *side.caps)
            for st in stmts
            if self._status(st, chosen) is None
            for c in st.conditions
            if c.key not in chosen
        )

    def find(self, wanted: set[str]) -> dict[str, tuple[dict[str, ops.Context], list[str]]]:
        """For each direction wanted, one assignment of condition values that shows it, with the
        statements that allow it."""
        found: dict[str, tuple[dict[str, ops.Context], list[str]]] = {}

        def walk(chosen: Outcomes, values: dict[str, ops.Context]) -> None:
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise Undecidable(f"the conditions need more than {MAX_NODES} combinations of values to try")
            (a, a_by), (b, b_by) = (self._side(s, chosen) for s in self.sides)
            open_ = [
                d
                for d, (mine, other) in zip(DIRECTIONS, ((b, a), (a, b)), strict=True)
                if d in wanted and d not in found and mine is not False and other is not True
            ]
            if not open_:
                return
            if a is not None and b is not None:
                direction = open_[0]
                found[direction] = (dict(values), b_by if direction == "broadening" else a_by)
                return
            key = self._unassigned(chosen)
            for context, outcome in self.keys[key].choices:
                walk({**chosen, key: outcome}, {**values, key: context})
                if all(d in found for d in open_):
                    return

        walk({}, {})
        return found
