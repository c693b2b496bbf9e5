"""What `check --aws` costs beyond `check FILE` on the same role: the live read's own cost.

A moto server process on 127.0.0.1 holds the role that `iam-catalog stack` writes for every type
and both services, deployed with CloudFormation, plus a grant
beyond the catalog. `check --aws` reads it through the IAM API; `check FILE` reads the same role
from the file `aws iam get-account-authorization-details` would give, taken from the same
server. Both run alternately; the ratio of their medians is the live read's price: boto3's
import, its credential chain and some twenty HTTP calls to a server in this process, against
one file. Budget: 3.5 (measured on 2026-12-06: 2.99, median of 3; 0.92 s against 0.31 s).

    python bench/check_live_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import medians, report

BUDGET = 3.5
ROLE = "teleport-bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    command = str(Path(sys.executable).parent / "iam-catalog")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": tmp,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        }
        os.environ.update(env)
        listed = subprocess.run([command, "list-types", "--format", "json"], check=True, capture_output=True, text=True)
        types = ",".join(t["id"] for t in json.loads(listed.stdout))
        request = ["--types", types, "--service", "database,discovery", "--assumes-roles", "bench-user"]
        stack = subprocess.run(
            [command, "stack", *request, "--role-name", ROLE], capture_output=True, text=True, env=env
        )
        if stack.returncode:
            print(stack.stderr, end="")
            return 1
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(StackName="bench", TemplateBody=stack.stdout, Capabilities=["CAPABILITY_NAMED_IAM"])
        iam = boto3.client("iam")
        beyond = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}
        iam.put_role_policy(RoleName=ROLE, PolicyName="beyond", PolicyDocument=json.dumps(beyond))
        details = iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy", "AWSManagedPolicy"])
        path = Path(tmp) / "details.json"
        path.write_text(json.dumps(details, default=str))
        common = [*request, "--role-name", ROLE, "--fail-on", "any", "--format", "json"]
        live = [command, "check", "--aws", *common]
        offline = [command, "check", str(path), *common, "--account", "123456789012", "--role", ROLE]
        found = [json.loads(subprocess.run(c, capture_output=True, text=True, env=env).stdout) for c in (live, offline)]
        assert found[0]["beyond"] and found[0]["beyond"] == found[1]["beyond"], "both read the same role"
        took_live, took_file = medians(
            ["sh", "-c", " ".join(live) + " > /dev/null || true"],
            ["sh", "-c", " ".join(offline) + " > /dev/null || true"],
            args.runs,
            env,
        )
    server.stop()
    what = f"check --aws of a deployed stack  live {took_live:5.2f} s  file {took_file:5.2f} s"
    return 0 if report(what, took_live / took_file, BUDGET, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
