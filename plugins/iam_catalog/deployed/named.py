"""The database-user roles an identity already names, for a check run without --assumes-roles.

A role that `stack` deployed holds what the catalog grants on its database-user roles
(`sts:AssumeRole`, for one), on each role by its ARN. Which statements those are, and the shape
of their ARNs, is the catalog's: print-iam's answer for the same request, with one stand-in role,
says so. Each Allow statement of the identity that grants one of those statements' actions, on a
resource of that shape, names a role. A pattern (`role/*`) names none: the check cannot tell
which roles it means, and says to give them.
"""

from __future__ import annotations

import copy
import re

from iam_catalog.deployed.sources import Deployed
from iam_catalog.iam.documents import PLACEHOLDER, as_list, statement_list
from iam_catalog.iam.patterns import covers, is_pattern
from iam_catalog.printiam.request import Request, RequestError, answer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STAND_IN = "iam-catalog-stand-in-role"  # a name every role rule accepts, standing for each role sought
_NAME = r"(?P<role>[A-Za-z0-9+=,.@_/-]+)"  # IAM's characters of a role's name, a path kept


def _shape(resource: str) -> re.Pattern[str]:
    """The ARNs of which `resource` (with the stand-in) is one: any value for a placeholder left."""
    before, _, after = resource.partition(STAND_IN)

    def literal(text: str) -> str:
        parts = PLACEHOLDER.split(text)  # text, name, text, name, ...
        return "".join("[^:]*" if i % 2 else re.escape(part) for i, part in enumerate(parts))

    return re.compile(literal(before) + _NAME + literal(after), re.DOTALL)


def _sought(compiled: dict[str, Any], request: Request) -> list[tuple[list[str], re.Pattern[str]]]:
    """Each catalog statement on the database-user roles: its actions (lower case), and its ARNs' shape."""
    probe = copy.copy(request)
    probe.assumes_roles = [STAND_IN]
    try:
        result = answer(compiled, probe)
    except RequestError:
        return []
    return [
        ([a.lower() for a in as_list(st["Action"])], _shape(resource))
        for *_, st in result.picked
        if "Action" in st
        for resource in as_list(st.get("Resource", []))
        if STAND_IN in resource
    ]


def named_user_roles(compiled: dict[str, Any], request: Request, deployed: Deployed) -> list[str]:
    """The database-user roles the identity's own Allow statements name, first named first."""
    sought = _sought(compiled, request)
    found: dict[str, None] = {}
    for st in statement_list(deployed.document()):
        if st.get("Effect") != "Allow" or "Action" not in st:
            continue
        granted = [a.lower() for a in as_list(st["Action"])]
        for actions, shape in sought:
            if not any(covers(g, a) for g in granted for a in actions):
                continue
            for resource in as_list(st.get("Resource", [])):
                match = shape.fullmatch(resource) if isinstance(resource, str) else None
                if match and not is_pattern(match["role"]):
                    found.setdefault(match["role"])
    return list(found)
