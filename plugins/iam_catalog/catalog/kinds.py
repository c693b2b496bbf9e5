"""Where a policy goes (its `attach:`), as one table: each kind's row says what kind of document it
is, the size quota it must fit, whether print-iam merges it into a service's role, which
identity its policies share and how a reader names it, and the account that identity lives in.

Every part of the project that treats kinds differently reads a column here. A new kind (an
access role in another account, say) is a row, and `catalog/schema.json`'s enum, which
tests/test_schema.py holds to this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from iam_catalog.iam import grammar
from iam_catalog.iam.documents import INLINE_ROLE_LIMIT, MANAGED_POLICY_LIMIT, TRUST_POLICY_LIMIT
from iam_catalog.iam.grammar import TAKES, Takes


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int


MANAGED_QUOTA = Quota("managed policy", MANAGED_POLICY_LIMIT)
INLINE_QUOTA = Quota("role inline policies", INLINE_ROLE_LIMIT)
TRUST_QUOTA = Quota("trust policy", TRUST_POLICY_LIMIT)

SERVICE_ACCOUNT = "service"  # the account that runs Teleport's services


@dataclass(frozen=True)
class Kind:
    name: str  # as `attach:` writes it
    document: str  # iam.grammar's IDENTITY or TRUST: whether its statements name principals or resources
    quota: Quota
    merged: bool  # a service's role's policy: print-iam merges each service's, and the site shows it by service
    user_role: bool  # the policy of the role Teleport users connect as (the database user)
    identity: str  # the identity its policies share, as a key: {service} and {policy} filled in
    label: str  # how a reader names that identity: {service} (its title) and {policy} filled in
    account: str  # the account that identity lives in

    @property
    def takes(self) -> Takes:
        return TAKES[self.document]


SERVICE, DATABASE_USER, TRUST, BOUNDARY, READER = "service", "database-user", "trust", "boundary", "reader"

KINDS = {
    k.name: k
    for k in (
        Kind(
            SERVICE,
            grammar.IDENTITY,
            MANAGED_QUOTA,
            True,
            False,
            "service:{service}",
            "{service}'s role",
            SERVICE_ACCOUNT,
        ),
        Kind(
            DATABASE_USER,
            grammar.IDENTITY,
            MANAGED_QUOTA,
            False,
            True,
            "database-user",
            "the database user's role",
            SERVICE_ACCOUNT,
        ),
        Kind(
            TRUST,
            grammar.TRUST,
            TRUST_QUOTA,
            False,
            False,
            "trust:{policy}",
            "the trust policy {policy}",
            SERVICE_ACCOUNT,
        ),
        Kind(
            BOUNDARY,
            grammar.IDENTITY,
            MANAGED_QUOTA,
            False,
            False,
            "boundary:{policy}",
            "the boundary policy {policy}",
            SERVICE_ACCOUNT,
        ),
        Kind(
            READER,
            grammar.IDENTITY,
            MANAGED_QUOTA,
            False,
            False,
            "reader:{policy}",
            "the reader policy {policy}",
            SERVICE_ACCOUNT,
        ),
    )
}
