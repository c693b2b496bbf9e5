"""Trust policies' principals: every identity the policies name (an account ID is its `:root`),
another identity in each account named (an account's root trusts all of them), an identity in
another account, each service named, another service, each identity provider named, another
one, and anyone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from iam_catalog.iam.documents import PLACEHOLDER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from iam_catalog.iam.access.model import Statement


# An account, as a principal names it: its partition (None for a bare account ID, which stands
# for its root in the policy's own partition) and its ID.
Account = tuple[str | None, str]
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_IAM_ARN = re.compile(r"arn:([^:]*):iam::([^:]*):(.*)", re.DOTALL)


@dataclass(frozen=True)
class Principal:
    kind: str  # AWS, Service, Federated, or * (anyone, anonymous included)
    value: str  # an ARN or account ID; an account's other identities ("account X"); a service name
    account: Account | None  # the account an AWS principal belongs to
    # The placeholders that the compared policies use as an IAM ARN's account: each stands for
    # an account ID, so a principal that is one alone is that account's root, as an ID is.
    ids: frozenset[str] = frozenset()

    def shown(self) -> str:
        return self.value


def _account(value: str, ids: frozenset[str]) -> Account | None:
    """The account of an AWS principal: an IAM ARN's, or a bare account ID's own."""
    if _ACCOUNT_ID.fullmatch(value) or value in ids:
        return None, value
    found = _IAM_ARN.fullmatch(value)
    return (found[1], found[2]) if found else None


def _root(value: str, ids: frozenset[str]) -> Account | None:
    """The account whose root `value` names: AWS documents an account ID as short for
    `arn:PARTITION:iam::ID:root`, so the two are one principal."""
    account = _account(value, ids)
    return account if account and (account[0] is None or value.endswith(":root")) else None


def _same_account(a: Account, b: Account) -> bool:
    """Roots compare with their partition; a bare ID's is the policy's own, so it is any."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def principals_of(policies: Sequence[Sequence[Statement]]) -> list[Principal]:
    named = {(kind, v) for stmts in policies for st in stmts for kind, v in (st.principals or ())}
    arns = (_IAM_ARN.fullmatch(v) for kind, v in named if kind == "AWS")
    ids = frozenset(found[2] for found in arns if found and PLACEHOLDER.fullmatch(found[2]))
    found = {a for kind, v in named if kind == "AWS" and (a := _account(v, ids))}
    # A bare account ID is the same account as an ARN's of any partition: asked once, as that.
    partitioned = {a[1] for a in found if a[0] is not None}
    accounts = sorted((a for a in found if a[0] is not None or a[1] not in partitioned), key=str)
    values = sorted(v for kind, v in named if kind == "AWS" and v != "*")
    roots = {r[1] for v in values if (r := _root(v, ids)) and r[0] is not None}
    out = [Principal("AWS", v, a, ids) for v in values if not ((a := _account(v, ids)) and a[0] is None and v in roots)]
    numbers = [a[1] for a in accounts]
    for a in accounts:  # the partition is named only where one ID is in two
        shown = f"{a[1]} ({a[0]})" if numbers.count(a[1]) > 1 else a[1]
        out.append(Principal("AWS", f"another role or user in account {shown}", a, ids))
    out.append(Principal("AWS", "a role or user in another account", None, ids))
    out += [Principal("Service", v, None) for kind, v in sorted(named) if kind == "Service"]
    out.append(Principal("Service", "another service", None))
    # A web identity or SAML provider (an EKS cluster's OIDC provider, for one), by its ARN.
    out += [Principal("Federated", v, None) for kind, v in sorted(named) if kind == "Federated"]
    out += [
        Principal("Federated", "another identity provider", None),
        Principal("*", "anyone, without credentials", None),
    ]
    return out


def principal_matches(st: Statement, who: Principal) -> bool:
    if st.principals is None:
        return True
    for kind, value in st.principals:
        if kind == "*" or (kind == who.kind == "AWS" and value == "*"):
            return True
        if kind == who.kind == "Service" and value.lower() == who.value.lower():
            return True
        if kind == who.kind == "Federated" and value == who.value:
            return True
        if kind == who.kind == "AWS":
            root = _root(value, who.ids)
            if value == who.value or (root and who.account and _same_account(root, who.account)):
                return True
    return False
