"""This repository's site built without the plugin: its pages written by `iam-catalog render`,
and mkdocs.yml with the plugin's entry replaced by the script and stylesheet it would add.

Used by the render tests and the build benchmark, which compare such a site with the plugin's.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from iam_catalog import cli
from iam_catalog.site.render import SCRIPTS, STYLESHEET

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_ENTRY = '  - iam-catalog:\n      catalog: catalog\n      prefix: ""\n      nav: false\n      site_wide: true\n'


def render(target: Path, *extra: str) -> str:
    """`iam-catalog render TARGET ...`; what it says on stderr."""
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["render", str(target), *extra], out, err) == 0, err.getvalue()
    return err.getvalue()


def project_without_plugin(project: Path, catalog: Path | None = None) -> Path:
    """docs/ and overrides/ copied into `project`, the rendered files added, and its mkdocs.yml."""
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(ROOT / "overrides", project / "overrides")
    render(project / "docs", *(["--catalog", str(catalog)] if catalog else []))
    config = (ROOT / "mkdocs.yml").read_text()
    assert PLUGIN_ENTRY in config, "the plugin's entry in mkdocs.yml changed shape"
    config = config.replace(PLUGIN_ENTRY, "") + f"extra_css: [{STYLESHEET}]\nextra_javascript: [{', '.join(SCRIPTS)}]\n"
    (project / "mkdocs.yml").write_text(config)
    return project / "mkdocs.yml"
