"""`stack` deploys, and `check --aws` reads the role where it runs, against a real API server.

A moto server process on 127.0.0.1 (`moto[server,cloudformation]`, started once for the
session) is CloudFormation and IAM: every generated template is deployed with `create_stack`,
the role is read back, and `check --aws` talks to the same server through boto3, its standard
credential chain and `AWS_ENDPOINT_URL`, as it would to AWS. The faults that moto cannot make
(expired credentials, access denied, throttling) come from a second small server on 127.0.0.1
that answers every IAM call with that error, so they too go through botocore for real.

moto's limits, worked around here: its `AWS::IAM::Role` ignores `ManagedPolicyArns` and stores
inline `Policies` as Python text, so the stacks attach with `AWS::IAM::ManagedPolicy` and
`AWS::IAM::Policy` (which it stores as AWS does); its `ListRolePolicies` never paginates, so
paging is shown on `ListAttachedRolePolicies` with a page size of two; it does not check that a
trust policy's principal exists, which AWS does (hence the stacks' `DependsOn`, read here).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from iam_catalog.deployed import live

from .clirun import run
from .conftest import loopback

ACCOUNT = "123456789012"  # moto's
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000001", "AWS_SECRET_ACCESS_KEY": "secret-that-must-not-show"}

# Stack requests, each deployed: the issue's own, every type of both services with their optional
# policies and 60 database users (past one managed policy's quota: split), inline policies with a trusted principal, and
# an EKS service account with an external ID, scopes and no --account (the deployment fills it).
STACKS = {
    "newcomer": "--types rds,dynamodb --role-name teleport-db --assumes-roles teleport-db-user --account 123456789012",
    "everything": "--types ALL --service database,discovery --optional --role-name teleport-all"
    " --assumes-roles user-a,user-b" + "".join(f" --scope DbUserName=teleport-user-{i}" for i in range(60)),
    "inline": "--types redshift,rds-proxy --role-name teleport-inline --policy inline --assumes-roles rs-user"
    " --trust principal"
    " --trusted-principal arn:aws:iam::123456789012:role/teleport-host --region eu-west-1",
    "eks": "--types rds,dynamodb --role-name eks/teleport-db --trust eks --oidc-provider"
    " oidc.eks.us-east-1.amazonaws.com/id/ABC123 --namespace tele --service-account db --external-id s3cr3t-id"
    " --assumes-roles ddb-user --scope DbUserName=alice",
    "ecs": "--types dynamodb,keyspaces --role-name teleport-ecs --trust ecs --assumes-roles ddb-user",
}
STACK_ONLY = ("--role-name", "--trust", "--trusted-principal", "--oidc-provider", "--namespace", "--service-account")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A clean account behind the moto server, and the environment boto3 reads."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).close()
    for name, value in {**KEYS, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": moto_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))
    return moto_url


def _all_types() -> str:
    code, out, _ = run("list-types", "--format", "json")
    assert code == 0
    return ",".join(t["id"] for t in json.loads(out))


def _type_values() -> list[str]:
    """A valid value for each variable of a type that no option sets (a KMS key, say): the
    simplest string its own pattern accepts."""
    from hypothesis import find
    from hypothesis import strategies as st
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    compiled = compile_catalog(load_directory(Path(bundled_dir())).require())
    variables = {n: v for t in compiled["types"] for n, v in t["variables"].items() if "option" not in v}
    return [
        f"--var={name}={find(st.from_regex(v['pattern'], fullmatch=True), lambda _: True)}"
        for name, v in sorted(variables.items())
        if v["example"] and "pattern" in v
    ]


def _stack_args(name: str) -> list[str]:
    args = shlex.split(STACKS[name].replace("ALL", _all_types()))
    return [*args, *_type_values()] if name == "everything" else args


def _print_iam_args(stack_args: list[str]) -> list[str]:
    """print-iam's request for a stack's: the role by --role, the deployment's values given."""
    args, i = [], 0
    while i < len(stack_args):
        option = stack_args[i]
        if option in ("--policy", "--external-id", *STACK_ONLY):
            if option == "--role-name":
                args += ["--role", stack_args[i + 1]]
            i += 2
            continue
        args.append(option)
        i += 1
    given = set(args)
    args += [] if "--account" in given else ["--account", ACCOUNT]
    args += [] if "--region" in given else ["--region", "us-east-1"]
    return [*args, "--partition", "aws"]


