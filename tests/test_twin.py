"""The JavaScript twin answers every request exactly as print-iam does, byte for byte.

Hypothesis draws thousands of requests (real and unknown types, aliases, valid and invalid
accounts, regions and partitions, names and ARNs of roles and users, per-type variables,
optional policies, choices to go without and scope values, known or not, valid or not, stray
white space and any Unicode text) and runs each through `printiam.request.answer` in Python
and through `answer` in iam-catalog-core.js under Node (tests/node.py), with no browser. Both
must print the same policy, leave the same placeholders, name the same identity, or refuse with
the same message and blame the same option. The page that loads the twin is tested end to end
in Chromium (tests/test_browser.py); here, only that it embeds the catalog the twin reads.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.checks.loader import load_directory
from iam_catalog.iam.documents import dumps, placeholders
from iam_catalog.iam.merge import merge_statements
from iam_catalog.printiam.formats import FORMATS, Printed, cloudformation, terraform
from iam_catalog.printiam.request import Request, RequestError, answer
from iam_catalog.reporting import Options
from playwright.sync_api import Browser, Page

from .budget import examples
from .node import Twin

COMPILED = compile_catalog(load_directory(Path(bundled_dir())).require())
NAMES = [n for t in COMPILED["types"] for n in (t["id"], *t["aliases"])]
VARIABLES = sorted({*COMPILED["variables"], *(n for t in COMPILED["types"] for n in t["variables"])})
PARTITIONS = COMPILED["variables"]["Partition"]["choices"]
SERVICES = [s["id"] for s in COMPILED["services"]]
CHOICES = list(COMPILED["choices"])
SCOPES = COMPILED["scopes"]
BATCH = 25

# Any text but lone surrogates, which neither a form nor a shell can hold.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
SPACE = st.sampled_from(["", " ", "\t", "\u00a0", "\u2003", "\x1c", "\ufeff"])


def padded(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda a, v, b: a + v + b, SPACE, value, SPACE)


VALID_ACCOUNT = st.from_regex(r"[0-9]{12}", fullmatch=True)
ACCOUNTS = st.one_of(VALID_ACCOUNT, st.sampled_from(["12345", "1234567890123"]), TEXT)
REGIONS = st.one_of(st.sampled_from(["eu-west-1", "us-gov-west-1", "cn-north-1", "EU-WEST-1"]), TEXT)
VALID_NAME = st.from_regex(r"[A-Za-z0-9+=,.@_/-]{1,20}", fullmatch=True)
# Names at IAM's limits (tested by the stack's own name checks): 63 to 66 characters, nothing after
# a path, a name that another one is in another case, the default role's among them.
EDGE_NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9]{63,66}", fullmatch=True),
    st.builds(lambda n: n.strip("/") + "/", VALID_NAME),
    st.sampled_from(["Teleport-DB", "teleport-db", "TELEPORT-DB-SERVICE-ROLE", "a b", 'x"y']),
)
ROLE_NAMES = st.one_of(VALID_NAME, st.just("bad name!"), TEXT, EDGE_NAMES)


def mostly(valid: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values three times in four, so that later checks are reached as often as early ones
    (Hypothesis favours some branches of one_of, and the simplest draw here is the valid one)."""
    return st.integers(0, 3).flatmap(lambda k: other if k == 3 else valid)


# Every strategy is built once, here: one built inside a draw is built again for each example,
# and Hypothesis works out each new strategy's properties again (a third of the run's time).
ARNS = st.builds(
    lambda partition, account, kind, name: f"arn:{partition}:iam::{account}:{kind}/{name}",
    mostly(st.sampled_from(PARTITIONS), TEXT),
    mostly(VALID_ACCOUNT, ACCOUNTS),
    mostly(st.just("role"), st.sampled_from(["user", "group"])),
    mostly(VALID_NAME, ROLE_NAMES),
)


IDENTITIES = st.one_of(st.none(), st.just(""), ROLE_NAMES, ARNS)


@functools.cache
def scope_values(name: str) -> st.SearchStrategy[list[str]]:
    pattern = SCOPES[name]["pattern"] if name in SCOPES else "[a-z]{1,3}"
    return st.lists(mostly(st.from_regex(pattern, fullmatch=True).map(lambda v: v[:12]), TEXT), min_size=1, max_size=3)


