"""The catalog reproduces the seed reference: all 34 policy blocks and every purpose."""

from __future__ import annotations

import copy
import html.parser
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.model import Catalog, Policy
from iam_catalog.catalog.policy import policy_document

from .conftest import FIXTURES
from .iamequal import iam_equal, normal_statement

SEED = FIXTURES / "seed"
SEED_BLOCKS = sorted(SEED.glob("*/*.json"))


@dataclass(frozen=True)
class Correction:
    """A deliberate difference from a seed block: statements rewritten or added, and why."""

    reason: str
    rewritten: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Sid: keys to replace
    added: tuple[dict[str, Any], ...] = ()


CORRECTIONS: dict[tuple[str, str], Correction] = {
    ("dynamodb", "database-service"): Correction(
        "The original reference allows sts:TagSession on every role; AWS checks it against the role "
        "being assumed, so the catalog allows it on the Database Service's assumed role only.",
        rewritten={"DynamoDBSessionTagging": {"Resource": "arn:aws:iam::aws-account-id:role/dynamodb-user-role"}},
    ),
    ("elasticache", "database-service"): Correction(
        "Teleport's current reference grants elasticache:Connect on * and gives the replication "
        "group and user ARNs as the way to scope it; the Database Service also reads replication "
        "groups' metadata now.",
        rewritten={"ElastiCacheConnect": {"Resource": "*"}},
        added=(
            {
                "Sid": "ElastiCacheFetchMetadata",
                "Effect": "Allow",
                "Action": "elasticache:DescribeReplicationGroups",
                "Resource": "*",
            },
        ),
    ),
    ("memorydb", "database-service"): Correction(
        "Teleport grants memorydb:Connect on * and gives AWS's cluster/ and user/ ARNs as the scope "
        "(the seed's replicationgroup: and user: forms are ElastiCache's and match no MemoryDB "
        "resource); the Database Service also reads clusters' metadata now.",
        rewritten={"MemoryDBConnect": {"Resource": "*"}},
        added=(
            {"Sid": "MemoryDBFetchMetadata", "Effect": "Allow", "Action": "memorydb:DescribeClusters", "Resource": "*"},
        ),
    ),
}

# Purposes that deliberately say something else than the seed's table, and why.
PURPOSE_CORRECTIONS = {
    "RDSConnect": "Teleport's reference now says the permission is for connecting, not for generating a token.",
}


def _seen_by_seed(catalog: Catalog, policy: Policy) -> bool:
    """The seed is the Database Service's reference: its policies, not the Discovery Service's."""
    return policy.attach != SERVICE or catalog.service_of(policy) == catalog.shared.services[0].id


def _policies(catalog: Catalog) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (t.id, p.id): policy_document(p, catalog.defaults(t))
        for t in catalog.types
        for p in t.all_policies(catalog.shared)
        if _seen_by_seed(catalog, p)
    }


def test_seed_has_34_blocks() -> None:
    assert len(SEED_BLOCKS) == 34


def test_catalog_has_the_seed_blocks_and_the_trust_alternatives(catalog: Catalog) -> None:
    seed = {(p.parent.name, p.stem) for p in SEED_BLOCKS}
    new_types = {t.id for t in catalog.types if t.change and t.change.kind == "added"}
    extra = {(t, p) for t, p in set(_policies(catalog)) - seed if t not in new_types}
    assert seed <= set(_policies(catalog))
    # Beyond the seed: new types, and the trust policy's other forms, offered as tabs beside the seed's.
    assert {policy for _, policy in extra} == {"trust-account", "trust-external-id"}
    assert {t for t, _ in extra} == {t for t, p in seed if p == "trust"}


@pytest.mark.parametrize("block", SEED_BLOCKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_seed_block_comes_out_of_the_catalog(catalog: Catalog, block: Path) -> None:
    key = (block.parent.name, block.stem)
    expected = json.loads(block.read_text())
    correction = CORRECTIONS.get(key)
    if correction:
        assert correction.reason
        assert not iam_equal(_policies(catalog)[key], expected), "a correction that no longer differs"
        expected = copy.deepcopy(expected)
        for statement in expected["Statement"]:
            statement.update(correction.rewritten.get(statement.get("Sid", ""), {}))
        expected["Statement"].extend(correction.added)
    assert iam_equal(_policies(catalog)[key], expected)


def _seed_statements() -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for block in SEED_BLOCKS for s in json.loads(block.read_text())["Statement"] if "Sid" in s}


def test_the_changes_section_agrees_with_the_seed(catalog: Catalog) -> None:
    """A statement is marked added exactly when the seed lacks it, and changed exactly when its
    grants or purpose differ from the seed's: the overview's list of changes cannot drift."""
    seed = _seed_statements()
    unnamed = {
        (block.parent.name, block.stem): [
            normal_statement(s, False) for s in json.loads(block.read_text())["Statement"] if "Sid" not in s
        ]
        for block in SEED_BLOCKS
    }
    seen: set[str] = set()
    for db_type in catalog.types:
        values = catalog.defaults(db_type)
        for policy in filter(lambda p: _seen_by_seed(catalog, p), db_type.own_policies()):
            for statement, st in zip(policy_document(policy, values)["Statement"], policy.statements, strict=True):
                if not st.sid:
                    continue
                kind = st.change.kind if st.change else (db_type.change.kind if db_type.change else None)
                if st.sid not in seed:
                    if normal_statement(statement, False) in unnamed.get((db_type.id, policy.id), []):
                        continue  # the seed has it without a Sid: the catalog only named it
                    assert kind == "added", f"{st.sid} is not in the seed: mark it added"
                    continue
                seen.add(st.sid)
                differs = normal_statement(statement, True) != normal_statement(seed[st.sid], True)
                shown = " ".join((st.purpose or "").replace("`", "").split())  # as the page's table shows it
                differs |= st.sid in SEED_PURPOSES and shown != SEED_PURPOSES[st.sid]
                assert (kind == "changed") == differs, st.sid
    assert seen == set(seed), "every seed statement was compared"


