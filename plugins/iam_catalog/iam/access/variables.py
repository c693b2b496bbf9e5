"""IAM policy variables (`${aws:username}`), worked on parsed statements.

Where an Allow's resource or plain condition holds a variable, it is one unknown symbol, the same
on both sides, and needs nothing here. Two places need more:

- a Deny's Resource or NotResource: the statement is taken apart into statements that hold `*`
  for the variable under a made-up condition key that says whether the request's resource fits
  the pattern (`split`), and each witness reads the key back as the variable's value
  (`read_back`);
- a Deny's condition, or a negated one: the variable stands for a value of the request's context,
  so the comparison is made once for a value of each class that the values it is compared with
  tell apart (`assignments`, then `assigned`).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace

from iam_catalog.iam import conditions as ops
from iam_catalog.iam.access.automata import text_of
from iam_catalog.iam.access.evaluation import Request, action_classes
from iam_catalog.iam.access.model import Condition, Side, Statement, Undecidable
from iam_catalog.iam.access.results import Comparison, Witness, iter_witnesses
from iam_catalog.iam.access.values import text_values
from iam_catalog.iam.patterns import IAM_VARIABLE, ONE, STAR, escaped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    Symbol = str | object
    Pattern = tuple[Symbol, ...]
    Values = dict[str, str | None]  # each variable (as written): its value, or None where it has none

MAX_ASSIGNMENTS = 64  # values tried for the policy variables of one comparison, all together


def _is(symbol: Symbol, low: str) -> bool:
    return isinstance(symbol, str) and symbol.lower() == low


# --- a variable in a Deny's resource ----------------------------------------------------------


def resource_variables(stmts: Sequence[Statement]) -> dict[str, str]:
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


def _with_condition(conditions: tuple[Condition, ...], added: Condition) -> tuple[Condition, ...]:
    """`added` (a Null condition) after the statement's other Null conditions, or last."""
    at = max((i + 1 for i, c in enumerate(conditions) if c.operator == "Null"), default=len(conditions))
    return (*conditions[:at], added, *conditions[at:])


def _split_on(st: Statement, pattern: Pattern, variable: str) -> list[Statement]:
    """A statement whose resources hold `pattern` (with `variable`), as statements that hold it
    with `*` for the variable, under the made-up key: together they match what it matches."""
    if st.resources is None or pattern not in st.resources:
        return [st]
    rest = tuple(p for p in st.resources if p != pattern)
    low = variable.lower()
    star = tuple(STAR if _is(s, low) else s for s in pattern)
    key = _matched_key(variable)

    def under(null: str) -> tuple[Condition, ...]:
        return _with_condition(st.conditions, Condition("Null", key.lower(), (null,), key))

    if not st.not_resource:  # in rest, or in the pattern where the variable's value fits
        return [
            *([replace(st, resources=rest)] if rest else []),
            replace(st, resources=(star,), conditions=under("false")),
        ]
    # Outside them all: outside the pattern with `*` too, or outside the rest where it does not fit.
    rest_part = replace(st, resources=rest) if rest else replace(st, resources=((STAR,),), not_resource=False)
    return [replace(st, resources=(star, *rest)), replace(rest_part, conditions=under("true"))]


def _mentions(c: Condition, low: str) -> bool:
    return low[2:-1] == c.key or any(low in text.lower() for text in (c.key, *c.values))


