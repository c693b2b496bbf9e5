"""iam-catalog print-iam as scripts and people use it, the command Teleport users know: one merged
policy on stdout, in JSON, Terraform or CloudFormation, split to AWS's quotas, every bad value one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.model import DbType
from iam_catalog.checks.loader import load_directory
from iam_catalog.iam.merge import grants
from parliament import analyze_policy_string

from .clirun import run
from .synthetic import write_catalog

CATALOG = load_directory(Path(bundled_dir())).require()
ALL = ",".join(t.id for t in CATALOG.types)
FILLED = [
    "--account", "123456789012", "--region", "us-west-2", "--assumes-roles", "db-user",
    "--var", "KmsKeyId=1234abcd-12ab-34cd-56ef-1234567890ab", "--var", "WorkgroupId=wg",
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("own_cache")  # a compiled-catalog cache of each test's own


def test_a_policy_with_a_placeholder_left_is_refused_unless_asked_for() -> None:
    """No `${...}` reaches AWS silently: print-iam refuses a policy that still holds one, naming
    each with the option that sets it, as `stack` refuses one; `--placeholders` prints it."""
    argv = ("print-iam", "--types", "redshift", "--assumes-roles", "db-user")
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    said = "the policy still holds ${Account} (--account): give them, or --placeholders to print it so"
    assert err == f"iam-catalog: error: {said}\n"
    code, out, _ = run(*argv, "--account", "123456789012")
    assert code == 0 and "${" not in out
    for fmt in ("json", "terraform", "cloudformation"):
        code, out, err = run(*argv, "--placeholders", "--format", fmt)
        assert code == 0 and "{Account}" in out and "set it with --account" in err, fmt


def test_print_iam_stdout_is_only_the_policy() -> None:
    code, out, err = run(
        "print-iam",
        "--types",
        "rds,redshift",
        "--role",
        "teleport-db-service-role",
        "--assumes-roles",
        "db-user",
        "--placeholders",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["Version"] == "2012-10-17"
    assert "${Account}" in out and "set it with --account" in err


def _user_role_variable() -> str:
    (name,) = {n for t in CATALOG.types for n, v in CATALOG.variables(t).items() if v.option == "assumes-roles"}
    return name


@pytest.mark.parametrize("db_type", [t.id for t in CATALOG.types if t.database_user])
def test_without_assumes_roles_nothing_is_granted_on_the_database_user_roles(db_type: str) -> None:
    """As Teleport's own print-iam: no statement on a database-user role that nobody named, so no
    placeholder of it reaches a policy (or AWS); a note says how to add them, and a type whose
    every statement is on those roles is refused with the option to give."""
    placeholder = "${" + _user_role_variable() + "}"
    code, out, err = run("print-iam", "--types", db_type, "--account", "123456789012")
    if code == 0:
        assert placeholder not in out
        assert f"what is granted on {placeholder} is left out until --assumes-roles names those roles" in err
    else:
        assert code == 2 and out == ""
        said = f"{db_type}: every statement is on the database-user roles: give --assumes-roles"
        assert err == f"iam-catalog: error: {said}\n"
    code, named, err = run("print-iam", "--types", db_type, "--account", "123456789012", "--assumes-roles", "db-user")
    assert code == 0, err
    assert placeholder not in named and ":role/db-user" in named and "left out until" not in err


def test_teleport_spellings_are_accepted() -> None:
    spellings = "rds,rdsproxy,redshift,redshift-serverless,elasticache,memorydb,keyspace,dynamodb,opensearch,docdb"
    code, out, _ = run("print-iam", "--types", spellings, "--account", "123456789012", "--assumes-roles", "u")
    assert code == 0
    sids = {s.get("Sid") for s in json.loads(out)["Statement"]}
    # The types' database-user roles are the same roles, so the first type's statement grants them for all.
    assert {"RDSConnect", "RDSProxyFetchMetadata", "DocumentDBConnectAsIAMRole", "OpenSearchCheckDomainURL"} <= sids


def test_shared_grants_appear_once() -> None:
    _, out, _ = run("print-iam", "--types", "rds,rds-proxy", "--account", "123456789012")
    connects = [g for s in json.loads(out)["Statement"] for g in grants(s) if g[1] == "rds-db:connect"]
    assert len(connects) == 1


def test_filled_all_types_policy_passes_parliament() -> None:
    code, out, err = run("print-iam", "--types", ALL, "--optional", *FILLED)
    assert code == 0
    assert "placeholder" not in err
    issues = {f.issue for f in analyze_policy_string(out).findings}
    assert issues <= {"RESOURCE_STAR"}


@pytest.mark.parametrize("db_type", CATALOG.types, ids=lambda t: t.id)
def test_each_type_passes_parliament(db_type: DbType) -> None:
    own = [arg for v in db_type.variables if not v.option for arg in ("--var", f"{v.name}={v.default}")]
    argv = ["--types", db_type.id, "--optional", "--account", "123456789012", "--region", "us-west-2", *own]
    code, out, err = run("print-iam", *argv, "--assumes-roles", "db-user")
    assert code == 0, err
    assert "placeholder" not in err
    assert {f.issue for f in analyze_policy_string(out).findings} <= {"RESOURCE_STAR"}


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_partitions_reach_every_arn(partition: str) -> None:
    _, out, _ = run("print-iam", "--types", ALL, "--partition", partition, *FILLED)
    arns = [r for s in json.loads(out)["Statement"] for _, _, r, _ in grants(s) if r.startswith("arn:")]
    assert arns and all(a.startswith(f"arn:{partition}:") for a in arns)


def test_role_arn_gives_partition_and_account() -> None:
    argv = ("--types", "documentdb", "--role", "arn:aws-cn:iam::210987654321:role/svc", "--assumes-roles", "u")
    _, out, _ = run("print-iam", *argv)
    assert "arn:aws-cn:iam::210987654321:role/u" in out


def test_assumes_roles_lists_every_role() -> None:
    _, out, _ = run("print-iam", "--types", "documentdb", "--account", "123456789012", "--assumes-roles", "a,b")
    statement = json.loads(out)["Statement"][0]
    assert statement["Resource"] == ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"]


def test_optional_policies_only_on_request() -> None:
    _, out, err = run("print-iam", "--types", "elasticache-managed-users", "--account", "123456789012")
    assert "kms:Decrypt" not in out and "elasticache-managed-users/kms" in err
    argv = ("--types", "elasticache-managed-users", "--account", "123456789012", "--optional", "--placeholders")
    _, out, _ = run("print-iam", *argv)  # its KMS key is yours to name (--var KmsKeyId=...)
    assert "kms:Decrypt" in out


def _statements_from_terraform(text: str) -> list[dict[str, Any]]:
    data = hcl2.loads(text)
    # python-hcl2 keeps the quotes of labels and strings.
    block = data["data"][0]['"aws_iam_policy_document"']
    (body,) = block.values()

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip('"').replace("$${", "${")
        return [plain(v) for v in value]

    return [
        {
            "Sid": plain(st["sid"]),
            "Effect": plain(st["effect"]),
            "Action": plain(st["actions"]),
            "Resource": plain(st["resources"]),
        }
        for st in body["statement"]
    ]


def _normal(statements: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s.get("Sid"), s["Effect"], tuple(sorted(g[1:3] for g in grants(s)))) for s in statements]


def test_terraform_output_parses_and_matches() -> None:
    _, json_out, _ = run("print-iam", "--types", ALL, "--account", "123456789012", "--optional", "--placeholders")
    code, tf_out, _ = run(
        "print-iam",
        "--types",
        ALL,
        "--account",
        "123456789012",
        "--optional",
        "--placeholders",
        "--format",
        "terraform",
    )
    assert code == 0
    assert _normal(_statements_from_terraform(tf_out)) == _normal(json.loads(json_out)["Statement"])
    # HCL would interpolate a bare ${Name}: every placeholder left is written $${Name}.
    left = set(re.findall(r"\$\{([A-Za-z][A-Za-z0-9]*)\}", json_out))
    assert left and all(f"$${{{name}}}" in tf_out for name in left), left


def test_cloudformation_output_lints_and_matches(tmp_path: Path) -> None:
    _, json_out, _ = run("print-iam", "--types", ALL, *FILLED)
    code, cfn_out, _ = run("print-iam", "--types", ALL, *FILLED, "--role", "svc", "--format", "cloudformation")
    assert code == 0
    template = tmp_path / "template.json"
    template.write_text(cfn_out)
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    lint = subprocess.run([cfn_lint, str(template)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    (resource,) = json.loads(cfn_out)["Resources"].values()
    assert resource["Type"] == "AWS::IAM::ManagedPolicy"
    assert resource["Properties"]["Roles"] == ["svc"]
    assert resource["Properties"]["PolicyDocument"] == json.loads(json_out)


def test_large_catalog_warns_and_splits_exactly(tmp_path: Path) -> None:
    catalog = str(write_catalog(tmp_path / "catalog", 12))
    types = ALL + "," + ",".join(f"synthetic-{n:03d}" for n in range(12))
    code, out, err = run(
        "print-iam", "--catalog", catalog, "--types", types, "--account", "123456789012", "--placeholders"
    )
    assert code == 0 and "over the managed-policy limit of 6144" in err and "--split" in err
    merged = json.loads(out)
    code, out, err = run(
        "print-iam", "--catalog", catalog, "--types", types, "--account", "123456789012", "--split", "--placeholders"
    )
    parts = json.loads(out)["Policies"]
    assert len(parts) >= 2
    # One shape for scripts whatever the size: a policy that fits is a list of one.
    code, out, _ = run("print-iam", "--types", "rds", "--split")
    assert code == 0 and [json.loads(run("print-iam", "--types", "rds")[1])] == json.loads(out)["Policies"]
    assert all(len(json.dumps(p, separators=(",", ":"))) <= 6144 for p in parts)
    assert [g for p in parts for s in p["Statement"] for g in grants(s)] == [
        g for s in merged["Statement"] for g in grants(s)
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--types", "rds,mongo"], 'unknown database type "mongo"; valid types: documentdb, docdb,'),
        (["--types", "rds", "--account", "12345"], '--account "12345" is not valid: expected 12 digits'),
        (["--types", "rds", "--partition", "aws-mars"], "expected one of aws, aws-cn, aws-us-gov"),
        (["--types", "rds", "--var", "Region"], 'argument --var: "Region" is not NAME=VALUE'),
        (["--types", "rds", "--var", "Nope=1"], '--var "Nope": no such variable for these types'),
        (["--types", "rds", "--role", "a", "--user", "b"], "argument --user: not allowed with argument --role"),
        (["--types", "rds", "--catalog", "/nonexistent"], 'argument --catalog: "/nonexistent": no such folder'),
        (["--types", "rds", "--catalog", "README.md"], 'argument --catalog: "README.md": not a folder'),
        (["--types", "rds", "--without", "aurora-discovery"], "a choice of the Discovery Service's policy; print it"),
        (["--types", "rds", "--role", "arn:aws:iam::123456789012:user/u"], "is not the ARN of an IAM role"),
        (["--types", "rds", "--without", "nope"], '--without "nope": not a choice for these types; choices: '),
        (["--types", "rds", "--without", "session-tags"], '--without "session-tags": not a choice for these types'),
        (["--types", "rds", "--scope", "MemoryDBUser=a"], '--scope "MemoryDBUser": no such scope variable for these'),
        (["--types", "rds", "--scope", "DbUserName=a b"], '--scope DbUserName "a b" is not valid: expected a database'),
        (["--types", "rds", "--scope", "DbUserName"], 'argument --scope: "DbUserName" is not NAME=VALUE'),
        (["--types", "keyspaces", "--without", "assume-role"], "--without leaves out every statement of these types"),
        # A value is shown escaped, on one line: no newline, terminal escape or bidi control gets through.
        (["--types", "rds", "--account", "1\n\x1b[31m\u202e"], '--account "1\\n\\u001b[31m\\u202e" is not valid'),
        (["--types", "rds", "--user", "a b"], '--user "a b" is not valid: expected an IAM user name'),
        (["--types", "rds", "--user", "a\nb"], '--user "a\\nb" is not valid'),
        # Values that no variable's rule admits never reach an output.
        (["--types", "elasticache-managed-users", "--var", "KmsKeyId={{resolve:ssm:k}}"], '{{resolve:ssm:k}}" is not'),
        (["--types", "redshift-serverless", "--var", 'WorkgroupId=a"b'], '--var WorkgroupId "a\\"b" is not valid'),
        (["--types", "elasticache-managed-users", "--var", "SecretPrefix=x}}"], "expected a Secrets Manager"),
    ],
)
def test_bad_input_is_one_clear_line(argv: list[str], message: str) -> None:
    code, out, err = run("print-iam", *argv)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and message in err


def test_split_names_the_values_to_narrow_when_one_statement_cannot_fit() -> None:
    scopes = [f"--scope=DbUserName=user-{n:03d}-{'x' * 60}" for n in range(120)]
    code, out, err = run("print-iam", "--types", "rds", "--split", "--placeholders", *scopes)
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    assert "alone is" in err and "it names 120 resources; give fewer --scope" in err


def test_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "IAM_CATALOG_CACHE": str(tmp_path)}
    command = [str(Path(sys.executable).parent / "iam-catalog"), "print-iam", "--types", "x"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith('iam-catalog: error: unknown database type "x"')
    assert "Traceback" not in result.stderr


def test_cache_follows_catalog_edits(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    write_catalog(catalog, 0)
    _, before, _ = run("print-iam", "--catalog", str(catalog), "--types", "rds")
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("rds:DescribeDBInstances", "rds:DescribeDBSnapshots"))
    _, after, _ = run("print-iam", "--catalog", str(catalog), "--types", "rds")
    assert "DescribeDBInstances" in before and "DescribeDBSnapshots" in after


def test_types_in_any_case_and_a_near_name_is_suggested() -> None:
    """`--types RDS` is rds, as Teleport's docs write it; a misspelt type, service, choice or scope
    variable gets the nearest name (within two edits) in its one-line error."""
    assert run("print-iam", "--types", "RDS,DocDB", "--account", "123456789012") == run(
        "print-iam", "--types", "rds,documentdb", "--account", "123456789012"
    )
    for argv, said in (
        (["--types", "redshfit"], 'unknown database type "redshfit" (did you mean redshift?); valid types: '),
        (["--types", "rds", "--service", "databse"], 'unknown service "databse" (did you mean database?)'),
        (["--types", "rds", "--without", "fetch-metadat"], "(did you mean fetch-metadata?); choices: "),
        (["--types", "rds", "--scope", "dbusername=alice"], "(did you mean DbUserName?); known: "),
        (["--types", "mongo"], 'unknown database type "mongo"; valid types: '),
    ):
        code, out, err = run("print-iam", *argv)
        assert (code, out) == (2, "") and err.count("\n") == 1 and said in err, (argv, err)
