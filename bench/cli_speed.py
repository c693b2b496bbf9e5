"""How fast `iam-catalog print-iam` starts, against `python -c pass`, measured side by side.

Scripts run print-iam in loops, so its budget is 3 times an empty Python start for the real
catalog, and 4 times for one 20 times larger (whose types have grants of their own, so the
merge has 20 times the work). Both commands run alternately, 41 times each by default, and the
medians are compared. The package's bytecode is compiled first, as pip does when it installs a
wheel (this machine may set PYTHONDONTWRITEBYTECODE, which would otherwise make every run
compile from source), and an untimed first run fills the compiled-catalog cache, as the first
run on any machine does. The catalog is written RACY_NS before the first run, as a catalog
that nobody is editing at that very moment is.

    python bench/cli_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import iam_catalog
from iam_catalog.cache import RACY_NS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import label, medians, report, twenty_times
from tests.synthetic import write_catalog


def measure(label: str, extra_types: int, budget: float, runs: int) -> bool:
    command = str(Path(sys.executable).parent / "iam-catalog")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = ["--catalog", str(write_catalog(Path(tmp) / "catalog", extra_types))]
        # A catalog edited in the last RACY_NS is checked by content; measure the usual case.
        time.sleep(RACY_NS / 1e9)
        env = {"IAM_CATALOG_CACHE": str(Path(tmp) / "cache"), "PATH": "/usr/bin:/bin"}
        listing = subprocess.run(
            [command, "list-types", "--format", "json", *catalog], capture_output=True, text=True, check=True, env=env
        )
        types = ",".join(t["id"] for t in json.loads(listing.stdout))
        print_iam = [command, "print-iam", *catalog, "--types", types, "--optional", "--account", "123456789012"]
        cli, python = medians(print_iam, [sys.executable, "-c", "pass"], runs, env)
    what = f"{label:<24} print-iam {cli * 1000:6.1f} ms   python -c pass {python * 1000:6.1f} ms "
    return report(what, cli / python, budget, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    compileall.compile_dir(str(Path(iam_catalog.__file__).parent), quiet=1)
    results = [
        measure(label(0), 0, 3.0, args.runs),
        measure(label(twenty_times()), twenty_times(), 4.0, args.runs),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