def _deploy(name: str, template: str) -> None:
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"])
    (found,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert found["StackStatus"] == "CREATE_COMPLETE", found.get("StackStatusReason")


def _role_statements(role: str) -> list[dict[str, Any]]:
    """Every statement the role's policies hold, inline then attached, as IAM returns them."""
    iam = boto3.client("iam")
    out = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        out += iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]
    for item in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=item["PolicyArn"], VersionId=policy["DefaultVersionId"])
        out += version["PolicyVersion"]["Document"]["Statement"]
    return out


def _check_args(stack_args: list[str]) -> list[str]:
    """check --aws's request for a stack's: the same types, services, choices and values."""
    args = [a for a in _print_iam_args(stack_args)]
    i = args.index("--role")
    args[i : i + 2] = []
    role = stack_args[stack_args.index("--role-name") + 1].rpartition("/")[2]
    extra = (
        ["--external-id", stack_args[stack_args.index("--external-id") + 1]] if "--external-id" in stack_args else []
    )
    return ["check", "--aws", "--role-name", role, *args, *extra]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STACKS))
def test_a_deployed_stack_is_exactly_the_catalog_and_check_aws_says_so(name: str, aws: str) -> None:
    stack_args = _stack_args(name)
    code, template, err = run("stack", *stack_args)
    assert code == 0, err
    _deploy(name, template)
    role = stack_args[stack_args.index("--role-name") + 1].rpartition("/")[2]
    code, printed, err = run("print-iam", *_print_iam_args(stack_args), "--split")
    assert code == 0, err
    expected = [st for doc in json.loads(printed)["Policies"] for st in doc["Statement"]]
    assert _role_statements(role) == expected
    if name == "everything":
        assert len(json.loads(printed)["Policies"]) > 1, "the largest request no longer splits"
    code, report, err = run(*_check_args(stack_args))
    assert (code, err) == (0, ""), report
    assert "Missing: nothing" in report and "Beyond: nothing" in report
    assert "Database-user roles" not in report


def test_the_newcomer_sees_the_statement_someone_removed(aws: str) -> None:
    stack_args = _stack_args("newcomer")
    _deploy("newcomer", run("stack", *stack_args)[1])
    iam = boto3.client("iam")
    (attached,) = iam.list_attached_role_policies(RoleName="teleport-db")["AttachedPolicies"]
    arn = attached["PolicyArn"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    removed = doc["Statement"].pop(0)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True)
    code, report, _ = run(*_check_args(stack_args))
    assert code == 1
    missing = report.split("Missing:", 1)[1].split("Beyond:", 1)[0]
    assert f"- {removed['Sid']} " in missing
    assert f"denied: {removed['Action']}" in missing
    assert "Beyond: nothing" in report


def test_an_inline_statement_removed_is_missing_and_a_broad_one_is_beyond(aws: str) -> None:
    stack_args = _stack_args("inline")
    _deploy("inline", run("stack", *stack_args)[1])
    iam = boto3.client("iam")
    (name,) = iam.list_role_policies(RoleName="teleport-inline")["PolicyNames"]
    doc = iam.get_role_policy(RoleName="teleport-inline", PolicyName=name)["PolicyDocument"]
    removed = doc["Statement"].pop()
    iam.put_role_policy(RoleName="teleport-inline", PolicyName=name, PolicyDocument=json.dumps(doc))
    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="teleport-inline", PolicyName="broad", PolicyDocument=json.dumps(broad))
    args = _check_args(stack_args)
    code, report, _ = run(*args)
    assert code == 1
    assert f"- {removed['Sid']} " in report.split("Beyond:", 1)[0]
    beyond = report.split("Beyond:", 1)[1]
    assert "Write:" in beyond and "rds:" in beyond and "(allowed by broad:" in beyond
    assert run(*args, "--fail-on", "beyond")[0] == 1


