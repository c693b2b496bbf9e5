"""How long `iam-catalog check` takes on a role with 20 policies, against `validate`.

The role is what an operator who followed the reference for every type holds: print-iam's
policy for all types and both services, optional policies included, spread over 20 managed
policies, with a few grants the catalog does not make (so the report has a part beyond), and
checked against every type and both services. Both commands run alternately; the budget for the
ratio of their medians is 2.5.

    python bench/check_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import medians, report

BUDGET = 2.5
POLICIES = 20
EXTRA = [  # what a hand-written role often holds beyond the reference
    {"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::teleport-*/*"},
]


def role(folder: Path, command: str, types: str, services: str) -> list[str]:
    printed = subprocess.run(
        [command, "print-iam", "--types", types, "--service", services, "--optional", "--account", "123456789012"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    statements = [*json.loads(printed)["Statement"], *EXTRA]
    files = []
    for i in range(POLICIES):
        path = folder / f"policy-{i:02d}.json"
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements[i::POLICIES] or [EXTRA[0]]}))
        files.append(str(path))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    command = str(Path(sys.executable).parent / "iam-catalog")
    listed = subprocess.run([command, "list-types", "--format", "json"], check=True, capture_output=True, text=True)
    types = ",".join(t["id"] for t in json.loads(listed.stdout))
    services = ",".join(dict.fromkeys(s for t in json.loads(listed.stdout) for s in t["services"]))
    with tempfile.TemporaryDirectory() as tmp:
        files = role(Path(tmp), command, types, services)
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        check = [command, "check", *files, "--types", types, "--service", services, "--optional"]
        check += ["--account", "123456789012", "--fail-on", "any", "--format", "json"]
        found = json.loads(subprocess.run(check, capture_output=True, text=True, env=env).stdout)
        assert not found["missing"] and found["beyond"], "the role holds the catalog's policy and more"
        took_check, took_validate = medians(
            ["sh", "-c", " ".join(check) + " > /dev/null || true"], [command, "validate"], args.runs, env
        )
    what = f"check of a role with {POLICIES} policies ({len(found['beyond'])} requests beyond)"
    what += f"  check {took_check:5.2f} s  validate {took_validate:5.2f} s"
    return 0 if report(what, took_check / took_validate, BUDGET, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