SCOPE_REQUESTS = st.dictionaries(mostly(st.sampled_from(list(SCOPES)), TEXT), st.just(None), max_size=2).flatmap(
    lambda names: st.fixed_dictionaries({name: scope_values(name) for name in names})
)
_PAIRS = st.tuples(mostly(st.sampled_from(VARIABLES), TEXT), st.one_of(ROLE_NAMES, ACCOUNTS))
REQUESTS = st.fixed_dictionaries(
    {
        # A list of valid names three times in four: a request refused on its types reaches no other check.
        "types": mostly(
            st.lists(padded(st.sampled_from(NAMES)), min_size=1, max_size=4),
            st.one_of(st.just([]), st.lists(mostly(padded(st.sampled_from(NAMES)), TEXT), min_size=1, max_size=4)),
        ),
        "services": mostly(st.lists(st.sampled_from(SERVICES), max_size=2), st.lists(TEXT, min_size=1, max_size=1)),
        "account": st.one_of(st.none(), ACCOUNTS),
        "partition": st.one_of(st.none(), mostly(st.sampled_from(PARTITIONS), TEXT)),
        "region": st.one_of(st.none(), REGIONS),
        "role": IDENTITIES,
        "user": mostly(st.none(), IDENTITIES),  # a user is checked before scopes: seldom, so they are reached
        "assumes_roles": st.lists(st.one_of(padded(ROLE_NAMES), ARNS), max_size=2),
        "variables": mostly(st.just([]), st.lists(_PAIRS, max_size=2, unique_by=lambda pair: pair[0])).map(
            lambda pairs: [list(pair) for pair in pairs]
        ),
        "optional": st.booleans(),
        "without": st.lists(mostly(padded(st.sampled_from(CHOICES)), TEXT), max_size=3),
        "scopes": mostly(SCOPE_REQUESTS, st.just({})),
    }
)


def requests() -> st.SearchStrategy[dict[str, Any]]:
    return REQUESTS


def _request_of(r: dict[str, Any]) -> Request:
    return Request(
        r["types"],
        role=r["role"],
        user=r["user"],
        assumes_roles=r["assumes_roles"],
        account=r["account"],
        partition=r["partition"],
        region=r["region"],
        variables=dict(r["variables"]),
        optional=r["optional"],
        services=r["services"],
        without=r["without"],
        scopes={name: list(values) for name, values in r["scopes"].items()},
    )


def python_answer(r: dict[str, Any]) -> dict[str, Any]:
    request = _request_of(r)
    try:
        result = answer(COMPILED, request)
    except RequestError as exc:
        return {"error": str(exc), "option": exc.option, "subject": exc.subject}
    identity = list(result.identity) if result.identity else None
    return {
        "policy": dumps(result.document),
        "terraform": terraform([result.document], result.identity, result.services),
        "cloudformation": cloudformation([result.document], result.identity, result.services),
        "unfilled": result.unfilled,
        "identity": identity,
        "skipped": result.skipped,
        "waiting": result.waiting,
    }


@pytest.fixture(scope="module")
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/builder/")
    yield page
    context.close()


def test_the_page_embeds_the_compiled_catalog(page: Page) -> None:
    embedded = page.evaluate("JSON.parse(document.getElementById('iam-catalog-compiled').dataset.json)")
    assert page.evaluate("typeof iamCatalogCore.answer") == "function"  # the page loads the twin tested here
    assert embedded == json.loads(json.dumps(COMPILED))


# 200 batches of 25: at least 5,000 random requests on every run.
@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(requests(), min_size=BATCH, max_size=BATCH))
def test_javascript_answers_every_request_as_print_iam_does(twin: Twin, batch: list[dict[str, Any]]) -> None:
    in_node = twin.call("answers", [COMPILED, batch])
    for request, js in zip(batch, in_node, strict=True):
        assert js == python_answer(request), request


def _request(**given: Any) -> dict[str, Any]:
    empty = {"types": [], "services": [], "account": None, "partition": None, "region": None, "role": None}
    nothing = {"user": None, "assumes_roles": [], "variables": [], "optional": False, "without": [], "scopes": {}}
    return {**empty, **nothing, **given}


