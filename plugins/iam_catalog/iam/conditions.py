"""IAM's condition operators: one table that the engine, `validate` and the docs read.

An operator as a policy writes it is `[ForAllValues:|ForAnyValue:]<operator>[IfExists]`. The
table gives each operator its family, the kind of value it compares, its test and whether it is
negated; `parse` reads the full spelling, `value_problem` checks a policy's value for it, and
`holds` decides a condition on one request's value, the way AWS documents it:

- A key the request lacks fails a positive test and passes a negated one; `...IfExists` passes
  it; `ForAllValues:` passes it and `ForAnyValue:` fails it, with or without `IfExists` (as AWS
  answers: re:Post "ForAnyValue:StringEqualsIfExists behaving unexpectedly").
- `ForAllValues:` needs every value of the request to pass the test, `ForAnyValue:` one of them.
- A negated operator passes a value that matches none of the policy's values.
- Condition key names ignore letter case; values do not, except where the operator says so.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from iam_catalog.iam.patterns import ANY_VARIABLE, STAR, policy_symbols

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import TypeAlias

    Symbol = str | object
    Pattern = tuple[Symbol, ...]
    Matcher = Callable[[Pattern, Sequence[Symbol]], bool]
    Value = tuple[Symbol, ...]  # one request value (a placeholder is one symbol)
    Context: TypeAlias = "Value | ValueSet | None"  # a value, a set of values, or none

SEGMENT = object()  # an ARN's `*` before its resource part: any run of characters but `:`
QUALIFIERS = ("ForAllValues", "ForAnyValue")
IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class Operator:
    name: str
    family: str
    domain: str  # what a value is: text, arn, bool, binary, number, date, ip, null
    test: str  # equals, like, lt, le, gt, ge, in, null
    negated: bool
    ignore_case: bool
    meaning: str


def _family(family: str, domain: str, rows: Iterable[tuple[str, str, str]]) -> list[Operator]:
    out = []
    for name, test, meaning in rows:
        negated = "Not" in name
        out.append(Operator(name, family, domain, test, negated, "IgnoreCase" in name or domain == "bool", meaning))
    return out


_ORDERED = (
    ("Equals", "equals", "the value equals one of the policy's {what}"),
    ("NotEquals", "equals", "the value equals none of the policy's {what}"),
    ("LessThan", "lt", "the value is less than one of the policy's {what}"),
    ("LessThanEquals", "le", "the value is at most one of the policy's {what}"),
    ("GreaterThan", "gt", "the value is greater than one of the policy's {what}"),
    ("GreaterThanEquals", "ge", "the value is at least one of the policy's {what}"),
)

TABLE: tuple[Operator, ...] = tuple(
    [
        *_family(
            "String",
            "text",
            [
                ("StringEquals", "equals", "the value is one of the policy's strings, letter case counting"),
                ("StringNotEquals", "equals", "the value is none of the policy's strings, letter case counting"),
                ("StringEqualsIgnoreCase", "equals", "the value is one of the policy's strings, ignoring letter case"),
                ("StringNotEqualsIgnoreCase", "equals", "the value is none of the policy's strings, ignoring case"),
                ("StringLike", "like", "the value matches one of the policy's patterns (`*` and `?` anywhere)"),
                ("StringNotLike", "like", "the value matches none of the policy's patterns"),
            ],
        ),
        *_family("Numeric", "number", [(f"Numeric{s}", t, m.format(what="numbers")) for s, t, m in _ORDERED]),
        *_family("Date", "date", [(f"Date{s}", t, m.format(what="dates (ISO 8601 or epoch)")) for s, t, m in _ORDERED]),
        *_family("Bool", "bool", [("Bool", "equals", "the value is `true` or `false`, as the policy says")]),
        *_family("Binary", "binary", [("BinaryEquals", "equals", "the bytes are one of the policy's (base64)")]),
        *_family(
            "IpAddress",
            "ip",
            [
                ("IpAddress", "in", "the address is in one of the policy's CIDR ranges (IPv4 or IPv6)"),
                ("NotIpAddress", "in", "the address is in none of the policy's CIDR ranges"),
            ],
        ),
        *_family(
            "Arn",
            "arn",
            [
                ("ArnEquals", "like", "the ARN matches one of the policy's, part by part (`*` and `?` within a part)"),
                ("ArnLike", "like", "the ARN matches one of the policy's, part by part (`*` and `?` within a part)"),
                ("ArnNotEquals", "like", "the ARN matches none of the policy's, part by part"),
                ("ArnNotLike", "like", "the ARN matches none of the policy's, part by part"),
            ],
        ),
        *_family("Null", "null", [("Null", "null", "`true`: the request lacks the key; `false`: it has it")]),
    ]
)  # fmt: skip
OPERATORS = {op.name: op for op in TABLE}


@dataclass(frozen=True)
class Parsed:
    operator: Operator
    qualifier: str | None  # ForAllValues or ForAnyValue: the request's value is a set
    if_exists: bool

    @property
    def spelled(self) -> str:
        prefix = f"{self.qualifier}:" if self.qualifier else ""
        return f"{prefix}{self.operator.name}{IF_EXISTS if self.if_exists else ''}"


class UnknownOperator(ValueError):
    """Not an operator IAM accepts; the message says why and, when it can, what was meant."""


def spellings() -> list[str]:
    """Every operator IAM accepts, set qualifiers aside: the did-you-mean candidates."""
    return [*OPERATORS, *(f"{name}{IF_EXISTS}" for name, op in OPERATORS.items() if op.domain != "null")]


@lru_cache(maxsize=1024)
def parse(text: str) -> Parsed:
    qualifier, _, rest = text.rpartition(":")
    if qualifier and qualifier not in QUALIFIERS:
        close = difflib.get_close_matches(qualifier, QUALIFIERS, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}:'?)" if close else f" (IAM knows {' and '.join(QUALIFIERS)})"
        raise UnknownOperator(f"unknown set qualifier '{qualifier}:' in condition operator '{text}'{hint}")
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    name = rest[: -len(IF_EXISTS)] if if_exists else rest
    operator = OPERATORS.get(name)
    if operator is None:
        close = difflib.get_close_matches(rest, spellings(), n=1, cutoff=0.6)
        hint = f" (did you mean '{(qualifier + ':') if qualifier else ''}{close[0]}'?)" if close else ""
        raise UnknownOperator(f"unknown condition operator '{text}'{hint}")
    if operator.domain == "null" and (if_exists or qualifier):
        raise UnknownOperator(f"'{text}': Null takes neither IfExists nor a set qualifier")
    return Parsed(operator, qualifier or None, if_exists)


# --- values --------------------------------------------------------------------------------


def has_variable(value: str) -> bool:
    """Whether a value holds a placeholder or an IAM policy variable, filled only later."""
    return bool(ANY_VARIABLE.search(value))


def _finite(value: float) -> float | None:
    """A number past a double's range (an operator's 5,000 digits) is no number IAM compares."""
    return value if math.isfinite(value) else None


def _number(text: str) -> float | None:
    return _finite(float(text)) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text.strip()) else None


# The last second a date can be shown (and one step beside it written): a later epoch value is
# no date IAM compares, as a number past a double's range is no number.
_LAST_DATE = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def _date(text: str) -> float | None:
    """Seconds since the epoch, from ISO 8601 (a date, or a time with a zone) or epoch seconds."""
    if re.fullmatch(r"\d+", text):
        seconds = float(text)
        return seconds if seconds <= _LAST_DATE else None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_EXPECTED = {
    "number": (_number, "a number"),
    "date": (_date, "a date in ISO 8601 (2026-01-31T00:00:00Z) or epoch seconds"),
    "ip": (_network, "an IPv4 or IPv6 address or CIDR range (10.0.0.0/8)"),
    "binary": (_binary, "base64"),
}


def value_problem(parsed: Parsed, value: str) -> str | None:
    """Why IAM would refuse or never match `value` for the operator; None when it is fine."""
    domain = parsed.operator.domain
    if has_variable(value):
        return None
    if domain in ("bool", "null"):
        return None if value.lower() in ("true", "false") else f"{parsed.spelled} takes true or false, not '{value}'"
    if domain in _EXPECTED:
        read, expected = _EXPECTED[domain]
        return None if read(value) is not None else f"{parsed.spelled} takes {expected}, not '{value}'"
    return None


# --- patterns of the text-like families, for the engine's automata --------------------------


def _caseless(text: str) -> Pattern:
    """A literal that matches each letter in either case: a set of symbols stands for either."""
    return tuple(
        frozenset({s.lower(), s.upper()}) if isinstance(s, str) and s.lower() != s.upper() else s
        for s in policy_symbols(text, literal=True)
    )


def arn_pattern(text: str) -> Pattern:
    """An ARN pattern: up to its resource part a wildcard stays within one `:`-delimited part."""
    parts = text.split(":", 5)
    if len(parts) < 6:
        return policy_symbols(text)
    head = ":".join(parts[:5]) + ":"
    return (*(SEGMENT if s is STAR else s for s in policy_symbols(head)), *policy_symbols(parts[5]))


@lru_cache(maxsize=4096)
def pattern(operator: Operator, value: str) -> Pattern | None:
    """The automaton pattern of a text-like condition value; None for other families."""
    if operator.domain == "arn":
        return arn_pattern(value)
    if operator.domain == "bool":
        return None  # a request's Bool value is true or false: two values, compared caselessly
    if operator.ignore_case:
        return _caseless(value)
    if operator.domain in ("text", "binary"):
        return policy_symbols(value, literal=operator.test == "equals")
    return None


# --- deciding a condition on one request ---------------------------------------------------


class ValueSet(tuple):  # type: ignore[type-arg]
    """The values of a multi-valued key (read by `ForAllValues:` and `ForAnyValue:`) in one request."""


def _text(value: Sequence[Symbol]) -> str | None:
    return None if any(not isinstance(s, str) or len(s) != 1 for s in value) else "".join(value)  # type: ignore[arg-type]


def _compare(test: str, a: float, b: float) -> bool:
    return {"equals": a == b, "lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[test]


def test_value(parsed: Parsed, policy_value: str, value: Value, matches: Matcher) -> bool:
    """The positive test of one policy value against one request value."""
    op = parsed.operator
    shape = pattern(op, policy_value)
    if shape is not None:
        return matches(shape, value)
    text = _text(value)
    if text is None:
        return False
    if op.domain == "bool":
        return text.lower() == policy_value.lower()
    if op.domain in ("number", "date"):
        read = _number if op.domain == "number" else _date
        a, b = read(text), read(policy_value)
        return a is not None and b is not None and _compare(op.test, a, b)
    if op.domain == "ip":
        address, network = _address(text), _network(policy_value)
        return address is not None and network is not None and address.version == network.version and address in network
    return False


def holds(parsed: Parsed, values: Sequence[str], context: Context, matches: Matcher) -> bool:
    """Whether the condition passes for the request's value(s) of its key (None: no value)."""
    op = parsed.operator
    if op.domain == "null":
        wanted = {"true": context is None, "false": context is not None}
        return any(wanted.get(v.lower(), False) for v in values)
    if context is None:  # a set qualifier decides before IfExists: ForAnyValue:...IfExists fails
        if parsed.qualifier:
            return parsed.qualifier == "ForAllValues"
        return parsed.if_exists or op.negated

    def one(value: Value) -> bool:
        return any(test_value(parsed, v, value, matches) for v in values) != op.negated

    many = tuple(context) if isinstance(context, ValueSet) else (context,)
    if parsed.qualifier == "ForAllValues":
        return all(one(v) for v in many)
    if parsed.qualifier == "ForAnyValue":
        return any(one(v) for v in many)
    # Without a qualifier an operator reads one value: a key given as a set passes none.
    return not isinstance(context, ValueSet) and one(context)


