"""IAM's rules for the names it keeps: roles, policies and instance profiles, and their paths.

From IAM's API reference (its `RoleName`, `PolicyName`, `InstanceProfileName` and `Path`
parameters) and quotas: a name is 1 to 64 characters for a role and 1 to 128 for a policy or an
instance profile, of ASCII letters, digits and `+=,.@_-`; a path is `/`, or `/` + printable
ASCII + `/`, within 512 characters; and IAM tells names apart without regard to case. The stack
writer holds every name it writes to these before it writes anything, and so does its twin in
the browser (`site/assets/iam-catalog-core.js`, held equal by tests/test_twin.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]*")
_PATH = re.compile(r"/(?:[\x21-\x7e]+/)?")
PATH_LIMIT = 512


@dataclass(frozen=True)
class NameRule:
    what: str
    limit: int

    def problem(self, name: str) -> str | None:
        """Why IAM refuses `name` as this kind of name, or None."""
        if not name:
            return f"an empty {self.what}: IAM's are 1 to {self.limit} characters"
        if not _NAME.fullmatch(name):  # before the length, which is then a count of ASCII characters
            return f"IAM's {self.what}s are ASCII letters, digits and +=,.@_- only"
        if len(name) > self.limit:
            return f"a {self.what} of {len(name)} characters: IAM's are 1 to {self.limit}"
        return None


ROLE = NameRule("role name", 64)
POLICY = NameRule("policy name", 128)
INSTANCE_PROFILE = NameRule("instance profile name", 128)


def path_problem(path: str) -> str | None:
    """Why IAM refuses `path` (`/`, or `/teleport/`), or None."""
    if not _PATH.fullmatch(path):
        return "IAM's paths are / or printable ASCII between slashes, without spaces"
    if len(path) > PATH_LIMIT:
        return f"a path of {len(path)} characters: IAM's are at most {PATH_LIMIT}"
    return None


def split_path(path_and_name: str) -> tuple[str, str]:
    """`teleport/db` as IAM keeps it apart: the path `/teleport/` and the name `db`."""
    path, _, name = path_and_name.rpartition("/")
    return (f"/{path}/" if path else "/"), name


def role_problem(path_and_name: str) -> str | None:
    """Why IAM refuses a role given with its path (`teleport/db`), or None."""
    path, name = split_path(path_and_name)
    return ROLE.problem(name) or path_problem(path)


def same_name(names: Iterable[str]) -> tuple[str, str] | None:
    """Two names that IAM takes for one (they differ only in case), or None."""
    seen: dict[str, str] = {}
    for name in names:
        if name.casefold() in seen:
            return seen[name.casefold()], name
        seen[name.casefold()] = name
    return None
