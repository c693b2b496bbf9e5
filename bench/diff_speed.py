"""How long `iam-catalog diff` takes between two git revisions, against `validate` of one catalog.

A reviewer's CI runs both on every pull request. The repository holds the catalog at two
commits: the second edits a tenth of the types as a pull request would (an action added, a
resource widened to `*`, a condition's value changed). Both commands run alternately, and the
medians are compared; the budget is 2.5, for the real catalog and for one 20 times larger, each
as it is and with two to four conditions of mixed operator families on every statement.

    python bench/diff_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
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


# Conditions of every kind a catalog maintainer writes, all on AWS's global keys.
CONDITIONS = [
    ("StringEquals", "aws:RequestedRegion", '["us-east-1", "eu-west-1"]'),
    ("IpAddress", "aws:SourceIp", '["10.0.0.0/8", "192.168.0.0/16"]'),
    ("DateLessThan", "aws:CurrentTime", '"2030-01-01T00:00:00Z"'),
    ("NumericLessThan", "aws:MultiFactorAuthAge", '"3600"'),
    ("BoolIfExists", "aws:SecureTransport", '"true"'),
    ("StringLike", "aws:PrincipalTag/team", '"db-*"'),
    ("ForAllValues:StringEquals", "aws:TagKeys", '["team", "env"]'),
]


def with_conditions(catalog: Path) -> None:
    """Give every statement that has none two to four conditions of mixed families."""
    count = 0
    for path in sorted(catalog.glob("*.yaml")):
        lines = path.read_text().splitlines()
        out: list[str] = []
        for i, line in enumerate(lines):
            match = re.match(r"( *)(- )?actions:", line)
            following = lines[i + 1 : i + 6]
            if not match or any(re.match(r" *conditions:", f) for f in following):
                out.append(line)
                continue
            indent = len(match.group(1)) + (2 if match.group(2) else 0)
            picked = [CONDITIONS[(count + 3 * j) % len(CONDITIONS)] for j in range(2 + count % 3)]
            count += 1
            out.append(" " * len(match.group(1)) + (match.group(2) or "") + "conditions:")
            for operator, key, values in picked:
                out += [" " * (indent + 2) + f"{operator}:", " " * (indent + 4) + f"{key}: {values}"]
            out.append(" " * indent + line[indent:])
        path.write_text("\n".join(out) + "\n")


def edit(catalog: Path) -> int:
    """Change every tenth type the way pull requests do; return how many were changed."""
    files = sorted(p for p in catalog.glob("*.yaml") if not p.name.startswith("_"))[::10]
    for path in files:
        text = path.read_text()
        if '"3600"' in text:
            path.write_text(text.replace('"3600"', '"7200"', 1))
            continue
        if "actions: sts:AssumeRole" in text:
            text = text.replace("actions: sts:AssumeRole", "actions: [sts:AssumeRole, sts:TagSession]", 1)
        else:
            text = text.replace('resources: "arn:', 'resources: "*"\n        # was: "arn:', 1)
        path.write_text(text)
    return len(files)


def measure(label: str, extra_types: int, runs: int, conditions: bool) -> bool:
    command = str(Path(sys.executable).parent / "iam-catalog")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        catalog = write_catalog(repo / "catalog", extra_types)
        if conditions:
            with_conditions(catalog)
            label += ", conditions"
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", ".")
        _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@invalid", "commit", "-q", "-m", "base")
        changed = edit(catalog)
        _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@invalid", "commit", "-q", "-am", "edit")
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        diff = [command, "diff", "HEAD~1", "HEAD", "--format", "json"]
        validate = [command, "validate", "--catalog", str(catalog)]
        subprocess.run(validate, check=True, capture_output=True, env=env)  # a valid catalog, or no figure
        subprocess.run(diff, cwd=repo, check=True, capture_output=True, env=env)
        took_diff, took_validate = medians(["sh", "-c", f"cd {repo} && {' '.join(diff)}"], validate, runs, env)
    what = f"{label:<36} {changed:3d} types edited  diff {took_diff:5.2f} s  validate {took_validate:5.2f} s"
    return report(what, took_diff / took_validate, BUDGET, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = [
        measure(label(extra), extra, args.runs, conditions)
        for conditions in (False, True)
        for extra in (0, twenty_times())
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
