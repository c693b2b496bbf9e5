"""How fast `iam-catalog print-iam` starts, against `python -c pass`, measured side by side.

Scripts run print-iam in loops, so its budget is 4 times an empty Python start. Both commands
run alternately, 41 times each by default, and the medians are compared. The package's
bytecode is compiled first, as pip does when it installs a wheel (this machine may set
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile from source), and an
untimed first run fills the compiled-catalog cache, as the first run on any machine does.

    python bench/cli_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import iam_catalog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import medians, verdict

BUDGET = 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    compileall.compile_dir(str(Path(iam_catalog.__file__).parent), quiet=1)
    command = str(Path(sys.executable).parent / "iam-catalog")
    listing = subprocess.run([command, "list-types", "--format", "json"], capture_output=True, text=True, check=True)
    types = ",".join(t["id"] for t in json.loads(listing.stdout))
    print_iam = [command, "print-iam", "--types", types, "--optional", "--account", "123456789012"]
    empty = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as cache:
        # The untimed first run of each fills the cache, as the first run on a machine does.
        env = {"IAM_CATALOG_CACHE": cache, "PATH": "/usr/bin:/bin"}
        cli, python = medians(print_iam, empty, args.runs, env)
    ratio = cli / python
    print(
        f"print-iam, all types  {cli * 1000:6.1f} ms   python -c pass  {python * 1000:6.1f} ms   "
        f"{verdict(ratio, BUDGET, args.runs)}"
    )
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
