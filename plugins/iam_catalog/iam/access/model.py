"""The engine's model: policies read once into statements, and a `Side`, what one identity is
granted by the policy sets that apply to it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from iam_catalog.iam import conditions as ops
from iam_catalog.iam import grammar
from iam_catalog.iam.documents import as_list, statement_list
from iam_catalog.iam.grammar import Refused
from iam_catalog.iam.patterns import policy_symbols

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Symbol = str | object
    Pattern = tuple[Symbol, ...]

__all__ = ["UNLISTED_ACTION", "Condition", "Refused", "Side", "Statement", "Undecidable", "statements"]


class Undecidable(Exception):
    """The comparison is too large to be exact; the message says what was too large."""


# An action that AWS's list does not have yet: it stands for every action AWS may add, which a
# `NotAction` statement (Allow everything but IAM, say) lets through as soon as it exists.
UNLISTED_ACTION = "unlisted-service:UnlistedAction"


@dataclass(frozen=True)
class Condition:
    operator: str  # as the policy writes it
    key: str  # lower case: IAM's condition keys ignore case
    values: tuple[str, ...]
    spelled: str = field(default="", compare=False)  # as the policy writes the key

    @property
    def parsed(self) -> ops.Parsed:
        return ops.parse(self.operator)

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
    not_action: bool = False  # `actions` is a NotAction: the statement names every other action
    not_resource: bool = False  # `resources` is a NotResource: every other resource
    # The Condition element as the policy writes it, for a reader (explain shows it).
    written: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _statement(st: dict[str, Any], i: int) -> Statement:
    grammar.refuse_not_principal(st)
    principal = st.get("Principal")
    principals: tuple[tuple[str, str], ...] | None
    if principal is None:
        principals = None
    elif principal == "*":
        principals = (("*", "*"),)
    else:
        principals = tuple((kind, v) for kind, values in principal.items() for v in as_list(values))
    written = st.get(grammar.CONDITION, {})
    conditions = tuple(
        Condition(op, key.lower(), tuple(as_list(values)), key)
        for op, pairs in written.items()
        for key, values in pairs.items()
    )
    for c in conditions:
        try:
            c.parsed  # noqa: B018 - an operator IAM would refuse cannot be compared
        except ops.UnknownOperator as exc:
            raise Undecidable(str(exc)) from None
    actions, not_action = grammar.one_of(st, "Action", True)
    named, not_resource = grammar.one_of(st, "Resource", False)
    resources = tuple(policy_symbols(r) for r in as_list(named)) if named is not None else None
    return Statement(
        st.get("Sid") or f"#{i + 1}",
        st["Effect"],
        tuple(a.lower() for a in as_list(actions)),
        resources,
        principals,
        conditions,
        not_action,
        not_resource,
        written,
    )


def statements(document: dict[str, Any]) -> tuple[Statement, ...]:
    """A policy document's statements, as the engine reads them; Refused where IAM refuses one."""
    return tuple(_statement(st, i) for i, st in enumerate(statement_list(document)))


@dataclass(frozen=True)
class Side:
    """What one identity is granted: the statements of its policies, and the policy sets that cap
    them, each allowing only what it allows too. A permissions boundary is the one cap today; an
    organization's SCPs are caps of the same kind, and go beside it."""

    identity: tuple[Statement, ...]
    boundary: tuple[Statement, ...] | None = None

    @classmethod
    def of(cls, document: dict[str, Any], boundary: dict[str, Any] | None = None) -> Side:
        """A side read from policy documents: each is parsed here, once."""
        return cls(statements(document), None if boundary is None else statements(boundary))

    @property
    def caps(self) -> tuple[tuple[Statement, ...], ...]:
        return () if self.boundary is None else (self.boundary,)

    def every(self) -> list[Statement]:
        """Every statement of the side, its identity's first, then each cap's."""
        return [*self.identity, *(st for cap in self.caps for st in cap)]

    def mapped(self, change: Any) -> Side:
        """The side with `change` applied to each of its policy sets (a tuple of statements)."""
        return Side(change(self.identity), None if self.boundary is None else change(self.boundary))
