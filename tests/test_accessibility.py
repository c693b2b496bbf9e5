"""Every kind of page passes axe-core with no serious or critical violation, in light and dark.

axe-core comes from npm at the version package-lock.json pins (make test installs it); the test
injects it into each page in Chromium, so nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from iam_catalog.catalog.model import Catalog
from playwright.sync_api import Browser, Page

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HAND_WRITTEN = ["", "cli/", "reviewing/", "adding-a-database-type/", "how-it-is-built/"]


def violations(page: Page) -> list[tuple[str, str, list[str]]]:
    # Evaluated by the test's own channel, not as an inline <script>: the page's
    # Content-Security-Policy refuses those, as it should.
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        "axe.run().then(r => r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))]))"
    )
    return [(rule, impact, nodes) for rule, impact, nodes in found if impact in ("serious", "critical")]


@pytest.fixture(scope="module")
def axe() -> Path:
    if not AXE.exists():
        if os.environ.get("CI"):
            raise RuntimeError("make test installs axe-core with npm ci; CI must run it")
        pytest.skip("axe-core is not installed: run `make test`, which runs npm ci")
    return AXE


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_has_a_serious_violation(
    axe: Path, browser: Browser, server: str, catalog: Catalog, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    pages = [*HAND_WRITTEN, "reference/", *(f"reference/{t.id}/" for t in catalog.types), "builder/"]
    found = {}
    for url in pages:
        page.goto(f"{server}/{url}")
        found[url] = violations(page)
    # The builder with its fields for a type shown: choices, scope fields, errors.
    page.check("input[name=type][value=rds]")
    page.fill("#account", "12345")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # the header's title fades as the page scrolls: axe reads it settled
    found["builder/ (filled in)"] = violations(page)
    context.close()
    assert {url: v for url, v in found.items() if v} == {}
