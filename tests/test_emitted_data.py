"""The data the build emits for the page scripts: complete, and the same as the Python side."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document
from iam_catalog.iam.documents import document, fill_statement
from iam_catalog.site.render import page_data


def _embedded(page: Path, element_id: str) -> Any:
    match = re.search(rf'<div hidden id="{element_id}" data-json="([^"]*)"', page.read_text())
    assert match, f"no {element_id} in {page}"
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("type_id", ["documentdb", "elasticache-managed-users", "redshift-serverless"])
def test_page_data_fills_to_every_policy_of_the_page(catalog: Catalog, type_id: str) -> None:
    db_type = catalog.find(type_id)
    assert db_type is not None
    data = page_data(catalog, db_type)
    policies = list(db_type.all_policies(catalog.shared))
    assert set(data["policies"]) == {f"{type_id}/{p.id}" for p in policies}
    defaults = {name: v["default"] for name, v in data["variables"].items()}
    assert defaults == catalog.defaults(db_type)
    for policy in policies:
        template = data["policies"][f"{type_id}/{policy.id}"]
        filled = document(fill_statement(st, defaults) for st in template["Statement"])
        assert filled == policy_document(policy, defaults)


def test_every_type_page_embeds_its_data(built_site: Path, catalog: Catalog) -> None:
    for db_type in catalog.types:
        embedded = _embedded(built_site / "reference" / db_type.id / "index.html", "iam-catalog-page")
        assert embedded == page_data(catalog, db_type)


def test_builder_embeds_the_compiled_catalog(built_site: Path, catalog: Catalog) -> None:
    page = built_site / "builder" / "index.html"
    assert _embedded(page, "iam-catalog-compiled") == compile_catalog(catalog)
    boxes = re.findall(r'<input type="checkbox" name="type" value="([a-z0-9-]+)"', page.read_text())
    assert boxes == [t.id for t in catalog.types]
    for element in ('id="account"', 'id="role"', 'id="region"', 'id="partition"', 'id="policy"', 'id="download"'):
        assert element in page.read_text()