class _Cells(html.parser.HTMLParser):
    """Text of every table row, as a list of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            lines = "".join(self._cell).split("\n")
            self.rows[-1].append("\n".join(" ".join(line.split()) for line in lines))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _database_service_part(page: str, catalog: Catalog) -> str:
    """The page without the other services' sections, whose tables may reuse a Sid."""
    for service in catalog.shared.services[1:]:
        before, marker, rest = page.partition(f'<h2 id="{service.title.lower().replace(" ", "-")}"')
        if marker:
            page = before + ("<h2" + rest.split("<h2", 1)[1] if "<h2" in rest else "")
    return page


def _purpose_cells(site: Path, catalog: Catalog) -> dict[str, list[str]]:
    """The lines of each Database Service statement's Purpose cell, by Sid."""
    rows: dict[str, list[str]] = {}
    for page in (site / "reference").glob("*/index.html"):
        parser = _Cells()
        parser.feed(_database_service_part(page.read_text(), catalog))
        rows.update({r[0]: r[1].split("\n") for r in parser.rows if len(r) >= 2 and r[0] != "Statement"})
    return rows


def _purpose_rows(site: Path, catalog: Catalog) -> dict[str, str]:
    return {sid: lines[0] for sid, lines in _purpose_cells(site, catalog).items()}


SEED_PURPOSES: dict[str, str] = json.loads((SEED / "purposes.json").read_text())


@pytest.mark.parametrize("sid", sorted(SEED_PURPOSES))
def test_seed_purpose_row_is_on_its_page(built_site: Path, catalog: Catalog, sid: str) -> None:
    if sid in PURPOSE_CORRECTIONS:
        assert _purpose_rows(built_site, catalog)[sid] != SEED_PURPOSES[sid], "a correction that no longer differs"
    else:
        assert _purpose_rows(built_site, catalog)[sid] == SEED_PURPOSES[sid]


def test_every_named_statement_has_a_purpose_row(built_site: Path, catalog: Catalog) -> None:
    rows = _purpose_rows(built_site, catalog)
    sids = {
        st.sid
        for t in catalog.types
        for p in t.all_policies(catalog.shared)
        if _seen_by_seed(catalog, p)
        for st in p.statements
        if st.sid
    }
    # The seed left four managed-user statements and the KMS additions without a purpose; the
    # statements added since have purposes of their own.
    added = {
        st.sid
        for t in catalog.types
        for p in t.own_policies()
        if _seen_by_seed(catalog, p)
        for st in p.statements
        if t.change or st.change
    }
    written = sids - set(SEED_PURPOSES) - added
    assert written == {
        "ElastiCacheManageUsers",
        "ElastiCacheManagePasswords",
        "ElastiCacheManagePasswordsKMS",
        "MemoryDBManageUsers",
        "MemoryDBManagePasswords",
        "MemoryDBManagePasswordsKMS",
    }
    assert all(rows[sid] for sid in sids)
    assert all(len(rows[sid].split()) >= 8 for sid in written), "a purpose that says too little"


UPSTREAM = json.loads((FIXTURES / "upstream" / "database-service-2026.json").read_text())


@pytest.mark.parametrize("fact", UPSTREAM["statements"], ids=lambda f: f["sid"])
def test_every_statement_of_the_current_reference_is_in_the_catalog(catalog: Catalog, fact: dict[str, Any]) -> None:
    db_type = catalog.find(fact["type"])
    assert db_type is not None, fact["type"]
    found = [
        (policy, st)
        for policy in db_type.policies
        if _seen_by_seed(catalog, policy)
        for st in policy_document(policy, catalog.defaults(db_type))["Statement"]
        if st.get("Sid") == fact["sid"]
    ]
    assert len(found) == 1, fact["sid"]
    policy, statement = found[0]
    assert policy.attach == "service" and not policy.optional
    expected = {"Sid": fact["sid"], "Effect": "Allow", "Action": fact["actions"], "Resource": fact["resources"]}
    assert normal_statement(statement, True) == normal_statement(expected, True)


def test_titles_follow_the_current_reference(catalog: Catalog) -> None:
    for type_id, title in UPSTREAM["titles"].items():
        db_type = catalog.find(type_id)
        assert db_type is not None and db_type.title == title


def _plain(prose: str) -> str:
    """Inline prose as a reader sees it: code, emphasis and link markup dropped."""
    return " ".join(re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", prose).split())


def test_every_unscoped_reason_is_shown_beside_its_statement(built_site: Path, catalog: Catalog) -> None:
    explained = [(t, st) for t in catalog.types for p in t.own_policies() for st in p.statements if st.unscoped]
    assert explained, "the catalog explains no statement on * (the check below would pass on nothing)"
    for db_type, st in explained:
        parser = _Cells()
        parser.feed((built_site / "reference" / db_type.id / "index.html").read_text())
        cells = [r[1].split("\n") for r in parser.rows if len(r) >= 2 and r[0] == st.sid]
        assert any(f"Why *: {_plain(st.unscoped or '')}" in lines for lines in cells), (db_type.id, st.sid)
