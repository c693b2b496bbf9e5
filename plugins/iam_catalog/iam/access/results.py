"""What a comparison finds: for each direction, a witness request of every class of request that
one side allows and the other does not, with the statements that allow it."""

from __future__ import annotations

from dataclasses import dataclass, field

from iam_catalog.iam.access.automata import text_of
from iam_catalog.iam.access.evaluation import Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


@dataclass(frozen=True)
class Witness:
    request: Request
    statements: tuple[str, ...]  # of the side that allows it

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        out: dict[str, Any] = {}
        if r.principal is not None:
            out["principal"] = r.principal.shown()
        out["action"] = r.action
        if r.resource is not None:
            out["resource"] = text_of(r.resource)
        out["conditions"] = r.conditions()
        out["statements"] = list(self.statements)
        return out


@dataclass
class Comparison:
    broadening: list[Witness] = field(default_factory=list)  # allowed by head, not by base
    narrowing: list[Witness] = field(default_factory=list)  # allowed by base, not by head

    @property
    def changed(self) -> bool:
        return bool(self.broadening or self.narrowing)

    def side(self, direction: str) -> list[Witness]:
        return self.broadening if direction == "broadening" else self.narrowing


def iter_witnesses(comparison: Comparison) -> Iterator[tuple[str, Witness]]:
    for witness in comparison.broadening:
        yield "broadening", witness
    for witness in comparison.narrowing:
        yield "narrowing", witness
