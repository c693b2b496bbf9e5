"""The data the build emits for the page scripts: complete, and the same as the Python side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import html5lib
import pytest
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document
from iam_catalog.iam.documents import document, fill_statement
from iam_catalog.site.render import page_data


def _document(page: Path) -> Any:
    return html5lib.parse(page.read_text(), namespaceHTMLElements=False)


def _embedded(page: Path, element_id: str) -> Any:
    found = [e for e in _document(page).iter("div") if e.get("id") == element_id]
    assert len(found) == 1 and "hidden" in found[0].attrib, f"no hidden {element_id} in {page}"
    return json.loads(found[0].get("data-json"))


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
    """What a page's script fills in, from what the page embeds, is what the site's own download
    of each policy holds: the two are written by different code."""
    for db_type in catalog.types:
        embedded = _embedded(built_site / "reference" / db_type.id / "index.html", "iam-catalog-page")
        defaults = {name: v["default"] for name, v in embedded["variables"].items()}
        downloads = {p.id for p in db_type.all_policies(catalog.shared)}
        assert set(embedded["policies"]) == {f"{db_type.id}/{p}" for p in downloads}
        for key, template in embedded["policies"].items():
            filled = document(fill_statement(st, defaults) for st in template["Statement"])
            saved = json.loads((built_site / "policies" / f"{key}.json").read_text())
            assert filled == saved, key


def test_builder_embeds_the_compiled_catalog(built_site: Path, catalog: Catalog) -> None:
    page = built_site / "builder" / "index.html"
    assert _embedded(page, "iam-catalog-compiled") == compile_catalog(catalog)
    inputs = list(_document(page).iter("input"))
    boxes = [e.get("value") for e in inputs if e.get("type") == "checkbox" and e.get("name") == "type"]
    assert boxes == [t.id for t in catalog.types]
    ids = {e.get("id") for e in _document(page).iter()}
    assert {"account", "role", "region", "partition", "policy", "download"} <= ids
