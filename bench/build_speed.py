"""How much the iam-catalog plugin adds to an mkdocs build, measured side by side.

For the real catalog and for one 20 times larger, it builds (a) this site, the plugin
generating its pages, and (b) a plain Material site holding the very same pages as
hand-written Markdown, alternating a and b so that machine noise hits both alike. It prints
the median of each and their ratio; the budget is 1.1 for the real catalog and 1.2 for the
larger one. Every synthetic type has grants of its own, as a real catalog's types have.

    python bench/build_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sidebyside import label, medians, report, twenty_times  # noqa: E402
from tests.plainsite import project_without_plugin  # noqa: E402
from tests.synthetic import write_catalog  # noqa: E402

BUDGET = {"real": 1.1, "larger": 1.2}


def prepare(workdir: Path, extra_types: int) -> tuple[Path, Path]:
    """(plugin site config, plain site config) for the catalog plus `extra_types` types."""
    plugin_site = workdir / "plugin"
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, plugin_site / name)
    catalog = write_catalog(plugin_site / "catalog", extra_types)
    shutil.copy(ROOT / "mkdocs.yml", plugin_site / "mkdocs.yml")
    return plugin_site / "mkdocs.yml", project_without_plugin(workdir / "plain", catalog)


def measure(label: str, extra_types: int, runs: int) -> bool:
    budget = BUDGET["larger" if extra_types else "real"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    with tempfile.TemporaryDirectory() as tmp:
        plugin_config, plain_config = prepare(Path(tmp), extra_types)
        site = str(Path(tmp) / "site")
        build = [sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-d", site, "-f"]
        plugin, plain = medians([*build, str(plugin_config)], [*build, str(plain_config)], runs, env)
        pages = len(list((Path(tmp) / "plain" / "docs").rglob("*.md")))
    return report(
        f"{label:<24} {pages:4d} pages  plugin {plugin:6.2f} s  plain {plain:6.2f} s", plugin / plain, budget, runs
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = [measure(label(0), 0, args.runs), measure(label(twenty_times()), twenty_times(), args.runs)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