def split(sides: list[Side], variables: dict[str, str]) -> tuple[list[Side], dict[str, Pattern]]:
    """The sides with each variable of a Deny's resource taken apart from the request's value: a
    request's resource fits the one pattern that holds it (the value being the part of the
    resource that the pattern gives the variable) or does not (the value being any other).
    Exact when the variable is in one pattern, once, and nowhere else; else Undecidable. Also
    that pattern, by the variable (lower case)."""
    patterns: dict[str, Pattern] = {}
    for low, variable in variables.items():
        found: set[Pattern] = set()
        for st in (st for side in sides for st in side.every()):
            found.update(p for p in st.resources or () if any(_is(s, low) for s in p))
            if any(_mentions(c, low) for c in st.conditions):
                raise Undecidable(f"{variable} in a Deny's resource and in a condition: not modeled")
        if len(found) != 1 or sum(_is(s, low) for s in next(iter(found))) != 1:
            raise Undecidable(f"{variable} in more than one resource pattern of a Deny: not modeled")
        pattern = patterns[low] = next(iter(found))
        sides = [
            side.mapped(lambda stmts: tuple(part for st in stmts for part in _split_on(st, pattern, variable)))  # noqa: B023 - used at once
            for side in sides
        ]
    return sides, patterns


def _regex(symbols: Sequence[Symbol]) -> str:
    return "".join(
        ".*" if s is STAR else "." if s is ONE else re.escape(s) if isinstance(s, str) else "" for s in symbols
    )


def read_back(result: Comparison, variables: dict[str, str], patterns: dict[str, Pattern]) -> Comparison:
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
            pattern = patterns[low]
            at = next(i for i, s in enumerate(pattern) if _is(s, low))
            fits = re.fullmatch(
                f"{_regex(pattern[:at])}(.*){_regex(pattern[at + 1 :])}", resource, re.DOTALL | re.IGNORECASE
            )
            if held and held[0] is not None and fits:
                value = fits[1]
            else:
                value = next(f"other{n or ''}" for n in itertools.count() if f"other{n or ''}" not in resource)
            context.append((variable[2:-1], tuple(value)))
        out.side(direction).append(Witness(Request(r.principal, r.action, r.resource, tuple(context)), w.statements))
    return out


# --- a variable in a Deny's condition, or a negated one ----------------------------------------


def deciding_variables(stmts: Sequence[Statement], universe: Callable[[], Sequence[str]]) -> list[str]:
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
    classes = action_classes(list(reading), universe())
    live = [st for i, st in enumerate(reading) if any(hits[i] for hits in classes)]
    return list(dict.fromkeys(name for st in live for name in reading[st]))


def _classes(variable: str, every: Sequence[Statement], reads: set[str]) -> list[str]:
    """A value of each class that the literal values compared with the variable tell apart."""
    own = variable[2:-1].lower()
    compared = tuple(
        dict.fromkeys(
            c
            for st in every
            for c in st.conditions
            if (c.key in reads or c.key == own) and not any(IAM_VARIABLE.search(v) for v in c.values)
        )
    )
    if not compared:
        return []
    found = [text_of(v) for v in text_values(compared)]
    found += [text_of(v) for v in ops.ordered_values([(c.parsed, c.values) for c in compared])]
    return list(dict.fromkeys(found))


def assignments(every: Sequence[Statement], variables: list[str]) -> tuple[list[Values], dict[str, str]]:
    """The values to try for the variables, all together, and each pinned variable's own key
    (lower case): a variable whose key a condition also reads (`${aws:PrincipalTag/team}` beside
    a condition on `aws:PrincipalTag/team`) is that key's value in the same request, so its
    values are also those the key's own conditions tell apart, and the key is held to it."""
    pinned: dict[str, str] = {}
    classes: dict[str, list[str]] = {}
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
        classes[variable] = _classes(variable, every, reads[variable])
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
    return [dict(zip(variables, combo, strict=True)) for combo in itertools.product(*options)], pinned


def _without_resources(st: Statement, missing: Sequence[str]) -> Statement | None:
    """The statement without the resource patterns that use a variable of `missing`."""

    def unresolved(p: Pattern) -> bool:
        return any(_is(s, m) for s in p for m in missing)

    if st.resources is None or not any(map(unresolved, st.resources)):
        return st
    kept = tuple(p for p in st.resources if not unresolved(p))
    if not st.not_resource:
        return replace(st, resources=kept) if kept else None
    return replace(st, resources=kept) if kept else replace(st, resources=((STAR,),), not_resource=False)


