"""Policy documents as plain JSON data: fill placeholders, fix the form, measure the size."""

from __future__ import annotations

import itertools
import json
import re

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    # A value is one string, or several (print-iam --assumes-roles A,B) that expand the text.
    Values = Mapping[str, str | Sequence[str]]

IAM_VERSION = "2012-10-17"

# AWS IAM quotas, in characters with whitespace not counted.
MANAGED_POLICY_LIMIT = 6144
INLINE_ROLE_LIMIT = 10240
TRUST_POLICY_LIMIT = 2048

# AWS's ARN-format notation. IAM's own policy variables (`${aws:username}`) hold a colon and
# so never match: they pass through untouched.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")

# An IAM role's or user's ARN: partition, account, kind, name. Written so that Python's
# re.fullmatch and JavaScript's ^(?:...)$ read it alike; the browser gets it with the catalog.
IDENTITY_ARN = r"arn:([^:\n]+):iam::([0-9]{12}):(role|user)/([^\n]+)"


def identity_parts(arn: str) -> tuple[str, str, str, str] | None:
    """Partition, account, kind (role or user) and name (a path kept) of an IAM identity's
    ARN; None for anything else."""
    match = re.fullmatch(IDENTITY_ARN, arn)
    return (match[1], match[2], match[3], match[4]) if match else None


def identity_name(value: str) -> str:
    """The name in an identity given as a name or as its ARN."""
    parts = identity_parts(value) if value.startswith("arn:") else None
    return parts[3] if parts else value


# Keys whose values IAM reads as sets of strings: an expansion adds items to them.
_SET_VALUED = ("Action", "NotAction", "Resource", "NotResource")


def full_match(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern` as a whole: the one way a catalog pattern is applied."""
    return re.fullmatch(pattern, value) is not None


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def fill(text: str, values: Values) -> list[str]:
    """Every expansion of `text`; unknown placeholders stay as written."""
    if "${" not in text:
        return [text]
    several = False

    def one(m: re.Match[str]) -> str:
        nonlocal several
        value = values.get(m.group(1))
        if isinstance(value, str):
            return value
        several = several or value is not None
        return m.group(0)

    filled = PLACEHOLDER.sub(one, text)  # one pass: a value's own text is never filled again
    return _expand(text, values) if several else [filled]


def _expand(text: str, values: Values) -> list[str]:
    names = [n for n in dict.fromkeys(placeholders(text)) if n in values]
    choices = [(v,) if isinstance(v := values[n], str) else tuple(v) for n in names]
    return [_substitute(text, dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices)]


def _substitute(text: str, chosen: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: chosen.get(m.group(1), m.group(0)), text)


def fill_one(text: str, values: Values) -> str:
    return fill(text, values)[0]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def one_or_many(items: list[str]) -> str | list[str]:
    return items[0] if len(items) == 1 else items


def _fill_values(value: str | list[str], values: Values) -> str | list[str]:
    if isinstance(value, str) and len(filled := fill(value, values)) == 1:
        return filled[0]
    return one_or_many(list(dict.fromkeys(x for item in as_list(value) for x in fill(item, values))))


def _fill_map(mapping: dict[str, Any], values: Values) -> dict[str, Any]:
    return {k: _fill_map(v, values) if isinstance(v, dict) else _fill_values(v, values) for k, v in mapping.items()}


def fill_statement(statement: dict[str, Any], values: Values) -> dict[str, Any]:
    """A statement template with its placeholders filled; a list value adds items."""
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _SET_VALUED:
            # Most values are one string with nothing to fill: no call for them (print-iam fills
            # a thousand statements at 20 times the catalog).
            out[key] = value if isinstance(value, str) and "${" not in value else _fill_values(value, values)
        elif isinstance(value, dict):
            out[key] = _fill_map(value, values)
        else:
            out[key] = value
    return out


def document(statements: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": IAM_VERSION, "Statement": list(statements)}


def statement_list(doc: Mapping[str, Any]) -> list[Any]:
    """A document's statements as a list: IAM takes one statement without the list, too."""
    raw = doc["Statement"]
    return [raw] if isinstance(raw, dict) else list(raw)


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # C speed for strings and scalars
_STRING = json.encoder.encode_basestring  # the C one that ensure_ascii=False uses


def dumps(doc: Mapping[str, Any]) -> str:
    """The one JSON form of every document we write: same document, same bytes.

    Byte for byte `json.dumps(doc, indent=4, ensure_ascii=False)` (a test holds it to that),
    which with an indent runs the encoder in pure Python, slower than this on a large policy."""
    return _pretty(doc, "") + "\n"


def _pretty(value: Any, indent: str) -> str:
    if isinstance(value, dict) and value:
        inner = indent + "    "
        items = ",\n".join(f"{inner}{_STRING(k)}: {_pretty(v, inner)}" for k, v in value.items())
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list) and value:
        inner = indent + "    "
        if all(isinstance(v, str) for v in value):  # the usual list, of actions or resources
            return "[\n" + inner + (",\n" + inner).join(map(_STRING, value)) + "\n" + indent + "]"
        return "[\n" + ",\n".join(inner + _pretty(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, str):
        return _STRING(value)
    return _ENCODE(value)


def compact(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def compact_size(doc: Mapping[str, Any]) -> int:
    """Characters AWS counts against a policy quota: whitespace outside strings is free."""
    return len(compact(doc))