# --- representative request values --------------------------------------------------------


def _ordered_points(points: Iterable[float], step: float) -> list[float]:
    """A value in every class that thresholds at `points` cut the line into."""
    cuts = sorted(set(points)) or [0.0]
    out: list[float] = []
    for i, c in enumerate(cuts):
        below = cuts[i - 1] if i else None
        gap = c - below if below is not None else None
        out.append(c - step if gap is None or gap > step else c - gap / 2)
        out.append(c)
    out.append(cuts[-1] + step)
    return list(dict.fromkeys(out))


def _shown_number(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


def _shown_date(x: float) -> str:
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=x)
    return when.isoformat(timespec="milliseconds" if x != int(x) else "seconds").replace("+00:00", "Z")


def _ip_points(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> list[str]:
    out: list[str] = []
    kinds = ((4, ipaddress.IPv4Address, "192.0.2.1"), (6, ipaddress.IPv6Address, "2001:db8::1"))
    for version, kind, sample in kinds:
        top = 2 ** (32 if version == 4 else 128) - 1
        points = {int(kind(sample))}
        for n in networks:
            if n.version == version:
                lo, hi = int(n.network_address), int(n.broadcast_address)
                points.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p <= top)
        out.extend(str(kind(p)) for p in sorted(points))
    return out


def ordered_values(conditions: Sequence[tuple[Parsed, Sequence[str]]]) -> list[str]:
    """Request values, one in each class that the Numeric, Date and IpAddress conditions on one
    key tell apart (each threshold, either side of it, each range's ends and either side)."""
    numbers: list[float] = []
    dates: list[float] = []
    networks = []
    for parsed, values in conditions:
        for v in values:
            domain = parsed.operator.domain
            if domain == "number" and (n := _number(v)) is not None:
                numbers.append(n)
            elif domain == "date" and (d := _date(v)) is not None:
                dates.append(d)
            elif domain == "ip" and (net := _network(v)) is not None:
                networks.append(net)
    domains = {p.operator.domain for p, _ in conditions}
    out = [_shown_number(x) for x in _ordered_points(numbers, 1.0)] if "number" in domains else []
    out += [_shown_date(x) for x in _ordered_points(dates, 1.0)] if "date" in domains else []
    out += _ip_points(networks) if "ip" in domains else []
    if "bool" in domains:
        out += ["true", "false"]
    return out
