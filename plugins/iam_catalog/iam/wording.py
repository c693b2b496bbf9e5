"""How the reports word what they report, once: plural forms, a group of requests that differ only
in their action (counted, listed), the request line, and the order of AWS's access levels from
the most powerful. `diff`'s text, Markdown and gate log, `check`'s text and GitHub reports and
`explain`'s text all say it this way. Standard library only, like the rest of `iam`.
"""

from __future__ import annotations

import json

from iam_catalog.iam.patterns import common_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any, TypeVar

    T = TypeVar("T")

SHOWN_ACTIONS = 3  # listed under a group's row, unless every one is asked for (--verbose)
# AWS's access levels from the one that can do the most; "" is an action AWS does not list.
BY_POWER = ("Permissions management", "Write", "Tagging", "Read", "List", "")


def plural(count: int, noun: str) -> str:
    """`1 statement`, `2 statements`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def power(level: str) -> int:
    """Where an access level sorts, the most powerful first; a level AWS does not name, last."""
    return BY_POWER.index(level) if level in BY_POWER else len(BY_POWER)


def counted(actions: Sequence[str]) -> str:
    """The one action, or how many and a pattern they all match: `45 actions (rds:Describe*)`."""
    return actions[0] if len(actions) == 1 else f"{len(actions)} actions ({common_pattern(actions)})"


def listed(actions: Sequence[str], every: bool) -> str:
    """The actions, the first SHOWN_ACTIONS of them unless `every`, and how many are left out."""
    shown = actions if every else actions[:SHOWN_ACTIONS]
    more = len(actions) - len(shown)
    return ", ".join(shown) + (f" and {more} more (--verbose lists them)" if more else "")


def request(
    action: str,
    resource: str | None = None,
    conditions: Mapping[str, Any] | None = None,
    principal: str | None = None,
) -> str:
    """A request as one line: `rds:DeleteDBInstance on * by PRINCIPAL with {CONDITIONS}`."""
    where = f" on {resource}" if resource is not None else ""
    who = f" by {principal}" if principal is not None else ""
    when = f" with {json.dumps(conditions)}" if conditions else ""
    return f"{action}{where}{who}{when}"


def grouped_by(items: Iterable[T], key: Callable[[T], str]) -> list[list[T]]:
    """The items with the same key together, groups and items in the order first met: requests
    that differ only in their action are one row of a report, not a line per action."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())