RARE = [
    _request(types=["rds", "dynamodb"], services=["discovery"]),  # dynamodb skipped, with a note
    _request(types=["dynamodb", "keyspace"], services=["discovery"]),  # none covered: an error
    _request(types=["elasticache", "memorydb"], services=["discovery", "database"]),  # prefixed Sids
    _request(types=["redshift"], assumes_roles=["bad name!"]),
    _request(types=["redshift"], assumes_roles=["arn:aws-cn:iam::123456789012:role/x"], partition="aws"),
    _request(types=["rds"], services=["search"]),
    _request(types=["rds"], services=["discovery"], role="arn:aws:iam::123456789012:role/finder"),
    _request(types=["documentdb"], user="arn:aws:iam::123456789012:user/u", optional=True),
    _request(types=["rds"], account="12345"),
    _request(types=["rds"], partition="aws-mars"),
    _request(types=["rds"], region="Mars"),
    _request(types=["rds"], role="bad name!"),
    _request(types=["rds"], user="arn:aws:iam::123456789012:role/not-a-user"),
    _request(types=["rds"], variables=[["Nope", "1"]]),
    _request(types=["rds"], role="a", user="b"),
    _request(types=[" rdsproxy\u2003", "mongo"]),
    _request(types=["keyspaces"], without=["assume-role"]),  # nothing left to grant
    _request(types=["rds"], without=["session-tags"]),  # a choice of another type
    _request(types=["rds"], scopes={"MemoryDBUser": ["alice"]}),  # a scope of another type
    _request(types=["rds", "rds-proxy"], scopes={"DbUserName": ["alice", "b*"], "ProxyResourceId": ["bad id!"]}),
    _request(types=["rds"], services=["discovery"], without=["aurora-discovery", " aurora-discovery"]),
    _request(types=["rds", "redshift"], without=["fetch-metadata"], scopes={"DbUserName": ["alice", "alice"]}),
    _request(types=["rds"], without=["aurora-discovery"]),  # a choice of another service's policy
    _request(types=["rds"], services=["discovery"], scopes={"DbUserName": ["alice"]}),  # a scope of another's
    _request(types=["RDS", " Rds-Proxy", "DocDB"], account="123456789012"),  # ids and aliases in any case
    _request(types=["redshfit"]),  # did you mean: a type,
    _request(types=["rds"], services=["discovry"]),  # a service,
    _request(types=["rds"], without=["fetch-metadta"]),  # a choice,
    _request(types=["rds"], scopes={"DbUsername": ["alice"]}),  # a scope variable, in another case,
    _request(types=["r" + "ds" * 40]),  # but not for a name too long to be a typo
    _request(types=["RDSİ"]),  # a letter whose case only Unicode folds: no type
]


def test_javascript_answers_the_rare_requests_as_print_iam_does(twin: Twin) -> None:
    outcomes = [python_answer(r) for r in RARE]
    assert outcomes[0]["skipped"] == ["dynamodb"] and outcomes[1]["option"] == "types"
    assert "DiscoveryElastiCacheFetchMetadata" in outcomes[2]["policy"]
    assert [o.get("option") for o in outcomes[3:6]] == ["assumes-roles", "assumes-roles", "service"]
    refused = ["account", "partition", "region", "role", "user", "var", "user", "types"]
    assert [o.get("option") for o in outcomes[8:16]] == refused
    assert [(o.get("option"), o.get("subject")) for o in outcomes[16:20]] == [
        ("without", None),
        ("without", None),
        ("scope", "MemoryDBUser"),
        ("scope", "ProxyResourceId"),
    ]
    assert "DescribeDBClusters" not in outcomes[20]["policy"] and "DescribeDBInstances" in outcomes[20]["policy"]
    assert "/alice" in outcomes[21]["policy"] and "FetchMetadata" not in outcomes[21]["policy"]
    titles = {s["id"]: s["title"] for s in COMPILED["services"]}
    for outcome, owner in zip(outcomes[22:24], ["discovery", "database"], strict=True):
        assert f"the {titles[owner]}'s policy; print it with --service {owner}" in outcome["error"], outcome
    assert (
        outcomes[24]["policy"]
        == python_answer(_request(types=["rds", "rds-proxy", "documentdb"], account="123456789012"))["policy"]
    )
    hints = ["redshift", "discovery", "fetch-metadata", "DbUserName"]
    assert [o.get("error", "").count(f"(did you mean {h}?)") for o, h in zip(outcomes[25:29], hints, strict=True)] == [
        1,
        1,
        1,
        1,
    ]
    assert "did you mean" not in outcomes[29]["error"] and outcomes[30]["option"] == "types"
    assert twin.call("answers", [COMPILED, RARE]) == outcomes


