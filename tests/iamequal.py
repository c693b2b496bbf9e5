"""IAM equality: two policies are equal when they grant the same, whatever their layout.

A single string and a one-item list are the same to IAM, as are lists in any order and
statements in any order. A Sid carries no meaning to IAM; it is compared where the expected
statement has one, since readers and merged policies rely on it.
"""

from __future__ import annotations

import json
from typing import Any


def _norm_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm_values(v) for k, v in sorted(value.items())}
    if isinstance(value, str):
        return [value]
    return sorted(value)


def normal_statement(statement: dict[str, Any], keep_sid: bool) -> str:
    out = {k: _norm_values(v) for k, v in statement.items() if k not in ("Sid", "Effect")}
    out["Effect"] = statement["Effect"]
    if keep_sid and "Sid" in statement:
        out["Sid"] = statement["Sid"]
    return json.dumps(out, sort_keys=True)


def iam_equal(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    if actual.get("Version") != expected.get("Version"):
        return False
    named = {s["Sid"] for s in expected["Statement"] if "Sid" in s}
    want = sorted(normal_statement(s, True) for s in expected["Statement"])
    got = sorted(normal_statement(s, s.get("Sid") in named) for s in actual["Statement"])
    return got == want
