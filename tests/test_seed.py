"""The catalog reproduces the seed reference: all 34 policy blocks and every purpose."""

from __future__ import annotations

import copy
import html.parser
import json
from pathlib import Path
from typing import Any

import pytest
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document

from .conftest import FIXTURES
from .iamequal import iam_equal

SEED = FIXTURES / "seed"
SEED_BLOCKS = sorted(SEED.glob("*/*.json"))

# Where the catalog deliberately differs from the seed, and why. Each entry rewrites the seed's
# statement to what the catalog says; the block must then be IAM-equal, so nothing else differs.
CORRECTIONS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    # AWS documents MemoryDB ARNs as cluster/${ClusterName} and user/${UserName}; the seed's
    # replicationgroup: and user: forms are ElastiCache's and match no MemoryDB resource.
    ("memorydb", "database-service"): {
        "MemoryDBConnect": {
            "Resource": [
                "arn:aws:memorydb:us-east-2:aws-account-id:cluster/cluster-name",
                "arn:aws:memorydb:us-east-2:aws-account-id:user/*",
            ]
        }
    },
}


def _policies(catalog: Catalog) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (t.id, p.id): policy_document(p, catalog.defaults(t))
        for t in catalog.types
        for p in t.all_policies(catalog.shared)
    }


def test_seed_has_34_blocks() -> None:
    assert len(SEED_BLOCKS) == 34


def test_catalog_has_the_seed_blocks_and_the_trust_alternatives(catalog: Catalog) -> None:
    seed = {(p.parent.name, p.stem) for p in SEED_BLOCKS}
    extra = set(_policies(catalog)) - seed
    assert seed <= set(_policies(catalog))
    # Beyond the seed: the trust policy's other forms, offered as tabs beside the seed's.
    assert {policy for _, policy in extra} == {"trust-account", "trust-external-id"}
    assert {t for t, _ in extra} == {t for t, p in seed if p == "trust"}


@pytest.mark.parametrize("block", SEED_BLOCKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_seed_block_comes_out_of_the_catalog(catalog: Catalog, block: Path) -> None:
    key = (block.parent.name, block.stem)
    expected = json.loads(block.read_text())
    corrections = CORRECTIONS.get(key, {})
    if corrections:
        assert not iam_equal(_policies(catalog)[key], expected), "a correction that no longer differs"
        expected = copy.deepcopy(expected)
        for statement in expected["Statement"]:
            statement.update(corrections.get(statement.get("Sid", ""), {}))
    assert iam_equal(_policies(catalog)[key], expected)


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

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _purpose_rows(site: Path) -> dict[str, str]:
    rows: dict[str, str] = {}
    for page in (site / "reference").glob("*/index.html"):
        parser = _Cells()
        parser.feed(page.read_text())
        rows.update({r[0]: r[1] for r in parser.rows if len(r) >= 2 and r[0] != "Statement"})
    return rows


SEED_PURPOSES: dict[str, str] = json.loads((SEED / "purposes.json").read_text())


@pytest.mark.parametrize("sid", sorted(SEED_PURPOSES))
def test_seed_purpose_row_is_on_its_page(built_site: Path, sid: str) -> None:
    assert _purpose_rows(built_site)[sid] == SEED_PURPOSES[sid]


def test_every_named_statement_has_a_purpose_row(built_site: Path, catalog: Catalog) -> None:
    rows = _purpose_rows(built_site)
    sids = {st.sid for t in catalog.types for p in t.all_policies(catalog.shared) for st in p.statements if st.sid}
    # The seed left four managed-user statements and the KMS additions without a purpose.
    written = sids - set(SEED_PURPOSES)
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
