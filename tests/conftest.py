"""Shared fixtures: the project's catalog, loaded once, and a helper that runs mkdocs."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.model import Catalog
from iam_catalog.checks.loader import load_directory

from .node import Twin

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold a test marked slow first, each file's tests kept together and in
    order (so that a module's fixtures are set up once): spread over the cores by make test's
    `-n auto`, a long test that starts last keeps one core busy while the others wait."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture()
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiled-catalog cache of the test's own, so that no test reads another's."""
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_directory(Path(bundled_dir())).require()


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` as a user runs it, with a fixed build date."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def copy_project(tmp: Path) -> Path:
    """A scratch copy of mkdocs.yml, docs/, overrides/ and catalog/, to break without harm."""
    for name in ("docs", "catalog", "overrides"):
        shutil.copytree(ROOT / name, tmp / name)
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    return tmp / "mkdocs.yml"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return site


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def loopback(handler: Any) -> Iterator[str]:
    """An HTTP server with this request handler at a loopback address, for as long as the block runs."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    """A folder served over HTTP at a loopback address, for as long as the block runs."""
    with loopback(functools.partial(_Quiet, directory=str(site))) as origin:
        yield origin


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site, built for and served at a loopback address: instant navigation needs the
    sitemap's site_url to be where the pages are."""
    site = tmp_path_factory.mktemp("browser-site")
    with serving(site) as origin:
        os.environ["SITE_URL"] = origin + "/"
        try:
            result = mkdocs_build(ROOT / "mkdocs.yml", site)
        finally:
            del os.environ["SITE_URL"]
        assert result.returncode == 0, result.stderr
        yield origin


# Every page carries a Content-Security-Policy (site/csp.py). Chromium reports a refusal to the
# page as a `securitypolicyviolation` event; every context the tests open logs it, and a test
# during which one was logged fails, whatever it was testing.
CSP_VIOLATIONS: list[str] = []
_REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`));"""


def _is_violation(text: str) -> bool:
    return "CSP violation" in text or "Content Security Policy" in text


class _WatchedBrowser:
    """A Browser whose every context records Content-Security-Policy violations."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("console", lambda m: CSP_VIOLATIONS.append(m.text) if _is_violation(m.text) else None)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _no_csp_violation() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == [], "Content-Security-Policy violations"


@pytest.fixture(scope="session")
def twin() -> Iterator[Twin]:
    """The browser twin under Node: the differential tests need no browser."""
    node = Twin()
    yield node
    node.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (whose own browser download does not work here);
    every context it opens records Content-Security-Policy violations."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium for the browser tests (.ci/run does)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]  # fmt: skip
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield cast("Browser", _WatchedBrowser(chromium))
        chromium.close()


def unfold(page: Any) -> None:
    """Open the folded forms of a type page or the builder, as a reader taps their summary line."""
    for summary in page.locator("details.iam-fold:not([open]) > summary").all():
        summary.click()


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element `selector` names has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def from_the_keyboard(page: Any, url: str, ready: str) -> None:
    """Open `url` once `ready` is on it, with nothing focused: the next Tab starts at the top."""
    page.goto(url)
    page.wait_for_selector(ready)
    page.evaluate("document.activeElement && document.activeElement.blur()")
