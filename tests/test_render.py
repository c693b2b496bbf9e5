"""`iam-catalog render`: the generated pages and downloads for a site generator without our
plugin, byte for byte what the plugin hands to mkdocs, and built by plain mkdocs and by Zensical."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from iam_catalog import cli
from iam_catalog.catalog.model import Catalog
from iam_catalog.site.render import page_path, site_files
from iam_catalog.site.sanitize import sanitize
from playwright.sync_api import Browser

from .conftest import ROOT, mkdocs_build, serving, unfold
from .plainsite import project_without_plugin, render

ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.DOTALL)
# "Edit this page" differs by design: the plugin links the catalog file, a plain site the page.
EDIT = re.compile(r'<a [^>]*rel="edit"[^>]*>.*?</a>', re.DOTALL)


def test_render_writes_the_plugin_files_and_nothing_else(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "notes.md").write_text("mine")
    message = render(tmp_path)
    files = site_files(catalog)
    written = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {**files, "notes.md": b"mine"}
    assert message == f"iam-catalog: wrote {len(files)} files into {tmp_path}\n"
    render(tmp_path, "--no-directory-urls")
    index = json.loads((tmp_path / "catalog.json").read_text())
    assert index["types"][0]["page"].endswith(".html")


def test_render_refuses_a_broken_catalog_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", broken)
    (broken / "rds.yaml").write_text((broken / "rds.yaml").read_text().replace("purpose:", "purpos:", 1))
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["render", str(tmp_path / "out"), "--catalog", str(broken)], out, err) == 1
    assert "unknown key 'purpos'" in err.getvalue() and not (tmp_path / "out").exists()


def _content(article: str) -> str:
    """An article without its edit link, and the blank space its template leaves around it,
    through the sanitizer that the plugin applies and a site built from `render` lacks."""
    return re.sub(r"\s+", " ", sanitize(EDIT.sub("", article))).strip()


def test_plain_mkdocs_builds_the_same_pages_as_the_plugin(tmp_path: Path, built_site: Path, catalog: Catalog) -> None:
    site = tmp_path / "site"
    result = mkdocs_build(project_without_plugin(tmp_path / "project"), site)
    assert result.returncode == 0, result.stderr
    pages = [page_path(t).removesuffix(".md") for t in catalog.types] + ["reference", "builder"]
    for page in pages:
        page = page.removesuffix("/index")
        plugin = ARTICLE.search((built_site / page / "index.html").read_text())
        plain = ARTICLE.search((site / page / "index.html").read_text())
        assert plugin and plain and _content(plain.group(1)) == _content(plugin.group(1)), page
    for path, content in site_files(catalog).items():
        if not path.endswith(".md"):
            assert (site / path).read_bytes() == content, path


def test_properdocs_builds_the_same_site_with_the_plugin(tmp_path: Path, built_site: Path, catalog: Catalog) -> None:
    """ProperDocs, the maintained fork of MkDocs 1.x, runs the plugin from the same mkdocs.yml:
    the same articles (sanitized by the plugin in both), Content-Security-Policy and downloads."""
    command = Path(sys.executable).parent / "properdocs"
    if not command.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI installs the test extras, properdocs among them")
        pytest.skip("properdocs is not installed (make test installs it)")
    site = tmp_path / "site"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    args = [str(command), "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    pages = [page_path(t).removesuffix(".md") for t in catalog.types] + ["reference", "builder"]
    for page in pages:
        theirs, ours = (site / page / "index.html").read_text(), (built_site / page / "index.html").read_text()
        plugin, properdocs = ARTICLE.search(ours), ARTICLE.search(theirs)
        assert plugin and properdocs and properdocs.group(1) == plugin.group(1), page
        assert 'http-equiv="Content-Security-Policy"' in theirs, page
    for path, content in site_files(catalog).items():
        if not path.endswith(".md"):
            assert (site / path).read_bytes() == content, path


def _zensical() -> str:
    command = Path(sys.executable).parent / "zensical"
    if not command.exists():
        pytest.skip("zensical is not installed (make test installs it)")
    return str(command)


def test_zensical_builds_every_page_and_download_and_the_builder_works(
    tmp_path: Path, catalog: Catalog, browser: Browser
) -> None:
    config = project_without_plugin(tmp_path)
    result = subprocess.run([_zensical(), "build"], cwd=config.parent, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    site = tmp_path / "site"
    for db_type in catalog.types:
        assert db_type.title in (site / "reference" / db_type.id / "index.html").read_text()
    for path, content in site_files(catalog).items():
        if not path.endswith(".md"):
            assert (site / path).read_bytes() == content, path
    with serving(site) as origin:
        page = browser.new_page()
        page.goto(f"{origin}/builder/")
        page.check("input[name=type][value=rds]")
        unfold(page)
        page.fill("#account", "123456789012")
        out, err = io.StringIO(), io.StringIO()
        assert cli.run(["print-iam", "--types", "rds", "--account", "123456789012"], out, err) == 0
        assert page.text_content("#policy") == out.getvalue()
        page.close()


def test_every_choice_is_labelled_with_the_services_whose_policy_it_changes(catalog: Catalog) -> None:
    from iam_catalog.catalog.kinds import SERVICE
    from iam_catalog.site.render import render_builder, render_type

    titles = {s.id: s.title for s in catalog.shared.services}
    builder = render_builder(catalog)
    seen = 0
    for db_type in catalog.types:
        page = render_type(catalog, db_type)
        for policy in db_type.policies:
            if policy.attach != SERVICE:
                continue
            for st in policy.statements:
                for choice in st.choices():
                    label = re.search(rf'data-choice="{choice}"> <strong>.*?</strong>([^:]*):', page)
                    assert label and titles[catalog.service_of(policy)] in label[1], (db_type.id, choice)
                    offered = re.search(rf'value="{choice}"> <strong>.*?</strong>([^:]*):', builder)
                    assert offered and titles[catalog.service_of(policy)] in offered[1], choice
                    seen += 1
    assert seen, "no statement names a choice: the test would pass on nothing"
    assert len({catalog.service_of(p) for t in catalog.types for p in t.policies if p.attach == SERVICE}) > 1
