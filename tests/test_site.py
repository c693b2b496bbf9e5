"""The built site: downloads agree with the catalog, builds are reproducible, failures are safe."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document

from .conftest import ROOT, copy_project, mkdocs_build, tree


def test_every_download_matches_the_model(built_site: Path, catalog: Catalog) -> None:
    expected = {
        f"policies/{t.id}/{p.id}.json": policy_document(p, catalog.defaults(t))
        for t in catalog.types
        for p in t.all_policies(catalog.shared)
    }
    found = {str(p.relative_to(built_site)): json.loads(p.read_text()) for p in built_site.glob("policies/*/*.json")}
    assert found == expected
    assert {path.split("/")[1] for path in found} == {t.id for t in catalog.types}  # none without a download


def test_catalog_json_lists_every_download_with_its_digest(built_site: Path) -> None:
    index = json.loads((built_site / "catalog.json").read_text())
    listed = {p["path"]: p["sha256"] for t in index["types"] for p in t["policies"]}
    on_disk = {str(p.relative_to(built_site)) for p in built_site.glob("policies/*/*.json")}
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((built_site / path).read_bytes()).hexdigest() == digest
    for entry in index["types"]:
        assert (built_site / entry["page"] / "index.html").is_file()


def test_every_page_links_its_downloads(built_site: Path, catalog: Catalog) -> None:
    for t in catalog.types:
        page = (built_site / "reference" / t.id / "index.html").read_text()
        for p in t.all_policies(catalog.shared):
            assert f'href="../../policies/{t.id}/{p.id}.json"' in page
            assert f'download="{t.id}-{p.id}.json"' in page


def test_overview_links_every_type(built_site: Path, catalog: Catalog) -> None:
    page = (built_site / "reference" / "index.html").read_text()
    for t in catalog.types:
        assert f'href="../reference/{t.id}/"' in page or f'href="{t.id}/"' in page


def test_no_page_loads_anything_from_another_host(built_site: Path) -> None:
    # rel="canonical" names the page's address; it loads nothing. The browser tests watch
    # the requests themselves.
    loads = re.compile(
        r"""<(?:script|link(?![^>]*rel="canonical")|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I
    )
    for page in built_site.rglob("*.html"):
        assert not loads.search(page.read_text()), page
    for sheet in built_site.rglob("*.css"):
        assert "fonts.googleapis" not in sheet.read_text(), sheet