def test_every_page_of_attached_policies_is_read(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_args = _stack_args("newcomer")
    _, printed, _ = run("print-iam", *_print_iam_args(stack_args))
    statements = json.loads(printed)["Statement"]
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="teleport-db", AssumeRolePolicyDocument=json.dumps(trust))
    for i, st in enumerate(statements):  # one statement a policy, more policies than a page
        doc = {"Version": "2012-10-17", "Statement": [st]}
        arn = iam.create_policy(PolicyName=f"part-{i}", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="teleport-db", PolicyArn=arn)
    assert len(statements) > 2
    monkeypatch.setattr(live, "PAGE_SIZE", 2)
    _, report, _ = run(*_check_args(stack_args)[:-2])  # no --assumes-roles: no such role here
    assert "Missing: nothing" in report, report
    assert f"0 inline and {len(statements)} managed policies" in report


def test_a_database_user_role_that_does_not_trust_the_service_is_reported(aws: str) -> None:
    stack_args = _stack_args("eks")
    _deploy("eks", run("stack", *stack_args)[1])
    args = _check_args(stack_args)
    assert run(*args)[0] == 0
    code, report, _ = run(*args[:-2])  # the role asks for an external ID the check does not give
    assert code == 1
    assert "- ddb-user: its trust policy does not let the service's role assume it" in report
    assert '"sts:ExternalId": null' in report
    code, report, _ = run(*args[:-2], "--assumes-roles", "ddb-user,nobody")
    assert "- nobody: no such role" in report


def test_check_aws_reads_the_database_user_roles_from_the_role_itself(aws: str) -> None:
    """Without --assumes-roles, `check --aws` finds the database-user roles in what the stack's
    role holds, reads their trusts too, and is clean; a user role deleted is named."""
    stack_args = _stack_args("newcomer")
    _deploy("newcomer", run("stack", *stack_args)[1])
    args = _check_args(stack_args)
    i = args.index("--assumes-roles")
    without = args[:i] + args[i + 2 :]
    code, report, err = run(*without)
    assert code == 0, report + err
    assert "note: the database-user roles it names: teleport-db-user (--assumes-roles checks others)" in report
    boto3.client("iam").delete_role(RoleName="teleport-db-user")
    code, report, _ = run(*without)
    assert code == 1 and "- teleport-db-user: no such role" in report


def test_an_ecs_task_role_trusts_only_the_tasks_of_its_own_account_and_region(aws: str) -> None:
    """`--trust ecs`, deployed with no --account: the role IAM holds trusts ECS tasks, and the
    deployment filled the account and region the conditions hold them to. The verdicts come
    from the engine: moto does not evaluate trust policies."""
    from iam_catalog.iam.access import Request, Side, evaluate
    from iam_catalog.iam.access.principals import Principal

    stack_args = _stack_args("ecs")
    _deploy("ecs", run("stack", *stack_args)[1])
    trust = boto3.client("iam").get_role(RoleName="teleport-ecs")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:*"},
    }
    tasks = Principal("Service", "ecs-tasks.amazonaws.com", None)
    side = Side.of(trust)

    def allowed(account: str, region: str) -> bool:
        arn = f"arn:aws:ecs:{region}:{account}:task/cluster/0123"
        context = (("aws:SourceAccount", tuple(account)), ("aws:SourceArn", tuple(arn)))
        return evaluate(side.identity, Request(tasks, "sts:AssumeRole", None, context)).allowed

    assert allowed(ACCOUNT, "us-east-1")
    assert not allowed("210987654321", "us-east-1")
    assert not allowed(ACCOUNT, "eu-west-1")
    ec2 = Principal("Service", "ec2.amazonaws.com", None)
    context = (("aws:SourceAccount", tuple(ACCOUNT)),)
    assert not evaluate(side.identity, Request(ec2, "sts:AssumeRole", None, context)).allowed


