"""How long `mkdocs serve` takes to rebuild after one catalog file is edited, beside a plain
site's rebuild after one of its pages is edited, measured side by side.

`mkdocs serve` reloads the configuration and builds again in the same process at every change;
this does the same, in one process per site: (a) this site, after an edit of the first type's
title in its catalog file (the plugin reads and checks that file alone and renders the pages
again, reusing the rest), and (b) a plain Material site holding the very same pages as
hand-written Markdown, after the same edit of that type's page. It prints the median rebuild of each, alternated
run by run, and their ratio; the budget is 1.1.

    python bench/serve_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iam_catalog.checks.loader import load_directory  # noqa: E402
from iam_catalog.site.render import page_path  # noqa: E402

from bench.sidebyside import report  # noqa: E402
from tests.plainsite import project_without_plugin  # noqa: E402
from tests.synthetic import write_catalog  # noqa: E402

BUDGET = 1.1

# One serving process: reads "rebuild" on stdin, edits the file back and forth, rebuilds as
# `mkdocs serve` does (configuration loaded again, then a build), prints the seconds it took.
SERVER = """
import sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
config_file, edited, site = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
old, new = sys.argv[4], sys.argv[5]
def rebuild():
    start = time.perf_counter()
    build(load_config(config_file, site_dir=site))
    return time.perf_counter() - start
rebuild()
for n, line in enumerate(sys.stdin):
    text = edited.read_text()
    edited.write_text(text.replace(old, new) if n % 2 == 0 else text.replace(new, old))
    print(rebuild(), flush=True)
"""


def _server(config: Path, edited: Path, site: Path, old: str, new: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    command = [sys.executable, "-c", SERVER, str(config), str(edited), str(site), old, new]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )


def _rebuild(server: subprocess.Popen[str]) -> float:
    assert server.stdin and server.stdout
    server.stdin.write("rebuild\n")
    server.stdin.flush()
    return float(server.stdout.readline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plugin_site = work / "plugin"
        for name in ("docs", "overrides"):
            shutil.copytree(ROOT / name, plugin_site / name)
        catalog = write_catalog(plugin_site / "catalog", 0)
        shutil.copy(ROOT / "mkdocs.yml", plugin_site / "mkdocs.yml")
        plain = project_without_plugin(work / "plain", catalog)
        # The same edit on both sides, of whichever type comes first: its title, on its page too.
        first = load_directory(catalog).require().types[0]
        source, page = Path(first.path), plain.parent / "docs" / page_path(first)
        edits = {source: f"title: {first.title}\n", page: f"# {first.title}\n"}
        assert all(text in path.read_text() for path, text in edits.items())
        servers = [
            _server(
                plugin_site / "mkdocs.yml", source, work / "site-plugin", edits[source], f"title: {first.title}!\n"
            ),
            _server(plain, page, work / "site-plain", edits[page], f"# {first.title}!\n"),
        ]
        times: list[list[float]] = [[], []]
        try:
            for which in (0, 1):
                _rebuild(servers[which])  # warm: the first rebuild after a start
            for i in range(args.runs):
                for which in (0, 1) if i % 2 == 0 else (1, 0):
                    times[which].append(_rebuild(servers[which]))
        finally:
            for server in servers:
                server.terminate()
        plugin, plain_s = statistics.median(times[0]), statistics.median(times[1])
    ok = report(
        f"rebuild after one edit     plugin {plugin:6.2f} s  plain {plain_s:6.2f} s",
        plugin / plain_s,
        BUDGET,
        args.runs,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
