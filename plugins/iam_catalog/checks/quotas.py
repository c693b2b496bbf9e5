"""AWS's size quotas for policies, measured the way AWS measures them (whitespace is free)."""

from __future__ import annotations

from typing import Any

from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.kinds import INLINE_QUOTA, MANAGED_QUOTA, Quota
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document
from iam_catalog.catalog.problems import Problems, catalog_check, check
from iam_catalog.iam.documents import compact_size
from iam_catalog.iam.merge import merged_document

NEAR = 0.9  # within 10% of a quota: warn before an edit tips it over


def judge(doc: dict[str, Any], quota: Quota) -> tuple[str, str] | None:
    """(severity, message) when `doc` is over or near `quota`, else None."""
    size = compact_size(doc)
    if size > quota.limit:
        return "error", f"{size} characters, over the {quota.name} quota of {quota.limit}"
    if size > quota.limit * NEAR:
        return "warning", f"{size} characters, within 10% of the {quota.name} quota of {quota.limit}"
    return None


def _report(problems: Problems, path: str, line: int, what: str, verdict: tuple[str, str] | None) -> None:
    if verdict:
        severity, message = verdict
        (problems.error if severity == "error" else problems.warning)(path, line, f"{what}: {message}")


@catalog_check(clean=True)
@check("quotas", "every policy a reader attaches fits AWS's size quota")
def check_catalog(catalog: Catalog, problems: Problems) -> None:
    for db_type in catalog.types:
        values = catalog.defaults(db_type)
        for policy in db_type.all_policies(catalog.shared):
            quota = policy.kind.quota
            doc = policy_document(policy, values)
            _report(problems, db_type.path, policy.line, f"policy {policy.id}", judge(doc, quota))
    # Nobody attaches every type at once, so the size of all of them merged bounds nothing: it
    # is a warning that says how to attach it anyway. What a reader downloads stays an error.
    merged = merged_document(compile_catalog(catalog), [t.id for t in catalog.types], {}, optional=True)
    size = compact_size(merged)
    if size > MANAGED_QUOTA.limit:
        over = INLINE_QUOTA if size > INLINE_QUOTA.limit else MANAGED_QUOTA
        problems.warning(
            catalog.shared.path,
            1,
            f"the merged policy of all types: {size} characters, over the {over.name} quota of {over.limit}: "
            "attach the types a service needs, or several managed policies from print-iam --split",
        )
