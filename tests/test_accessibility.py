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

from .budget import SCALE
from .conftest import ROOT, from_the_keyboard, tab_to, unfold

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Every page of docs/, by its URL.
HAND_WRITTEN = sorted("" if p.stem == "index" else f"{p.stem}/" for p in (ROOT / "docs").glob("*.md"))


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


FULL = SCALE >= 1
# Each kind of element on the page: its tag and its classes.
ELEMENT_KINDS = "[...new Set([...document.body.querySelectorAll('*')].map(e => e.tagName + '.' + e.className))]"


@pytest.mark.slow
@pytest.mark.parametrize(("scheme", "screen"), [("light", None), ("dark", None), ("light", (390, 844))])
def test_no_page_has_a_serious_violation(
    axe: Path, browser: Browser, server: str, catalog: Catalog, scheme: str, screen: tuple[int, int] | None
) -> None:
    """Light and dark at Playwright's desktop size, and a phone's screen, where tables scroll.
    In light, axe reads every page; in the other two, under make test's budget, every page that
    shows an element (a tag with its classes) no page read before it showed, since what a colour
    scheme or a screen changes is how each kind of element looks: a construct new to the catalog
    is always read. At the full budget (CI), every page in every mode."""
    size = {"viewport": {"width": screen[0], "height": screen[1]}} if screen else {}
    context = browser.new_context(color_scheme=scheme, **size)
    page = context.new_page()
    pages = [*HAND_WRITTEN, "reference/", *(f"reference/{t.id}/" for t in catalog.types), "reference/actions/"]
    found, seen = {}, set()
    for url in [*pages, "builder/"]:
        page.goto(f"{server}/{url}")
        kinds = set(page.evaluate(ELEMENT_KINDS))
        if FULL or (scheme == "light" and screen is None) or not kinds <= seen or url == "builder/":
            found[url] = violations(page)
            seen |= kinds
    # The builder with its fields for a type shown: choices, scope fields, errors.
    page.check("input[name=type][value=rds]")
    unfold(page)
    page.fill("#account", "12345")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # the header's title fades as the page scrolls: axe reads it settled
    found["builder/ (filled in)"] = violations(page)
    context.close()
    assert {url: v for url, v in found.items() if v} == {}


SCREENS = {"phone": (390, 844), "laptop": (1400, 900)}
SHOWN = 60  # pixels of the policy on the first screen: its first lines, not only its top edge


@pytest.mark.slow
@pytest.mark.parametrize("screen", SCREENS)
def test_the_first_policy_is_on_the_first_screen_and_the_folded_forms_work_from_the_keyboard(
    axe: Path, browser: Browser, server: str, catalog: Catalog, screen: str
) -> None:
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    first = "document.querySelector(s).getBoundingClientRect().top"
    for db_type in catalog.types:
        page.goto(f"{server}/reference/{db_type.id}/")
        page.wait_for_selector("form.iam-values:not([hidden])")
        top = page.evaluate(f"s => {first}", "article .highlight")
        assert top <= height - SHOWN, f"{db_type.id}: the first policy starts at {top} px on a {width}x{height} screen"
    found = {}
    # A type page: the summary line opens with Enter, and says what the reader set.
    from_the_keyboard(page, f"{server}/reference/redshift/", "form.iam-values:not([hidden])")
    tab_to(page, "form.iam-values .iam-fold > summary")
    page.keyboard.press("Enter")
    tab_to(page, "form.iam-values [data-variable=Account]")
    page.keyboard.type("123456789012")
    summary = page.text_content("form.iam-values .iam-fold > summary") or ""
    assert summary.startswith("Your values: account 123456789012"), summary
    assert ":123456789012:" in (page.text_content("article") or "")  # the policies follow
    found["redshift (open)"] = violations(page)
    # The builder: a type chosen, its policy on the first screen; the forms open from the keyboard.
    from_the_keyboard(page, f"{server}/builder/", "#iam-builder:not([hidden])")
    page.check("input[name=type][value=redshift]")
    assert page.evaluate(f"s => {first}", "pre.iam-policy") <= height - SHOWN
    tab_to(page, "#iam-builder .iam-fold > summary")
    page.keyboard.press("Enter")
    tab_to(page, "#account")
    page.keyboard.type("123456789012")
    # Redshift names the account in what it grants on its database-user roles: named here too.
    tab_to(page, "#assumes-roles")
    page.keyboard.type("rs-user")
    assert ":123456789012:role/rs-user" in (page.text_content("#policy") or "")
    assert (page.text_content("#iam-builder .iam-fold > summary") or "").startswith("Your values: account 1234")
    found["builder (open)"] = violations(page)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}