# --- faults: one line, exit 2, within a minute, no credential in it ---------------------------


class _Faulty(http.server.BaseHTTPRequestHandler):
    code = "ExpiredToken"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (
            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
            f"<Code>{self.code}</Code><Message>refused on purpose</Message></Error><RequestId>1</RequestId>"
            "</ErrorResponse>"
        ).encode()
        self.send_response(400 if "Throttl" in self.code else 403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def faulty(code: str) -> contextlib.AbstractContextManager[str]:
    """A server on 127.0.0.1 that answers every IAM call with the error `code`."""
    return loopback(type("Handler", (_Faulty,), {"code": code}))


def _one_line_fault(*argv: str) -> str:
    start = time.monotonic()
    code, out, err = run("check", "--aws", "--types", "rds", *argv)
    assert time.monotonic() - start < 60
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("iam-catalog: error: "), err
    assert not any(secret in err for secret in KEYS.values())
    return err


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("ExpiredToken", "iam:GetRole: the AWS credentials have expired"),
        (
            "AccessDenied",
            "iam:GetRole: access denied to the credentials that run the check: grant them what"
            " iam-catalog check --aws --print-read-policy prints",
        ),
        ("Throttling", "iam:GetRole: AWS throttled the request 4 times (Throttling): try again later"),
        ("InvalidClientTokenId", "AWS does not accept these credentials"),
    ],
)
def test_a_fault_of_aws_is_one_line(fault: str, said: str, aws: str) -> None:
    with faulty(fault) as url:
        assert said in _one_line_fault("--role-name", "teleport-db", "--endpoint-url", url)


def test_no_role_no_endpoint_no_credentials_no_profile_are_one_line(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no role named 'nobody' in this account" in _one_line_fault("--role-name", "nobody")
    closed = f"http://127.0.0.1:{_free_port()}"
    assert "cannot reach the IAM endpoint" in _one_line_fault("--role-name", "r", "--endpoint-url", closed)
    assert "no AWS profile named 'nosuch'" in _one_line_fault("--role-name", "r", "--profile", "nosuch")
    for name in KEYS:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert "no AWS credentials found" in _one_line_fault("--role-name", "r")


def test_without_boto3_check_aws_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['boto3'] = None; from iam_catalog.cli import main; "
        "sys.argv = ['iam-catalog', 'check', '--aws', '--role-name', 'r', '--types', 'rds']; sys.exit(main())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "iam-catalog: error: check --aws needs boto3: pip install 'iam-catalog[aws]'\n"


def test_the_read_policy_is_read_level_iam_only_and_names_the_roles() -> None:
    from iam_catalog.aws import facts

    code, out, err = run(
        "check",
        "--aws",
        "--print-read-policy",
        "--role-name",
        "teleport-db",
        "--assumes-roles",
        "u1,arn:aws:iam::123456789012:role/p/u2",
        "--account",
        ACCOUNT,
    )
    assert (code, err) == (0, "")
    doc = json.loads(out)
    actions = [
        a for st in doc["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    ]
    assert actions and all(a.startswith("iam:") for a in actions)
    assert {facts.access_level(a) for a in actions} <= {"Read", "List"}
    resources = [
        r for st in doc["Statement"] for r in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])
    ]
    assert {f"arn:aws:iam::{ACCOUNT}:role/{n}" for n in ("teleport-db", "u1", "p/u2")} <= set(resources)
