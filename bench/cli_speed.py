"""How fast `iam-catalog print-iam` starts, against `python -c pass`, measured side by side.

Scripts run print-iam in loops, so its budget is 4 times an empty Python start. Both commands
run alternately, 41 times each by default, and the medians are compared. The package's
bytecode is compiled first, as pip does when it installs a wheel (this machine may set
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile from source), and one
run fills the compiled-catalog cache, as the first run on any machine does.

    python bench/cli_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import iam_catalog

BUDGET = 4.0


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


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
        env = {"IAM_CATALOG_CACHE": cache, "PATH": "/usr/bin:/bin"}
        seconds(print_iam, env)  # the first run on a machine fills the cache
        cli_times, python_times = [], []
        for i in range(args.runs):
            pair = [(print_iam, cli_times), (empty, python_times)]
            for cmd, times in pair if i % 2 == 0 else reversed(pair):
                times.append(seconds(cmd, env))
    cli, python = statistics.median(cli_times), statistics.median(python_times)
    ratio = cli / python
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(
        f"print-iam, all types  {cli * 1000:6.1f} ms   python -c pass  {python * 1000:6.1f} ms   "
        f"ratio {ratio:4.2f}  ({verdict} the {BUDGET} budget, median of {args.runs})"
    )
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