@pytest.mark.slow
def test_random_requests_reach_the_common_outcomes() -> None:
    """The strategy is worth something only if it makes policies, identities and refusals."""
    seen: set[str] = set()

    # Not scaled by the budget: this measures the strategy itself, which a budget must not change.
    @settings(
        max_examples=2000,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests())
    def collect(r: dict[str, Any]) -> None:
        result = python_answer(r)
        if "policy" in result:
            seen.add("identity" if result["identity"] else "policy")
            seen.update(["skipped"] if result["skipped"] else [])
            seen.update(["several types"] if len({n.strip() for n in r["types"]}) > 1 else [])
            seen.update(["tailored"] if r["without"] or r["scopes"] else [])
        else:
            seen.add(result["option"])

    collect()
    # Every kind of refusal is asked outright above; drawn at random, the common outcomes must come.
    outcomes = {"policy", "identity", "several types", "tailored", "types", "account", "without", "scope"}
    assert seen >= outcomes, outcomes - seen


# --- the merge on statements no catalog has yet -------------------------------------------------

PATTERN_TEXT = st.lists(st.sampled_from(["a", "b", "*", "?", "${X}", ":", "é", "\U0001f600"]), max_size=6).map("".join)


@st.composite
def merge_statements_input(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 5))):
        statement: dict[str, Any] = {"Sid": f"S{i % 3}"} if draw(st.booleans()) else {}
        statement["Effect"] = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
        actions = draw(st.lists(st.builds(lambda p: "svc:" + p, PATTERN_TEXT), min_size=1, max_size=3))
        statement["Action"] = actions[0] if len(actions) == 1 else actions
        resources = draw(st.lists(PATTERN_TEXT, min_size=1, max_size=3))
        statement["Resource"] = resources[0] if len(resources) == 1 else resources
        if draw(st.integers(0, 3)) == 0:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": draw(st.sampled_from(["a", "b"]))}}
        out.append(statement)
    return out


@pytest.mark.slow
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(merge_statements_input(), min_size=BATCH, max_size=BATCH))
def test_javascript_merges_as_python_does(twin: Twin, batch: list[list[dict[str, Any]]]) -> None:
    for statements, js in zip(batch, twin.call("merges", batch), strict=True):
        assert js == merge_statements(statements), statements


# --- the output formats on text no catalog has yet ----------------------------------------------


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(merge_statements_input(), st.sampled_from([None, ["role", "r"], ["user", "u\u00e9"]]),
                  st.lists(st.sampled_from(SERVICES), min_size=1, unique=True)),
        min_size=BATCH, max_size=BATCH,
    ),
    st.one_of(st.text(max_size=8), st.sampled_from(["{{resolve:ssm:p}}", "{{ RESOLVE :x", "\x08\x0c\U0001f600"])),
)  # fmt: skip
def test_javascript_writes_every_format_as_python_does(
    twin: Twin, batch: list[tuple[list[dict[str, Any]], list[str] | None, list[str]]], text: str
) -> None:
    """Any text (quotes, `${`, `%{`, control characters, any Unicode) in Sids and resources,
    several documents at once (as --split gives), and one or two services."""
    inputs = []
    for statements, identity, service_ids in batch:
        for statement in statements:
            statement["Resource"] = [
                text,
                *([statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]),
            ]
        services = [s for s in COMPILED["services"] if s["id"] in service_ids]
        documents = [{"Version": "2012-10-17", "Statement": statements}] * (1 + len(statements) % 2)
        inputs.append([documents, identity, services])
    for (documents, identity, services), js in zip(inputs, twin.call("formats", inputs), strict=True):
        who = tuple(identity) if identity else None
        assert js == [_written(f, documents, who, services) for f in ("json", "terraform", "cloudformation")]


def _written(fmt: str, *args: Any) -> str | dict[str, str]:
    """A format's text, or its refusal (CloudFormation refuses a `{{resolve:` in any value)."""
    try:
        return FORMATS.report(fmt, Printed(*args), Options())[0]
    except RequestError as exc:
        return {"error": str(exc)}


# --- the stack ------------------------------------------------------------------------------

DEPLOY = COMPILED["deploy"]
TRUSTS = [t["id"] for t in DEPLOY["trust"]]
TRUST_OPTIONS = {v["option"]: {**v, "name": n} for n, v in DEPLOY["variables"].items() if "option" in v}


