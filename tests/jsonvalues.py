"""Any JSON, leaning towards the words IAM, the AWS CLI and Terraform write: the operators'
files and logs that check and explain are handed may hold anything."""

from __future__ import annotations

from hypothesis import strategies as st

KEYS = ["Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid"]
KEYS += ["Principal", "RoleDetailList", "PolicyDocument", "format_version", "planned_values", "Bool", "aws:x"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["Allow", "Deny", "*", "rds:*", "2012-10-17", "arn:aws:rds:*"]),
    st.text(max_size=8),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)), inner, max_size=5),
    ),
    max_leaves=25,
)