def _unresolved(st: Statement, missing: Sequence[str]) -> Statement | None:
    """A statement as read in a request that lacks the keys of the variables `missing` (lower
    case), or None when it can then apply to nothing. AWS's reference says only that a variable
    it cannot resolve may make the statement invalid; here, as the independent evaluator of
    tests/test_simulate.py reads it, each value that uses one matches nothing, after the
    condition's own key is judged absent or present as usual: so a negated operator on a present
    key that is compared only with such values fails."""
    kept_st = _without_resources(st, missing)
    if kept_st is None:
        return None

    def unresolved(text: str) -> bool:
        return any(m in text.lower() for m in missing)

    conditions: list[Condition] = []
    absent: dict[str, str] = {}  # keys (lower case, as spelled) that must be missing for the condition to hold
    for c in st.conditions:
        parsed = c.parsed
        kept = tuple(v for v in c.values if not unresolved(v))
        if len(kept) == len(c.values):
            conditions.append(c)
        elif parsed.qualifier or parsed.operator.domain == "null":
            raise Undecidable(f"a policy variable with no value in {c.operator}: not modeled")
        elif parsed.operator.negated or (parsed.if_exists and not kept):
            absent.setdefault(c.key, c.spelled)  # holds only where the key is missing
        elif kept:
            conditions.append(replace(c, values=kept))
        else:
            return None
    for key, spelled in absent.items():
        nulls = [i for i, c in enumerate(conditions) if c.operator == "Null" and c.key == key]
        if any([str(v).lower() for v in conditions[i].values] != ["true"] for i in nulls):
            return None  # a key both present and missing
        if not nulls:
            conditions = list(_with_condition(tuple(conditions), Condition("Null", key, ("true",), spelled)))
    return replace(kept_st, conditions=tuple(conditions))


def _given(st: Statement, found: re.Pattern[str], lower: dict[str, str]) -> Statement:
    """The statement with each variable of `lower` replaced by its value, as text: a request's
    value is text, not a pattern, so its `*`, `?` and `$` are written as IAM's escapes."""

    def text(value: str) -> str:
        # A function as the replacement: the value's own backslashes stay as they are.
        return found.sub(lambda m: escaped(lower[m[0].lower()]), value) if "${" in value else value

    def symbols(p: Pattern) -> Pattern:
        return tuple(
            c for s in p for c in (tuple(lower[s.lower()]) if isinstance(s, str) and s.lower() in lower else (s,))
        )

    return replace(
        st,
        resources=None if st.resources is None else tuple(map(symbols, st.resources)),
        principals=None if st.principals is None else tuple((k, text(v)) for k, v in st.principals),
        conditions=tuple(replace(c, values=tuple(map(text, c.values))) for c in st.conditions),
    )


def assigned(stmts: tuple[Statement, ...], values: Values) -> tuple[Statement, ...]:
    """The statements with each policy variable of `values` (as written) replaced by its value,
    or read as IAM reads it where it has none (None)."""
    missing = [variable.lower() for variable, text in values.items() if text is None]
    read = [_unresolved(st, missing) if missing else st for st in stmts]
    kept = [st for st in read if st is not None]
    given = {variable.lower(): text for variable, text in values.items() if text is not None}
    if not given:
        return tuple(kept)
    found = re.compile("|".join(map(re.escape, given)), re.IGNORECASE)
    return tuple(_given(st, found, given) for st in kept)


def shown(values: Values, request: Request) -> Request:
    """The request with each variable's value beside its context, where no key of it names it."""
    named = {k.lower() for k, _ in request.context}
    extra = tuple((v[2:-1], None if x is None else tuple(x)) for v, x in values.items() if v[2:-1].lower() not in named)
    return Request(request.principal, request.action, request.resource, (*request.context, *extra))
