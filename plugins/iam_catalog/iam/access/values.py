"""Condition values: what one condition key can do to the conditions on it.

A key takes no value, one value from each class its conditions tell apart, or (for a key under
`ForAllValues:` or `ForAnyValue:`) a set of such values. Values that lead to the same outcome of
every condition are one choice.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from iam_catalog.iam import conditions as ops
from iam_catalog.iam.access.automata import atoms, filled, matches
from iam_catalog.iam.access.model import Condition, Undecidable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    Symbol = str | object

MAX_SETS = 20_000  # sets of values tried for one multi-valued key


@dataclass(frozen=True)
class KeyChoices:
    """What one condition key can do to the conditions on it: each choice is a value (or none,
    or a set) with the outcome it gives each of those conditions."""

    spelled: str
    conditions: tuple[Condition, ...]
    choices: tuple[tuple[ops.Context, tuple[bool, ...]], ...]


_ARN_SHAPE = ops.arn_pattern("arn:*:*:*:*:*")  # what every ARN matches


def text_values(conditions: Sequence[Condition]) -> list[tuple[Symbol, ...]]:
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
    found = atoms(patterns, [*(filled(p, "example") for p in unique), tuple(other)])
    return [v for hits, v in found.items() if not arn or hits[-1]]


def key_choices(key: str, conditions: Sequence[Condition], held: tuple[ops.Context] | None = None) -> KeyChoices:
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
    values: list[tuple[Symbol, ...]] = text_values(unique)
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