@functools.cache
def _valid(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


# Every part valid, so that each trust makes stacks whatever else is drawn.
_PLAIN = st.builds(
    lambda types, roles, optional: _request(types=types, assumes_roles=roles, optional=optional),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
    st.lists(VALID_NAME.filter(lambda n: not n.startswith("/") and not n.endswith("/")), max_size=2),
    st.booleans(),
)
_TRUST = st.one_of(st.none(), mostly(padded(st.sampled_from(TRUSTS)), TEXT))
_OPTION_LISTS = st.lists(st.sampled_from(sorted(TRUST_OPTIONS)), max_size=3, unique=True)
_ROLE_NAME = st.one_of(st.none(), mostly(VALID_NAME, st.one_of(st.just("bad name!"), TEXT, EDGE_NAMES)))
_VALID_EXTERNAL_ID = st.from_regex(r"[A-Za-z0-9=,.@:/-]{2,20}", fullmatch=True)
_EXTERNAL_ID = st.one_of(st.none(), mostly(_VALID_EXTERNAL_ID, TEXT))
_POLICY = mostly(st.sampled_from(["managed", "inline"]), TEXT)


def _needed(trust: str | None) -> list[str]:
    """The options whose values the trust's policy names."""
    choice = next((t for t in DEPLOY["trust"] if t["id"] == (trust or TRUSTS[0]).strip()), None)
    named = set(placeholders(json.dumps(choice["statements"]))) if choice else set()
    return [o for o, v in TRUST_OPTIONS.items() if v["name"] in named]


@st.composite
def stack_requests(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        # Half of them valid in every part, so that the stack's own checks are reached as often
        # as print-iam's, and each trust makes stacks.
        trust = draw(st.one_of(st.none(), st.sampled_from(TRUSTS)))
        return {
            "request": {**draw(_PLAIN), "role": None, "user": None},
            "role_name": draw(st.one_of(st.none(), VALID_NAME.filter(lambda n: n.strip("/") == n))),
            "trust": trust,
            "trust_values": {o: draw(_valid(TRUST_OPTIONS[o]["pattern"])) for o in _needed(trust)},
            "external_id": draw(st.one_of(st.none(), _VALID_EXTERNAL_ID)),
            "policy": draw(st.sampled_from(["managed", "inline"])),
        }
    inner = draw(st.one_of(REQUESTS, _PLAIN))
    inner.update(role=None, user=None)
    trust = draw(_TRUST)
    # Mostly the options the trust chosen needs, so that every trust makes stacks.
    options = draw(mostly(st.just(_needed(trust)), _OPTION_LISTS))
    return {
        "request": inner,
        "role_name": draw(_ROLE_NAME),
        "trust": trust,
        "trust_values": {o: draw(mostly(_valid(TRUST_OPTIONS[o]["pattern"]), TEXT)) for o in options},
        "external_id": draw(_EXTERNAL_ID),
        "policy": draw(_POLICY),
    }


def python_stack(r: dict[str, Any]) -> dict[str, Any]:
    from iam_catalog.stack import WRITERS
    from iam_catalog.stack.build import stack
    from iam_catalog.stack.model import StackRequest

    request = StackRequest(
        _request_of(r["request"]),
        role_name=r["role_name"],
        trust=r["trust"],
        trust_values=r["trust_values"],
        external_id=r["external_id"],
        policy=r["policy"],
    )
    try:
        made = stack(COMPILED, request)
        return {name: WRITERS.report(name, made, Options())[0] for name in WRITERS.names()}
    except RequestError as exc:
        return {"error": str(exc), "option": exc.option}


# 40 batches of 25: 1,000 random stack requests on every run, each written in both languages.
@pytest.mark.slow
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(stack_requests(), min_size=BATCH, max_size=BATCH))
def test_javascript_writes_every_stack_as_iam_catalog_stack_does(twin: Twin, batch: list[dict[str, Any]]) -> None:
    in_node = twin.call("stacks", [COMPILED, batch])
    for request, js in zip(batch, in_node, strict=True):
        assert js == python_stack(request), request


@pytest.mark.slow
def test_random_stack_requests_reach_stacks_and_refusals() -> None:
    """Worth something only if it makes stacks of each trust and refuses for each reason."""
    seen: set[str] = set()

    # Not scaled by the budget: this measures the strategy itself, which a budget must not change.
    @settings(
        max_examples=600,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(stack_requests())
    def collect(r: dict[str, Any]) -> None:
        result = python_stack(r)
        if "error" in result:
            seen.add(f"refused {result['option']}")
        else:
            seen.add(f"stack {(r['trust'] or TRUSTS[0]).strip()}")
            seen.update(["split"] if "ServicePolicy2" in result["cloudformation"] else [])

    collect()
    wanted = {f"stack {t}" for t in TRUSTS} | {"refused trust", "refused role-name", "refused types"}
    assert seen >= wanted, wanted - seen
