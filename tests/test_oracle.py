"""The IAM-semantics engine against an independent evaluator: moto's, on random policy pairs.

moto (`moto.iam.access_control`) is a widely used implementation written by other people. Where
it does not model IAM the way AWS does, the property is restricted there, on purpose:

- moto matches names with a regular expression made from the pattern (`*` becomes `.*`, other
  characters are not escaped, `?` is a quantifier) and with case: the policies here use AWS's
  spelling of actions, `*` as the only wildcard, and ARNs without regular-expression characters.
- moto evaluates only `StringEquals`, and counts a missing key as satisfying it: the conditions
  here are `StringEquals` only, every sampled request carries every key, and a witness the
  engine gives "without the key" is asked of moto with a value no policy lists, which IAM treats
  alike under `StringEquals`.
- moto answers DENIED for an Allow statement whose condition fails, and for a Deny whose
  condition fails: statements are evaluated one by one here and combined by IAM's rule (any
  matching Deny denies, else any matching Allow allows), and Deny statements carry no condition.
- moto's principal check is a substring test: principals are checked by the corpus instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.checks.loader import load_directory
from iam_catalog.iam.access import Side, Witness, compare, text_of
from iam_catalog.iam.documents import document, fill_statement
from iam_catalog.iam.merge import merged_document, type_variables

from .budget import examples
from .oracles import moto_allows

SERVICES = ("rds", "sts", "elasticache")
ACTIONS = {s: awsfacts.expand(f"{s}:*")[::7] for s in SERVICES}  # a spread of each service's actions
SAFE_ARN = re.compile(r"[A-Za-z0-9:/${}_-]+")
FORMATS = sorted(
    {
        fmt
        for names in ACTIONS.values()
        for name in names
        if (info := awsfacts.facts(name))
        for fmt in info.arn_formats
        if SAFE_ARN.fullmatch(fmt)
    }
)
KEYS = {"aws:RequestedRegion": ["us-east-1", "eu-west-1"], "aws:PrincipalTag/team": ["db", "ops"]}
UNLISTED = "zz-unlisted"
POOLS = {"Partition": ["aws"], "Region": ["us-east-1", "eu-west-1"], "Account": ["111111111111", "222222222222"]}
OTHER = ["a1", "b2"]


def fill(draw: st.DrawFn, fmt: str, *, wildcards: bool) -> str:
    def value(m: re.Match[str]) -> str:
        pool = POOLS.get(m.group(1), OTHER)
        return draw(st.sampled_from([*pool, "*"] if wildcards and m.group(1) != "Partition" else pool))

    return re.sub(r"\$\{(\w+)\}", value, fmt)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    service = draw(st.sampled_from(SERVICES))
    action = st.one_of(
        st.sampled_from(ACTIONS[service]),
        st.sampled_from(ACTIONS[service]).map(lambda a: a[: len(a.split(":")[0]) + 5] + "*"),
        st.just(f"{service}:*"),
    )
    resource = st.one_of(st.just("*"), st.builds(lambda f: f, st.sampled_from(FORMATS)))
    effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    statement: dict[str, Any] = {
        "Effect": effect,
        "Action": draw(st.lists(action, min_size=1, max_size=3)),
        "Resource": [
            r if r == "*" else fill(draw, r, wildcards=True) for r in draw(st.lists(resource, min_size=1, max_size=2))
        ],
    }
    if effect == "Allow" and draw(st.integers(0, 2)) == 0:
        key = draw(st.sampled_from(sorted(KEYS)))
        statement["Condition"] = {
            "StringEquals": {key: draw(st.lists(st.sampled_from(KEYS[key]), min_size=1, max_size=2, unique=True))}
        }
    return statement


policies = st.lists(statements(), min_size=1, max_size=3).map(lambda s: {"Version": "2012-10-17", "Statement": s})


@st.composite
def requests(draw: st.DrawFn, docs: list[dict[str, Any]]) -> tuple[str, str, dict[str, str]]:
    named = [a for d in docs for s in d["Statement"] for p in s["Action"] for a in awsfacts.expand(p)]
    action = draw(st.sampled_from(named))
    fmt = draw(st.sampled_from(FORMATS))
    context = {k: draw(st.sampled_from([*v, UNLISTED])) for k, v in KEYS.items()}
    return action, fill(draw, fmt, wildcards=False), context


def asked(conditions: dict[str, str | None]) -> dict[str, str]:
    return {k: UNLISTED if v is None else v for k, v in conditions.items()}


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None)
@given(policies, policies, st.data())
def test_engine_and_moto_agree(base: dict[str, Any], head: dict[str, Any], data: st.DataObject) -> None:
    result = compare(Side.of(base), Side.of(head), awsfacts.expand)
    for w in result.broadening:
        r = w.request
        resource = text_of(r.resource or ())
        assert moto_allows(head, r.action, resource, asked(r.conditions())), w
        assert not moto_allows(base, r.action, resource, asked(r.conditions())), w
    for w in result.narrowing:
        r = w.request
        resource = text_of(r.resource or ())
        assert moto_allows(base, r.action, resource, asked(r.conditions())), w
        assert not moto_allows(head, r.action, resource, asked(r.conditions())), w

    def its_action(witnesses: list[Witness], action: str) -> bool:
        """A witness for this request's own action: the engine gives one for each action that
        differs (iam/access/), so a difference moto finds must have its action's witness."""
        return any(w.request.action.lower() == action.lower() for w in witnesses)

    for action, resource, context in data.draw(st.lists(requests([base, head]), min_size=40, max_size=40)):
        newly = moto_allows(head, action, resource, context) and not moto_allows(base, action, resource, context)
        lost = moto_allows(base, action, resource, context) and not moto_allows(head, action, resource, context)
        assert not newly or its_action(result.broadening, action), (action, resource, context)
        assert not lost or its_action(result.narrowing, action), (action, resource, context)


