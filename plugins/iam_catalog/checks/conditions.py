"""Check every condition of a catalog as IAM reads it: operator, key and values."""

from __future__ import annotations

from typing import Any

from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.problems import Problems, check
from iam_catalog.catalog.schema import Lines, Pointer, plain_statements
from iam_catalog.iam.conditions import UnknownOperator, parse, value_problem
from iam_catalog.iam.documents import placeholders


def _strings(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v for v in items if isinstance(v, str)]


@check(
    "conditions",
    "every condition operator is one IAM accepts (with a suggestion), every key is global or one that the"
    " statement's actions support, and every value is of the operator's kind",
)
def _check_statement(statement: dict[str, Any], lines: Lines, path: str, problems: Problems, ptr: Pointer) -> None:
    """`lines`: of each mapping key, so that a problem points at the operator or key it names."""
    conditions = statement.get("conditions")
    if not isinstance(conditions, dict):
        return
    actions = [name for a in _strings(statement.get("actions")) for name in awsfacts.expand(a)]
    for operator, pairs in conditions.items():
        at = (*ptr, "conditions", operator)
        try:
            parsed = parse(operator)
        except UnknownOperator as exc:
            problems.error(path, lines.get(at, 1), str(exc))
            parsed = None
        for key, values in pairs.items() if isinstance(pairs, dict) else ():
            here = (*at, key)
            # A key named after an identity provider that the reader names (`${OidcProvider}:sub`)
            # is not in AWS's list: there is nothing to check it against until it is filled.
            named_by_reader = bool(placeholders(key.partition(":")[0]))
            if actions and not named_by_reader and not awsfacts.condition_key_known(key, actions):
                hint = awsfacts.suggest_condition_key(key, actions)
                problems.error(
                    path,
                    lines.get(here, 1),
                    f"condition key {key} is neither global nor one that {', '.join(_strings(statement['actions']))}"
                    " supports: IAM would never match it" + (f" (did you mean {hint}?)" if hint else ""),
                )
            for value in _strings(values):
                why = value_problem(parsed, value) if parsed else None
                if why:
                    problems.error(path, lines.get(here, 1), why)


def check_conditions_in(data: Any, lines: Lines, path: str, problems: Problems) -> None:
    """Check every statement's conditions in schema-checked data, whatever else broke."""
    for ptr, statement in plain_statements(data):
        _check_statement(statement, lines, path, problems, ptr)
