"""The merge grants exactly the union of the selected types' grants: nothing added, nothing lost."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.policy import policy_document
from iam_catalog.checks.loader import load_directory
from iam_catalog.iam.documents import dumps, fill
from iam_catalog.iam.merge import grants, merge_statements, merged_document
from iam_catalog.iam.patterns import covers

from .budget import examples

CATALOG = load_directory(Path(bundled_dir())).require()
COMPILED = compile_catalog(CATALOG)
IDS = [t.id for t in CATALOG.types]
DEFAULT = CATALOG.shared.services[0].id  # what print-iam prints without --service


def _expected_grants(ids: list[str], optional: bool) -> set[tuple[str, str, str, str]]:
    """Computed from the model, not from the compiled data the merge reads."""
    out = set()
    for t in CATALOG.types:
        if t.id not in ids:
            continue
        for policy in t.policies:
            if policy.attach == SERVICE and CATALOG.service_of(policy) == DEFAULT and (optional or not policy.optional):
                for statement in policy_document(policy, CATALOG.defaults(t))["Statement"]:
                    out.update((e, a.lower(), r, c) for e, a, r, c in grants(statement))
    return out


def _grants(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e, a.lower(), r, c) for s in doc["Statement"] for e, a, r, c in grants(s)]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.sampled_from(IDS), min_size=1, unique=True), st.booleans(), st.randoms())
def test_merge_is_exactly_the_union(ids: list[str], optional: bool, rnd: Any) -> None:
    merged = merged_document(COMPILED, ids, {}, optional=optional)
    found = _grants(merged)
    assert len(found) == len(set(found)), "a grant appears twice"
    expected = _expected_grants(ids, optional)
    assert set(found) <= expected, "a grant no chosen type gives"
    # Every grant left out is covered by one kept (tests/test_oracle.py proves the same by IAM's rules).
    for effect, action, resource, _ in expected - set(found):
        assert any(e == effect and c == "{}" and covers(a, action) and covers(r, resource) for e, a, r, c in found), (
            action,
            resource,
        )
    sids = [s["Sid"] for s in merged["Statement"] if "Sid" in s]
    assert len(sids) == len(set(sids))
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    assert merged_document(COMPILED, shuffled, {}, optional=optional) == merged, "order depends on the request"


def test_partial_overlap_keeps_the_rest_of_a_statement() -> None:
    merged = merge_statements(
        [
            {"Sid": "A", "Effect": "Allow", "Action": "x:Read", "Resource": "arn:r"},
            {"Sid": "B", "Effect": "Allow", "Action": ["x:Read", "x:Write"], "Resource": ["arn:r", "arn:s"]},
        ]
    )
    assert merged == [
        {"Sid": "A", "Effect": "Allow", "Action": "x:Read", "Resource": "arn:r"},
        {"Sid": "B", "Effect": "Allow", "Action": "x:Read", "Resource": "arn:s"},
        {"Sid": "B2", "Effect": "Allow", "Action": "x:Write", "Resource": ["arn:r", "arn:s"]},
    ]


def test_a_grant_covered_by_a_wider_one_is_dropped_wherever_it_stands() -> None:
    named = {"Sid": "Named", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "arn:aws:rds:x:1:db:a"}
    wide = {"Sid": "Wide", "Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"}
    assert merge_statements([named, wide]) == [wide]
    assert merge_statements([wide, named]) == [wide]
    # Of two that cover each other, the first stays.
    same = {"Sid": "Same", "Effect": "Allow", "Action": "RDS:Describe*", "Resource": "*"}
    assert merge_statements([wide, same]) == [wide]


def test_conditions_and_effects_are_never_folded_together() -> None:
    allow = {"Effect": "Allow", "Action": "x:Read", "Resource": "arn:r*"}
    deny = {**allow, "Effect": "Deny"}
    conditional = {**allow, "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    # A conditioned grant covers nothing, and a Deny never covers an Allow or the reverse.
    assert merge_statements([allow, deny, conditional]) == [allow, deny, conditional]
    # An unconditioned grant makes a narrower conditioned one redundant.
    narrower = {**allow, "Resource": "arn:r1", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert merge_statements([allow, narrower]) == [allow]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=examples(300), deadline=None)
@given(JSON)
def test_dumps_is_json_dumps_with_an_indent_byte_for_byte(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=4, ensure_ascii=False) + "\n"


_NAMES = st.sampled_from(["A", "B", "Account", "x1"])
_PIECES = st.one_of(
    st.sampled_from(["arn:", "/", "*", "${", "}", "${aws:username}", "$"]), _NAMES.map("${{{}}}".format)
)
_VALUE = st.one_of(
    st.text(st.sampled_from("ab*$:{}/"), max_size=4) | _PIECES,
    st.lists(st.text(st.sampled_from("ab$"), max_size=3) | _PIECES, min_size=1, max_size=3),
)


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(_PIECES | st.text(max_size=3), max_size=8).map("".join), st.dictionaries(_NAMES, _VALUE, max_size=4))
def test_fill_fills_each_placeholder_once_and_expands_every_list(text: str, values: dict[str, Any]) -> None:
    """Against a slow, obvious expansion: every combination of the list values, in order, and a
    value's own `${...}` text left as it is."""
    names = [n for n in dict.fromkeys(re.findall(r"\$\{([A-Za-z][A-Za-z0-9]*)\}", text)) if n in values]
    expected = []
    for combo in itertools.product(*([v] if isinstance(v, str) else v for v in (values[n] for n in names))):
        chosen = dict(zip(names, combo, strict=True))
        expected.append(re.sub(r"\$\{([A-Za-z][A-Za-z0-9]*)\}", lambda m, c=chosen: c.get(m[1], m[0]), text))
    assert fill(text, values) == expected
