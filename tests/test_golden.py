"""Rendered Markdown of two types, the overview and the actions index, pinned: any change to a
page shows up here as a diff.

Run `make golden` to accept an intended change, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from iam_catalog.catalog.model import Catalog
from iam_catalog.site.render import render_actions, render_overview, render_type

GOLDEN = Path(__file__).parent / "golden"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("type_id", ["redshift-serverless", "elasticache-managed-users"])
def test_type_page(catalog: Catalog, type_id: str) -> None:
    db_type = catalog.find(type_id)
    assert db_type is not None
    _check(f"{type_id}.md", render_type(catalog, db_type))


def test_overview_page(catalog: Catalog) -> None:
    _check("overview.md", render_overview(catalog))


def test_actions_page(catalog: Catalog) -> None:
    _check("actions.md", render_actions(catalog))


def test_blank_lines_inside_code_blocks_survive(catalog: Catalog) -> None:
    import dataclasses

    rds = catalog.find("rds")
    assert rds is not None
    policy = dataclasses.replace(rds.policies[0], notes="Example:\n\n```\nfirst\n\n\nthird\n```\n\n\n\nAfter.")
    page = render_type(catalog, dataclasses.replace(rds, policies=(policy, *rds.policies[1:])))
    assert "```\nfirst\n\n\nthird\n```\n\nAfter." in page
