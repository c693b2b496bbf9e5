"""The Discovery Service from the same catalog: Teleport's statements, one identity or two."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iam_catalog import cli
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document
from iam_catalog.iam.merge import grants, merged_document
from parliament import analyze_policy_string

from .budget import examples
from .conftest import FIXTURES
from .iamequal import normal_statement

FACTS = json.loads((FIXTURES / "upstream" / "discovery-service-2026.json").read_text())


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return cli.run(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize("fact", FACTS["statements"], ids=lambda f: f["sid"])
def test_every_discovery_statement_is_in_the_catalog(catalog: Catalog, fact: dict[str, Any]) -> None:
    db_type = catalog.find(fact["type"])
    assert db_type is not None
    found = [
        st
        for policy in db_type.policies
        if policy.attach == SERVICE and catalog.service_of(policy) == FACTS["service"]
        for st in policy_document(policy, catalog.defaults(db_type))["Statement"]
        if st.get("Sid") == fact["sid"]
    ]
    expected = {"Sid": fact["sid"], "Effect": "Allow", "Action": fact["actions"], "Resource": fact["resources"]}
    assert [normal_statement(st, True) for st in found] == [normal_statement(expected, True)]


def test_types_that_cannot_be_discovered_say_so(catalog: Catalog) -> None:
    for type_id in FACTS["not_discoverable"]:
        db_type = catalog.find(type_id)
        assert db_type is not None
        assert FACTS["service"] in dict(db_type.unsupported)
        code, _, err = run("print-iam", "--types", type_id, "--service", FACTS["service"])
        assert code == 2 and len(err.splitlines()) == 1 and f"{type_id}: no policy for the" in err


def _all_types(catalog: Catalog) -> str:
    return ",".join(t.id for t in catalog.types)


@pytest.mark.parametrize("services", ["discovery", "database,discovery"])
def test_parliament_finds_nothing_but_resource_star(catalog: Catalog, services: str) -> None:
    code, out, err = run(
        "print-iam", "--types", _all_types(catalog), "--service", services, "--account", "123456789012"
    )
    assert code == 0, err
    assert {f.issue for f in analyze_policy_string(out).findings} <= {"RESOURCE_STAR"}


def test_default_service_prints_what_it_printed_before(catalog: Catalog) -> None:
    """Every command that worked before --service existed prints the same."""
    assert (
        run("print-iam", "--types", "rds,redshift")[1]
        == run("print-iam", "--types", "rds,redshift", "--service", "database")[1]
    )


def test_a_skipped_type_is_a_note(catalog: Catalog) -> None:
    code, out, err = run("print-iam", "--types", "rds,dynamodb", "--service", "discovery")
    assert code == 0 and json.loads(out)["Statement"]
    assert "note: skipped dynamodb: no policy for the" in err


def test_list_types_shows_the_services(catalog: Catalog) -> None:
    _, out, _ = run("list-types", "--format", "json")
    rows = {r["id"]: r["services"] for r in json.loads(out)}
    assert rows["dynamodb"] == ["database"]
    assert rows["rds"] == ["database", "discovery"]


@settings(max_examples=examples(150), deadline=None)
@given(st.data())
def test_merge_across_services_is_the_union_with_unique_sids(catalog: Catalog, data: st.DataObject) -> None:
    compiled = compile_catalog(catalog)
    ids = data.draw(st.lists(st.sampled_from([t.id for t in catalog.types]), min_size=1, unique=True))
    services = data.draw(st.lists(st.sampled_from([s.id for s in catalog.shared.services]), min_size=1, unique=True))
    merged = merged_document(compiled, ids, {}, optional=True, services=services)
    sids = [s["Sid"] for s in merged["Statement"] if "Sid" in s]
    assert len(sids) == len(set(sids)), "two statements with one Sid"
    assert (
        merged_document(compiled, list(reversed(ids)), {}, optional=True, services=list(reversed(services))) == merged
    )
    expected = {
        (e, a.lower(), r)
        for t in catalog.types
        if t.id in ids
        for p in t.policies
        if p.attach == SERVICE and catalog.service_of(p) in services
        for s in policy_document(p, catalog.defaults(t))["Statement"]
        for e, a, r, _ in grants(s)
    }
    assert {(e, a.lower(), r) for s in merged["Statement"] for e, a, r, _ in grants(s)} <= expected


def test_a_sid_both_services_use_keeps_its_name_in_the_first(catalog: Catalog) -> None:
    shared = {
        st.sid
        for t in catalog.types
        for p in t.policies
        if p.attach == SERVICE and catalog.service_of(p) == "database"
        for st in p.statements
    } & {
        st.sid for t in catalog.types for p in t.policies if catalog.service_of(p) == "discovery" for st in p.statements
    }
    assert "ElastiCacheFetchMetadata" in shared  # the fact sheet's example
    _, out, _ = run("print-iam", "--types", "elasticache", "--service", "database,discovery")
    sids = [s.get("Sid") for s in json.loads(out)["Statement"]]
    assert "ElastiCacheFetchMetadata" in sids and "DiscoveryElastiCacheFetchMetadata" in sids
    _, alone, _ = run("print-iam", "--types", "elasticache", "--service", "discovery")
    assert "ElastiCacheFetchMetadata" in [s.get("Sid") for s in json.loads(alone)["Statement"]]


def test_catalog_json_names_each_policy_service(built_site: Path) -> None:
    index = json.loads((built_site / "catalog.json").read_text())
    rds = next(t for t in index["types"] if t["id"] == "rds")
    assert {p["id"]: p.get("service") for p in rds["policies"]}["discovery"] == "discovery"
