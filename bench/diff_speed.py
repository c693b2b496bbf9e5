"""How long `iam-catalog diff` takes between two git revisions, against `validate` of one catalog.

A reviewer's CI runs both on every pull request. The repository holds the catalog at two
commits: the second edits a tenth of the types as a pull request would (an action added, a
resource widened to `*`, a condition removed). Both commands run alternately, and the medians
are compared; the budget is 2.5, for the real catalog and for one 20 times larger.

    python bench/diff_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import label, medians, report, twenty_times
from tests.synthetic import write_catalog

BUDGET = 2.5


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def edit(catalog: Path) -> int:
    """Change every tenth type the way pull requests do; return how many were changed."""
    files = sorted(p for p in catalog.glob("*.yaml") if not p.name.startswith("_"))[::10]
    for path in files:
        text = path.read_text()
        if "actions: sts:AssumeRole" in text:
            text = text.replace("actions: sts:AssumeRole", "actions: [sts:AssumeRole, sts:TagSession]", 1)
        else:
            text = text.replace('resources: "arn:', 'resources: "*"\n        # was: "arn:', 1)
        path.write_text(text)
    return len(files)


def measure(label: str, extra_types: int, runs: int) -> bool:
    command = str(Path(sys.executable).parent / "iam-catalog")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        catalog = write_catalog(repo / "catalog", extra_types)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", ".")
        _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@invalid", "commit", "-q", "-m", "base")
        changed = edit(catalog)
        _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@invalid", "commit", "-q", "-am", "edit")
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        diff = [command, "diff", "HEAD~1", "HEAD", "--format", "json"]
        validate = [command, "validate", "--catalog", str(catalog)]
        subprocess.run(diff, cwd=repo, check=True, capture_output=True, env=env)
        took_diff, took_validate = medians(["sh", "-c", f"cd {repo} && {' '.join(diff)}"], validate, runs, env)
    what = f"{label:<24} {changed:3d} types edited  diff {took_diff:5.2f} s  validate {took_validate:5.2f} s"
    return report(what, took_diff / took_validate, BUDGET, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = [measure(label(0), 0, args.runs), measure(label(twenty_times()), twenty_times(), args.runs)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