# --- print-iam's merge ------------------------------------------------------------------------

COMPILED = compile_catalog(load_directory(Path(bundled_dir())).require())
IDS = [t["id"] for t in COMPILED["types"]]
SERVICES_IDS = [s["id"] for s in COMPILED["services"]]


def union(ids: list[str], optional: bool, services: list[str]) -> dict[str, Any]:
    """Every chosen type's statements for these services side by side, each filled with its defaults;
    no two services here share a Sid (Sids name statements, IAM ignores them)."""
    out = []
    for db_type in COMPILED["types"]:
        if db_type["id"] in ids:
            defaults = {n: v["default"] for n, v in type_variables(COMPILED, db_type).items()}
            for policy in db_type["policies"]:
                if policy["service"] in services and (optional or not policy["optional"]):
                    out += [fill_statement(s, defaults) for s in policy["statements"]]
    return document(out)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique=True),
    st.booleans(),
    st.lists(st.sampled_from(SERVICES_IDS), min_size=1, unique=True),
    st.data(),
)
def test_merged_policy_allows_exactly_the_union(
    ids: list[str], optional: bool, services: list[str], data: st.DataObject
) -> None:
    merged = merged_document(COMPILED, ids, {}, optional=optional, services=services)
    together = union(ids, optional, services)
    sids = [s["Sid"] for s in merged["Statement"] if "Sid" in s]
    assert len(sids) == len(set(sids)), "two statements with one Sid"
    if not together["Statement"]:
        assert merged["Statement"] == []
        return
    result = compare(Side.of(together), Side.of(merged), awsfacts.expand)
    assert not result.changed, [w.as_dict() for w in (*result.broadening, *result.narrowing)]
    actions = sorted({a for s in together["Statement"] for a in s["Action"]} if together["Statement"] else [])
    resources = sorted(
        {
            r
            for s in together["Statement"]
            for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
        }
    )
    for _ in range(30):
        action = data.draw(st.sampled_from(actions))
        resource = data.draw(st.sampled_from([r.replace("*", "x") for r in resources]))
        assert moto_allows(merged, action, resource, {}) == moto_allows(together, action, resource, {})
