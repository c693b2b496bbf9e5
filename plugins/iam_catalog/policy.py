"""Policy documents: placeholders filled, IAM's key order, fixed formatting."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .model import Policy, Statement, StringMap, Strings

IAM_VERSION = "2012-10-17"

# AWS's ARN-format notation. IAM's own policy variables (`${aws:username}`) hold a colon and
# so never match: they pass through untouched.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")

# A value is one string, or several (print-iam --assumes-roles A,B) that expand the text.
Values = Mapping[str, str | Strings]


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def fill(text: str, values: Values) -> list[str]:
    """Every expansion of `text`; unknown placeholders stay as written."""
    names = [n for n in dict.fromkeys(placeholders(text)) if n in values]
    choices: list[Strings] = [(v,) if isinstance(v := values[n], str) else tuple(v) for n in names]
    return [_substitute(text, dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices)]


def _substitute(text: str, chosen: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: chosen.get(m.group(1), m.group(0)), text)


def fill_one(text: str, values: Values) -> str:
    return fill(text, values)[0]


def _fill_all(items: Strings, values: Values) -> list[str]:
    return list(dict.fromkeys(x for item in items for x in fill(item, values)))


def _one_or_many(items: list[str]) -> str | list[str]:
    return items[0] if len(items) == 1 else items


def _string_map(pairs: StringMap, values: Values) -> dict[str, str | list[str]]:
    return {k: _one_or_many(_fill_all(v, values)) for k, v in pairs}


def statement_document(st: Statement, values: Values) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if st.sid:
        doc["Sid"] = st.sid
    doc["Effect"] = st.effect
    if st.principal:
        doc["Principal"] = _string_map(st.principal, values)
    doc["Action"] = _one_or_many(_fill_all(st.actions, values))
    if st.resources:
        doc["Resource"] = _one_or_many(_fill_all(st.resources, values))
    if st.conditions:
        doc["Condition"] = {op: _string_map(m, values) for op, m in st.conditions}
    return doc


def document(statements: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": IAM_VERSION, "Statement": list(statements)}


def policy_document(policy: Policy, values: Values) -> dict[str, Any]:
    return document(statement_document(st, values) for st in policy.statements)


def dumps(doc: Mapping[str, Any]) -> str:
    """The one JSON form of a policy: same document, same bytes."""
    return json.dumps(doc, indent=4, ensure_ascii=False) + "\n"


def compact_size(doc: Mapping[str, Any]) -> int:
    """Characters AWS counts against a policy quota: whitespace outside strings is free."""
    return len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
