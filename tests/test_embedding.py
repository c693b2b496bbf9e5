"""The plugin in another team's site: hosts made fresh in a temporary folder, with the package
installed from its wheel (not this repository's mkdocs.yml, nor its source tree), built by
mkdocs and by ProperDocs, in Material and in the plain theme."""

from __future__ import annotations

import html
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from iam_catalog.catalog.model import Catalog
from iam_catalog.site.paths import BUILDER, INDEX_JSON, POLICIES, REFERENCE
from iam_catalog.site.render import page_path, site_files

from .conftest import ROOT, serving

pytestmark = pytest.mark.slow

HOST_PAGE = "# Runbooks\n\nOur own page, with [a link](ops/on-call.md).\n\n<script>window.hostRan = true</script>\n"
ON_CALL = "# On call\n\nThe rota.\n"
# The host's own Markdown settings, which must not change a reference page: nl2br would turn
# every line break of a paragraph into <br>, and none of the dialect's extensions is here.
OTHER_EXTENSIONS = ["nl2br", "sane_lists", "abbr"]
CODE_BLOCK = re.compile(r"<pre[^>]*><span></span><code[^>]*>(.*?)</code></pre>", re.DOTALL)
LINK = re.compile(r"""\b(?:href|src)="([^"]*)\"""")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a user installs it: built into a wheel, installed into a folder of its
    own that comes first on the path, so the catalog is the one the wheel ships."""
    folder = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(ROOT)], check=True)
    (wheel,) = folder.glob("*.whl")
    target = folder / "installed"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    found = _run(target, [sys.executable, "-c", "import iam_catalog.plugin as p; print(p.__file__)"], Path.cwd())
    assert found.stdout.strip().startswith(str(target)), found.stdout + found.stderr
    return target


def _run(installed: Path, command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed), "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _host(folder: Path, config: dict[str, Any], pages: dict[str, str] | None = None) -> Path:
    """A fresh site: its mkdocs.yml and its own pages."""
    folder.mkdir(parents=True)
    for path, text in (pages or {"index.md": HOST_PAGE, "ops/on-call.md": ON_CALL}).items():
        (folder / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "docs" / path).write_text(text)
    (folder / "mkdocs.yml").write_text(yaml.safe_dump({"site_name": "Platform docs", **config}))
    return folder


def _build(installed: Path, host: Path, tool: str = "mkdocs") -> subprocess.CompletedProcess[str]:
    return _run(installed, [sys.executable, "-m", tool, "build", "--strict"], host)


def _pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}


def _html(src: str, directory_urls: bool = True) -> str:
    stem = src.removesuffix(".md")
    if stem.endswith("index"):
        return f"{stem}.html"
    return f"{stem}/index.html" if directory_urls else f"{stem}.html"


def _policy_blocks(page: str) -> set[str]:
    """The policy documents a page shows, as the reader copies them."""
    texts = {html.unescape(re.sub(r"<[^>]+>", "", block)) for block in CODE_BLOCK.findall(page)}
    return {text for text in texts if '"Statement"' in text}


def _assert_reference(site: Path, prefix: str, catalog: Catalog, directory_urls: bool = True) -> None:
    """Every page, download and policy block of the reference under `prefix`, as print-iam's
    core writes them, and every link of every page leading to a file of the site."""
    files = site_files(catalog, directory_urls=directory_urls)
    for path, content in files.items():
        if not path.endswith(".md"):
            assert (site / prefix / path).read_bytes() == content, path
    for db_type in catalog.types:
        page = (site / prefix / _html(page_path(db_type), directory_urls)).read_text()
        downloads = {c.decode() for p, c in files.items() if p.startswith(f"{POLICIES}/{db_type.id}/")}
        assert _policy_blocks(page) == downloads, db_type.id
    pages = _pages(site)
    for name in (f"{REFERENCE}/index.md", *(page_path(t) for t in catalog.types), BUILDER):
        text = pages[f"{prefix}/{_html(name, directory_urls)}"]
        # Rendered in the plugin's own dialect: no fence, admonition or emoji left as text.
        for raw in ("```", "!!! ", ":material-", "{ .md-button"):
            assert raw not in text, (name, raw)
    for name, text in pages.items():
        for link in LINK.findall(text):
            target = html.unescape(link).split("#")[0].split("?")[0]
            if not target or re.match(r"^[a-z]+:", target):
                continue
            # 404.html links from the site's root, as it is served at any depth.
            resolved = site / target[1:] if target.startswith("/") else (site / name).parent / target
            assert resolved.exists() and (resolved.is_file() or (resolved / "index.html").is_file()), (name, link)
    index = json.loads((site / prefix / INDEX_JSON).read_text())
    for entry in index["types"]:
        assert (site / prefix / entry["page"]).exists() or (site / prefix / entry["page"] / "index.html").exists()


def _nav_titles(page: str) -> list[str]:
    """The titles of Material's navigation, in order, sections and pages."""
    primary = page[page.index("md-nav--primary") :]
    return [html.unescape(t) for t in re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', primary, re.DOTALL)]


def test_bare_material_host_gets_the_reference_under_its_prefix(
    installed: Path, tmp_path: Path, catalog: Catalog
) -> None:
    """Two lines in mkdocs.yml: the bundled catalog, the default prefix, one section."""
    host = _host(tmp_path / "host", {"theme": {"name": "material"}, "plugins": ["search", "iam-catalog"]})
    result = _build(installed, host)
    assert result.returncode == 0, result.stderr
    site = host / "site"
    _assert_reference(site, "aws-iam", catalog)
    own = (site / "index.html").read_text()
    assert "Content-Security-Policy" not in own and "iam-catalog" not in own
    assert "<script>window.hostRan = true</script>" in own
    titles = _nav_titles(own)
    section = titles.index("AWS IAM reference")
    assert titles[:section] == ["Runbooks", "Ops", "On call"]
    assert [t.title for t in catalog.types] == [t for t in titles[section:] if t in {x.title for x in catalog.types}]
    reference = (site / "aws-iam" / _html(page_path(catalog.types[0]))).read_text()
    assert 'http-equiv="Content-Security-Policy"' in reference
    assert reference.count("iam-catalog.css") == 1 and reference.count("iam-catalog.js") == 1
    assert '"navigation.instant"' not in reference


def test_explicit_nav_prefix_file_urls_and_other_extensions(installed: Path, tmp_path: Path, catalog: Catalog) -> None:
    config = {
        "theme": {"name": "material"},
        "use_directory_urls": False,
        "nav": [{"Home": "index.md"}, {"On call": "ops/on-call.md"}],
        "markdown_extensions": OTHER_EXTENSIONS,
        "plugins": [{"iam-catalog": {"prefix": "/teams/cloud/iam/", "nav_section": "Cloud permissions"}}],
    }
    host = _host(tmp_path / "host", config)
    result = _build(installed, host)
    assert result.returncode == 0, result.stderr
    site = host / "site"
    _assert_reference(site, "teams/cloud/iam", catalog, directory_urls=False)
    titles = _nav_titles((site / "index.html").read_text())
    assert titles[:3] == ["Home", "On call", "Cloud permissions"], titles
    # The host's nl2br applies to its pages, not to the reference's.
    reference = (site / "teams/cloud/iam" / _html(page_path(catalog.types[0]), False)).read_text()
    assert "<br />\n" not in reference


@pytest.fixture(scope="module")
def plain_site(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host in MkDocs' own theme."""
    plain = _host(tmp_path_factory.mktemp("plain") / "host", {"theme": {"name": "mkdocs"}, "plugins": ["iam-catalog"]})
    result = _build(installed, plain)
    assert result.returncode == 0, result.stderr
    return plain / "site"


def test_plain_theme_and_properdocs_render_the_same_reference(
    installed: Path, plain_site: Path, tmp_path: Path, catalog: Catalog
) -> None:
    _assert_reference(plain_site, "aws-iam", catalog)
    pages = [(plain_site / "aws-iam" / _html(page_path(t))).read_text() for t in catalog.types]
    assert any('class="admonition' in page for page in pages)
    assert all('http-equiv="Content-Security-Policy"' in page for page in pages)
    if not (Path(sys.executable).parent / "properdocs").exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI installs the test extras, properdocs among them")
        pytest.skip("properdocs is not installed (make test installs it)")
    # ProperDocs ships no plain theme of its own; Material runs on it.
    proper = _host(tmp_path / "proper", {"theme": {"name": "material"}, "plugins": ["iam-catalog"]})
    (proper / "mkdocs.yml").rename(proper / "properdocs.yml")
    result = _build(installed, proper, "properdocs")
    assert result.returncode == 0, result.stderr
    _assert_reference(proper / "site", "aws-iam", catalog)


def test_a_host_page_in_the_way_is_refused_and_kept(installed: Path, tmp_path: Path) -> None:
    mine = "# Our overview\n"
    pages = {"index.md": HOST_PAGE, f"aws-iam/{REFERENCE}/index.md": mine, f"aws-iam/{BUILDER}": mine}
    host = _host(tmp_path / "host", {"plugins": ["iam-catalog"]}, pages)
    result = _build(installed, host)
    assert result.returncode == 1
    assert "the IAM catalog writes these pages and files, which the site already has" in result.stderr
    for path in (f"aws-iam/{REFERENCE}/index.md", f"aws-iam/{BUILDER}"):
        assert str(host / "docs" / path) in result.stderr
        assert (host / "docs" / path).read_text() == mine
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"catalog": "nowhere"}, "option 'catalog': The path '"),
        ({"prefix": "../outside"}, "expected a folder inside the site"),
        ({"prefix": "a//b"}, "expected a folder inside the site"),
        ({"nav": "yes"}, "Expected type: <class 'bool'>"),
    ],
)
def test_a_bad_option_is_one_configuration_error(
    installed: Path, tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    host = _host(tmp_path / "host", {"plugins": [{"iam-catalog": options}]})
    result = _build(installed, host)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (host / "site").exists()


def _hostile(rng: random.Random) -> str:
    """Text built to break out of where an option's value is written: HTML, attributes, scripts,
    templates, URLs."""
    pieces = ['<img src=x onerror="alert(1)">', "</span></a>", "'", '"', "&amp;", "&", "{{ config }}", "${x}"]
    pieces += ["<script>alert(2)</script>", "%3Cb%3E", "\u202e", "ü", "`", "#", "?q=1"]
    return "".join(rng.sample(pieces, 4))


def test_hostile_options_are_refused_by_name_or_written_as_text(installed: Path, tmp_path: Path) -> None:
    """Every option, given hostile text: mkdocs stops with an error that names the option, or
    the site shows the text escaped, never as markup."""
    rng = random.Random(20261207)
    for i, (option, value) in enumerate(
        [
            ("catalog", _hostile(rng)),
            ("prefix", "a" + chr(rng.randrange(0, 32)) + "b"),
            ("prefix", "x/" + chr(0x7F) + _hostile(rng)),
            ("nav", _hostile(rng)),
            ("site_wide", _hostile(rng)),
            ("nav_section", 3),
        ]
    ):
        host = _host(tmp_path / f"refused-{i}", {"plugins": [{"iam-catalog": {option: value}}]})
        result = _build(installed, host)
        assert result.returncode == 1 and f"option '{option}'" in result.stderr, (option, value, result.stderr)
        assert "Traceback" not in result.stderr and not (host / "site").exists()
    section, prefix = _hostile(rng), "teams/" + _hostile(rng).replace("/", "-").replace(":", "-").replace("\\", "-")
    config = {"theme": {"name": "material"}, "plugins": [{"iam-catalog": {"nav_section": section, "prefix": prefix}}]}
    host = _host(tmp_path / "written", config)
    result = _build(installed, host)
    assert result.returncode == 0, result.stderr
    for page in (host / "site" / "index.html", *(host / "site").glob("teams/*/reference/index.html")):
        text = page.read_text()
        assert section in _nav_titles(text), page
        for raw in ("<img", "<script>alert", "</span></a>"):
            assert text.count(raw) == 0 or raw not in section + prefix, (page, raw)


HOOK = """
def on_post_page(output, page, config):
    return output.replace("</body>", "<script>window.hostHook = 1</script></body>")
"""


def test_the_policy_hashes_scripts_a_later_plugin_adds(installed: Path, tmp_path: Path, catalog: Catalog) -> None:
    """The Content-Security-Policy is written last (event_priority -100): an inline script that
    the host's own hook adds to every page after the plugin has run is in its hashes."""
    import base64
    import hashlib

    host = _host(tmp_path / "host", {"theme": {"name": "material"}, "plugins": ["iam-catalog"], "hooks": ["hook.py"]})
    (host / "hook.py").write_text(HOOK)
    result = _build(installed, host)
    assert result.returncode == 0, result.stderr
    reference = (host / "site" / "aws-iam" / _html(page_path(catalog.types[0]))).read_text()
    digest = base64.b64encode(hashlib.sha256(b"window.hostHook = 1").digest()).decode()
    assert "<script>window.hostHook = 1</script>" in reference
    assert f"'sha256-{digest}'" in reference


@pytest.fixture(scope="module")
def instant_host(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Material host with instant navigation, served where its site_url says."""
    host = tmp_path_factory.mktemp("instant") / "host"
    with serving(host / "site") as origin:
        config = {
            "site_url": origin + "/",
            "theme": {"name": "material", "features": ["navigation.instant"]},
            "plugins": ["search", "iam-catalog"],
        }
        home = HOST_PAGE + "\nGrant Teleport what it needs with the [policy builder](aws-iam/builder/index.md).\n"
        result = _build(installed, _host(host, config, {"index.md": home, "ops/on-call.md": ON_CALL}))
        assert result.returncode == 0, result.stderr
        yield origin


def test_the_policy_never_follows_a_reader_into_a_host_page(instant_host: str, browser: Any) -> None:
    """A policy, once a page has read it, binds the document: a reference page is loaded whole
    and leaves whole, so the host's pages run as they would without the plugin (their inline
    script here; the conftest fixture fails the test on any policy violation)."""
    page = browser.new_page()
    page.goto(f"{instant_host}/")
    page.wait_for_load_state("networkidle")  # Material intercepts links once it has the sitemap
    assert page.evaluate("window.hostRan === true")
    page.evaluate("window.__stayed = true")
    page.click("article a[href$='aws-iam/builder/']")
    page.wait_for_selector("#iam-builder:not([hidden])")  # its script ran
    assert page.evaluate("window.__stayed === undefined"), "instant navigation swapped the reference page in"
    assert page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]') !== null")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__stayed = true")
    page.locator("nav.md-nav--primary a", has_text="Runbooks").first.click()
    page.wait_for_function("window.hostRan === true")
    assert page.evaluate("window.__stayed === undefined")
    assert page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]') === null")


def test_every_option_is_in_the_docs_table_with_its_default() -> None:
    from iam_catalog.plugin import IamCatalogConfig

    table = (ROOT / "docs" / "embedding.md").read_text().split("## Options", 1)[1]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", table, re.MULTILINE))
    options = dict(IamCatalogConfig._schema)  # mkdocs' own list of a config's options
    assert set(rows) == set(options)
    for name, option in options.items():
        if option.default is not None:
            shown = json.dumps(option.default) if isinstance(option.default, bool) else f"`{option.default}`"
            assert rows[name].strip() in (shown, f"`{shown}`"), name


def test_the_dialect_is_this_repositorys_markdown() -> None:
    """`iam-catalog render` output is built with mkdocs.yml's extensions, the plugin's pages
    with its own: the two lists are one."""
    from iam_catalog.plugin import EXTENSIONS, _extension_configs
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    assert config["markdown_extensions"] == EXTENSIONS
    assert config["mdx_configs"] == _extension_configs()


def _tabs_the_stylesheet_switches() -> int:
    from iam_catalog.site.paths import STYLESHEET

    css = (ROOT / "plugins/iam_catalog/site" / STYLESHEET).read_text()
    return max(int(n) for n in re.findall(r"input:nth-child\((\d+)\):checked ~ \.tabbed-content", css))


def test_the_plain_theme_shows_one_tab_at_a_time(plain_site: Path, catalog: Catalog, browser: Any) -> None:
    from iam_catalog.site.render import tabs

    largest = max(len(tabs(step)) for t in catalog.types for step in t.steps(catalog.shared))
    assert 1 < largest <= _tabs_the_stylesheet_switches()
    db_type = next(t for t in catalog.types if any(len(tabs(s)) == largest for s in t.steps(catalog.shared)))
    with serving(plain_site) as origin:
        page = browser.new_page()
        page.goto(f"{origin}/aws-iam/{_html(page_path(db_type)).removesuffix('index.html')}")
        tab_set = page.locator(".tabbed-set").first
        blocks = tab_set.locator(".tabbed-block")
        count = blocks.count()
        assert [blocks.nth(i).is_visible() for i in range(count)] == [True] + [False] * (count - 1)
        tab_set.locator(".tabbed-labels > label").nth(1).click()
        assert [blocks.nth(i).is_visible() for i in range(count)] == [False, True] + [False] * (count - 2)
        icon = page.locator(".twemoji svg").first.bounding_box()
        assert icon and icon["height"] < 40  # the size of the text, not the page's width
