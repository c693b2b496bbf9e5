"""From the model's statements to policy documents in IAM's key order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iam_catalog.catalog.model import Policy, Statement, StringMap
from iam_catalog.iam.documents import document, fill_statement, one_or_many

if TYPE_CHECKING:
    from iam_catalog.iam.documents import Values


def _string_map(pairs: StringMap) -> dict[str, str | list[str]]:
    return {k: one_or_many(list(v)) for k, v in pairs}


def statement_template(st: Statement) -> dict[str, Any]:
    """The statement as IAM JSON, placeholders still in it."""
    doc: dict[str, Any] = {}
    if st.sid:
        doc["Sid"] = st.sid
    doc["Effect"] = st.effect
    if st.principal:
        doc["Principal"] = _string_map(st.principal)
    doc["Action"] = one_or_many(list(st.actions))
    if st.resources:
        doc["Resource"] = one_or_many(list(st.resources))
    if st.conditions:
        doc["Condition"] = {op: _string_map(m) for op, m in st.conditions}
    return doc


def policy_document(policy: Policy, values: Values) -> dict[str, Any]:
    return document(fill_statement(statement_template(st), values) for st in policy.statements)