def test_two_builds_are_byte_identical(built_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = mkdocs_build(Path(__file__).resolve().parents[1] / "mkdocs.yml", again)
    assert result.returncode == 0, result.stderr
    assert tree(again) == tree(built_site)


def test_broken_catalog_fails_the_build_and_keeps_the_old_site(tmp_path: Path) -> None:
    config = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    assert mkdocs_build(config, site).returncode == 0
    before = tree(site)
    catalog_dir = tmp_path / "project" / "catalog"
    rds, proxy = catalog_dir / "rds.yaml", catalog_dir / "rds-proxy.yaml"
    rds.write_text(rds.read_text().replace("purpose:", "purpos:", 1))
    proxy.write_text(proxy.read_text().replace("rds-db:connect", "rds-db:conect"))
    purpos, conect = line_of(rds, "purpos:"), line_of(proxy, "rds-db:conect")
    result = mkdocs_build(config, site)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "the IAM catalog has 2 errors" in result.stderr
    assert f"{rds}:{purpos}: unknown key 'purpos' in statement (did you mean 'purpose'?)" in result.stderr
    assert f"{proxy}:{conect}: unknown action rds-db:conect (did you mean rds-db:connect?)" in result.stderr
    assert tree(site) == before


def line_of(path: Path, text: str) -> int:
    """The line of the first occurrence of `text` in a file, as problems number them."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_plugin_never_writes_into_docs(built_site: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    tracked = subprocess.run(["git", "ls-files", "docs"], cwd=root, capture_output=True, text=True, check=True)
    assert tracked.stdout.split()
    assert sorted(str(p.relative_to(root)) for p in (root / "docs").rglob("*") if p.is_file()) == sorted(
        tracked.stdout.split()
    )


def test_html_in_catalog_prose_never_reaches_a_page(tmp_path: Path) -> None:
    config = copy_project(tmp_path / "project")
    rds = tmp_path / "project" / "catalog" / "rds.yaml"
    html = "      Connect <img src=x onerror=alert(1)> <script>alert(2)</script>\n\n"
    rds.write_text(rds.read_text().replace("    notes: |\n", "    notes: |\n" + html, 1))
    site = tmp_path / "site"
    result = mkdocs_build(config, site)
    assert result.returncode != 0
    assert f"{rds}:{line_of(rds, 'notes: |')}: raw HTML is not allowed in catalog prose" in result.stderr
    assert not (site / "reference").exists()


@pytest.mark.slow
def test_a_catalog_of_any_size_builds(tmp_path: Path) -> None:
    """228 more types, each Keyspaces under a new name with its own Sid and role: the merged
    policy of all of them is far over every quota, which only warns; no one attaches them all."""
    config = copy_project(tmp_path)
    keyspaces = (tmp_path / "catalog" / "keyspaces.yaml").read_text()
    for n in range(228):
        copy = (
            keyspaces.replace("id: keyspaces", f"id: keyspaces-{n:03d}")
            .replace("title: Keyspaces", f"title: Keyspaces {n:03d}")
            .replace("aliases: [keyspace]", "aliases: []")
            .replace("sid: Keyspaces", f"sid: Keyspaces{n:03d}")
            .replace("keyspaces-user-role", f"keyspaces-user-role-{n:03d}")
        )
        (tmp_path / "catalog" / f"keyspaces-{n:03d}.yaml").write_text(copy)
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "reference" / "keyspaces-227" / "index.html").is_file()
    listed = json.loads((tmp_path / "site" / "catalog.json").read_text())
    shipped = len(list((tmp_path / "catalog").glob("*.yaml"))) - 228 - 1  # less the copies and _shared.yaml
    assert len(listed["types"]) == shipped + 228


def test_overview_lists_every_change_and_rds_warns(built_site: Path, catalog: Catalog) -> None:
    overview = (built_site / "reference" / "index.html").read_text()
    section = overview.split('id="changes-since-the-original-reference"', 1)[1]
    marked = [t for t in catalog.types if t.change] + [
        st for t in catalog.types for p in t.own_policies() for st in p.statements if st.change
    ]
    assert marked
    assert section.count("<tr>") == len(marked) + 1  # the header row
    for st in marked:
        assert (f"<code>{st.sid}</code>" if hasattr(st, "sid") else st.title) in section
    rds = (built_site / "reference" / "rds" / "index.html").read_text()
    warning = rds.split('class="admonition warning"', 1)[1].split("</div>", 1)[0]
    assert "RDSAutoEnableIAMAuth" in warning and "pending" in warning


def test_a_missing_catalog_folder_is_a_config_error(tmp_path: Path) -> None:
    config = copy_project(tmp_path / "project")
    config.write_text(config.read_text().replace("catalog: catalog", "catalog: no-such-folder"))
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "option 'catalog'" in result.stderr and "no-such-folder' isn't an existing directory" in result.stderr


def test_edit_links_lead_to_the_file_a_page_comes_from(built_site: Path, catalog: Catalog) -> None:
    """mkdocs.yml's repo_url and edit_uri, as Material reads them; a generated page's link leads
    to its catalog file, a hand-written page's to its Markdown, the builder has none."""
    import yaml

    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # its !ENV tags stay text
    base = config["repo_url"].rstrip("/") + "/" + config["edit_uri"].removesuffix("docs/")
    edit = re.compile(r'<a href="([^"]+)" title="Edit this page"')

    def link(page: str) -> str | None:
        found = edit.search((built_site / page / "index.html").read_text())
        return found.group(1) if found else None

    for db_type in catalog.types:
        assert link(f"reference/{db_type.id}") == f"{base}catalog/{db_type.id}.yaml"
    assert link("reference") == f"{base}catalog/_shared.yaml"
    assert link("cli") == f"{base}docs/cli.md"
    assert link("builder") is None


def test_the_actions_page_lists_every_granted_action_and_type_pages_link_to_it(
    built_site: Path, catalog: Catalog
) -> None:
    """Every action an Allow statement grants has a section on reference/actions/ with AWS's
    access level and each statement that grants it; each action in a type page's table links
    to its section, the search index finds it by name, and catalog.json holds the same."""
    import html as html_module

    from iam_catalog.aws import facts as awsfacts
    from iam_catalog.site.render import action_anchor

    granted = {
        name
        for t in catalog.types
        for p in (*t.own_policies(), *(q for s in catalog.shared.steps for q in s.policies()))
        for st in p.statements
        if st.effect == "Allow"
        for a in st.actions
        for name in awsfacts.expand(a)
    }
    page = html_module.unescape((built_site / "reference" / "actions" / "index.html").read_text())
    index = json.loads((built_site / "catalog.json").read_text())
    assert {a["name"] for a in index["actions"]} == granted
    for entry in index["actions"]:
        anchor = action_anchor(entry["name"])
        assert entry["page"].endswith(f"actions/#{anchor}")
        section = page.split(f'id="{anchor}"', 1)[1].split("<h2", 1)[0]
        facts = awsfacts.facts(entry["name"])
        assert facts is not None and facts.access_level in section and entry["access_level"] == facts.access_level
        for use in entry["uses"]:
            assert (use["sid"] or use["policy"]) in section
            if use["purpose"]:
                assert use["purpose"].split("`")[0].strip()[:20] in section
    search = json.loads((built_site / "search" / "search_index.json").read_text())
    titles = {d["location"]: html_module.unescape(d["title"]) for d in search["docs"]}
    for name in granted:
        assert name in titles[f"reference/actions/#{action_anchor(name)}"]
    for db_type in catalog.types:
        text = (built_site / "reference" / db_type.id / "index.html").read_text()
        for p in db_type.own_policies():
            for st in p.statements:
                for a in st.actions if st.sid else ():
                    if len(awsfacts.expand(a)) == 1:
                        assert f'href="../actions/#{action_anchor(a)}"' in text, (db_type.id, a)
