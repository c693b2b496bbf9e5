"""iam-catalog explain: the catalog statements behind an AccessDenied, from every form a denial
comes in (AWS's error text, decode-authorization-message, CloudTrail records of any size),
read in bounded time and memory whatever a log holds, and, with `--policy`, what in the
operator's own role decides each request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.checks.loader import load_directory
from iam_catalog.deployed import reader
from iam_catalog.deployed.explain import parse
from iam_catalog.deployed.reader import InputError

from .budget import examples, sample
from .clirun import run
from .jsonvalues import JSON
from .roles import GUARD_ACCOUNT, bounded

CASES = Path(__file__).parent / "cases"
CATALOG = load_directory(Path(bundled_dir())).require()


def test_explain_reads_every_form_aws_writes_a_denial_in() -> None:
    log = (CASES / "explain" / "denied.log").read_text()
    asked = parse(log)
    assert [(a.action, a.resource) for a in asked] == [
        ("rds:DescribeDBInstances", "arn:aws:rds:us-east-1:123456789012:db:orders"),
        ("rds:ModifyDBInstance", "arn:aws:rds:us-east-1:123456789012:db:orders"),
        ("s3:GetObject", "arn:aws:s3:::backups/orders.sql"),
    ]  # the repeated denial once
    assert asked[1].why == "with an explicit deny in a service control policy"
    decoded = parse((CASES / "explain" / "decode-authorization-message.json").read_text())
    assert [(a.action, a.principal) for a in decoded] == [
        ("redshift:GetClusterCredentials", "arn:aws:sts::123456789012:assumed-role/teleport-db/i-0abc123")
    ]
    trail = parse((CASES / "explain" / "cloudtrail.json").read_text())
    assert [a.action for a in trail] == ["elasticache:DescribeReplicationGroups"]  # the allowed call is no denial


def test_explain_names_the_statements_and_the_choice_that_left_them_out() -> None:
    code, out, _ = run("explain", str(CASES / "explain" / "denied.log"), "--format", "json")
    assert code == 1  # s3:GetObject: no catalog statement grants it
    found = {r["asked"]["action"]: r for r in json.loads(out)["requests"]}
    rds = found["rds:DescribeDBInstances"]
    assert rds["access_level"] == "List"
    sids = {g["sid"]: g for g in rds["grants"]}
    for grant in sids.values():
        db_type = CATALOG.find(grant["type"])
        assert db_type is not None
        statement = next(st for p in db_type.own_policies() for st in p.statements if st.sid == grant["sid"])
        assert statement.purpose == grant["purpose"]
        assert any(a.lower() == "rds:describedbinstances" or a.endswith("*") for a in statement.actions)
        dropping = {c for c, actions in statement.omit_actions if "rds:DescribeDBInstances" in actions}
        assert {c["id"] for c in grant["choices"]} == set(statement.omit_when) | dropping
        assert grant["command"].startswith(f"iam-catalog print-iam --types {grant['type']}")
    assert found["s3:GetObject"]["grants"] == []
    code, out, _ = run("explain", "--action", "rds:DescribeDBInstance")
    assert code == 1 and "did you mean rds:DescribeDBInstances?" in out


def test_explain_bad_input_is_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "log.txt"
    empty.write_text("nothing denied here\n")
    assert run("explain", str(empty))[0] == 2
    assert run("explain", "--resource", "arn:aws:s3:::b")[2] == "iam-catalog: error: --resource needs --action\n"


@pytest.mark.parametrize(
    ("resource", "granted"),
    [
        ("arn:aws:iam::123456789012:role/documentdb-user-role", True),
        ("arn:aws-us-gov:iam::123456789012:role/team/documentdb-user-role", True),
        ("arn:aws:iam::1234:role/documentdb-user-role", False),  # no account ID has 4 digits
        ("arn:aws-moon:iam::123456789012:role/documentdb-user-role", False),  # no such partition
        ("arn:aws:iam::123456789012:user/documentdb-user-role", False),
        ("arn:aws:iam::123456789012:role/*", True),  # a pattern asked for: a role's may cover it
    ],
)
def test_explain_grants_a_resource_only_for_values_print_iam_would_take(resource: str, granted: bool) -> None:
    """A placeholder stands for a value that its variable's pattern or choices allow, as
    print-iam checks it: `${Account}` is twelve digits, `${Partition}` one of AWS's."""
    code, out, _ = run("explain", "--action", "sts:AssumeRole", "--resource", resource, "--format", "json")
    (request,) = json.loads(out)["requests"]
    types = {g["type"] for g in request["grants"]}
    assert ("documentdb" in types) is granted, types
    assert code == (0 if request["grants"] else 1)


def _denial(action: str, resource: str) -> str:
    return f"User: arn:aws:sts::{GUARD_ACCOUNT}:assumed-role/teleport/i-1 is not authorized to perform: {action} on resource: {resource}\n"  # noqa: E501


def test_explain_with_the_role_names_the_deny_the_boundary_or_the_allow(tmp_path: Path) -> None:
    """`explain --policy`: for each denial, the operator's own explicit Denies that name it (with
    the conditions they hold under), else its boundary leaving it out, else whether any Allow
    names it; read from a policy file and from get-account-authorization-details with a boundary.
    Each named statement is one the engine says names the request."""
    from iam_catalog.iam.access import naming, statements

    guard = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Teleport", "Effect": "Allow", "Action": ["rds:Describe*", "rds-db:connect"], "Resource": "*"},
            {
                "Sid": "RegionGuard",
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1"]}},
            },
            {
                "Sid": "NoProd",
                "Effect": "Deny",
                "Action": "rds-db:connect",
                "Resource": "arn:aws:rds-db:*:*:dbuser:*/prod-*",
            },
        ],
    }
    policy = tmp_path / "guard.json"
    policy.write_text(json.dumps(guard))
    log = tmp_path / "denied.log"
    cases = {
        ("rds-db:connect", f"arn:aws:rds-db:us-east-1:{GUARD_ACCOUNT}:dbuser:db-ABC/prod-alice"): (
            ["RegionGuard", "NoProd"],
            ["Teleport"],
        ),
        ("rds-db:connect", f"arn:aws:rds-db:us-east-1:{GUARD_ACCOUNT}:dbuser:db-ABC/alice"): (
            ["RegionGuard"],
            ["Teleport"],
        ),
        ("sts:AssumeRole", f"arn:aws:iam::{GUARD_ACCOUNT}:role/teleport-db-user"): ([], []),
    }
    log.write_text("".join(_denial(a, r) for a, r in cases))
    out = run("explain", str(log), "--policy", str(policy), "--format", "json")[1]
    found = {(r["asked"]["action"], r["asked"]["resource"]): r["role"] for r in json.loads(out)["requests"]}
    mine = statements({"Statement": [{**st, "Sid": f"{policy}: {st['Sid']}"} for st in guard["Statement"]]})
    for (action, resource), (denies, allows) in cases.items():
        role = found[(action, resource)]
        assert [m["statement"] for m in role["denied_by"]] == [f"{policy}: {s}" for s in denies]
        assert [m["statement"] for m in role["allowed_by"]] == [f"{policy}: {s}" for s in allows]
        named = {st.name for st in naming(mine, action, resource)}
        assert {m["statement"] for m in role["denied_by"] + role["allowed_by"]} == named
        conditions = {m["statement"]: m["conditions"] for m in role["denied_by"]}
        assert (
            conditions.get(f"{policy}: RegionGuard", guard["Statement"][1]["Condition"])
            == guard["Statement"][1]["Condition"]
        )
    text = run("explain", str(log), "--policy", str(policy))[1]
    assert f"Your role: denied by {policy}: NoProd, an explicit Deny\n" in text
    assert "no Allow lifts an explicit Deny" in text and "Your role: no statement of its policies allows it" in text
    # A boundary, from get-account-authorization-details: what it leaves out is said, by its name.
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    rds_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}
    details = tmp_path / "details.json"
    details.write_text(bounded(allow_all, rds_only, "rds-only"))
    log.write_text(
        _denial("redshift:DescribeClusters", f"arn:aws:redshift:us-east-1:{GUARD_ACCOUNT}:cluster:c1")
        + _denial("rds:DescribeDBInstances", f"arn:aws:rds:us-east-1:{GUARD_ACCOUNT}:db:orders")
    )
    text = run("explain", str(log), "--policy", str(details), "--role-name", "teleport")[1]
    redshift, rds = text.split("\n\n")[:2]
    assert "outside its permissions boundary" in redshift and "allowed by" not in redshift
    assert "Your role: allowed by inline: #1" in rds and "from outside the role's policies" in rds


def test_explain_policy_bad_input_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("explain", "--action", "rds:DescribeDBInstances", "--role-name", "teleport")
    assert code == 2 and err == "iam-catalog: error: --role-name needs --policy\n"
    code, _, err = run("explain", "--policy", "-")
    assert code == 2 and err.endswith("error: stdin can be read once: give the denial or the --policy as a file\n")
    code, _, err = run("explain", "--action", "rds:DescribeDBInstances", "--policy", str(tmp_path / "none.json"))
    assert code == 2 and err.count("\n") == 1 and "none.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [{"Effect": "Allow", "Action": "rds*:Describe*", "Resource": "*"}]}')
    code, _, err = run("explain", "--action", "rds:DescribeDBInstances", "--policy", str(bad))
    assert code == 2 and "IAM refuses a wildcard in the service prefix" in err


def test_cloudtrail_records_of_odd_shapes_are_skipped() -> None:
    denied = {"errorCode": "AccessDenied", "eventSource": "rds.amazonaws.com", "eventName": "DescribeDBInstances"}
    odd = [
        {**denied, "userIdentity": "someone"},
        {**denied, "resources": 7},
        {**denied, "eventName": {"name": "x"}},
        {**denied, "errorMessage": ["x"]},
        {**denied, "eventSource": None},
    ]
    found = parse(json.dumps({"Records": odd}))
    assert [a.action for a in found] == ["rds:DescribeDBInstances"]  # the good ones, read once
    assert parse(json.dumps({"context": {"action": {"x": 1}}})) == []


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(JSON.map(json.dumps), st.text(max_size=200)))
def test_explain_reads_any_text_or_refuses_it_in_one_line(text: str) -> None:
    try:
        parse(text)
    except InputError as exc:
        assert "\n" not in str(exc)


def test_explain_finds_one_denial_in_a_megabyte_line_in_linear_time() -> None:
    import time

    denial = "User: arn:aws:sts::123456789012:assumed-role/r/i is not authorized to perform: rds:DescribeDBInstances"
    hostile = ["User: " * 40_000, "is not authorized to perform: " * 20_000, "User: a" + " " * 200_000]
    for filler in hostile:
        line = filler + denial + " " + filler
        assert len(line) > 200_000
        start = time.process_time()
        found = parse(line)
        assert time.process_time() - start < 2.0, filler[:20]
        assert [a.action for a in found] == ["rds:DescribeDBInstances"], filler[:20]


# A denial, in the parts the reader matches one after the other.
DENIAL_PARTS = [
    "User:",
    " arn:aws:sts::123456789012:assumed-role/teleport/i-1",
    " is not authorized to perform:",
    " rds-db:connect",
    " on resource:",
    " arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABC/alice",
    " because no identity-based policy allows the rds-db:connect action",
    " (Service: Rds, Status Code: 403)",
]


DENIAL = "".join(DENIAL_PARTS)


_PART_STARTS = [sum(map(len, DENIAL_PARTS[:i])) for i in range(len(DENIAL_PARTS))]


def _explained_in_bounded_time(unit: str, whole: bool, tmp_path: Path) -> None:
    """`unit` repeated to half a megabyte on each side, with a whole denial between or not:
    explain answers within CPU seconds in proportion to the size, and finds the denial."""
    import time

    half = 256 * 1024
    filler = (unit * (half // len(unit) + 1))[:half]
    line = filler + (" " + DENIAL + " " if whole else "") + filler
    path = tmp_path / "line.log"
    path.write_text(line)
    begun = time.process_time()
    code, out, err = run("explain", str(path), "--format", "json")
    assert time.process_time() - begun < 3.0 * len(line) / 2**20 + 1.0, (unit, whole)
    assert code in (0, 1, 2) and (code != 2 or err.startswith("iam-catalog: error: ")), err
    if whole:
        assert code != 2 and "RDSConnect" in out, (unit, err)


# Each part's prefixes, alone and run into the part after it, with and without a space between.
_ADVERSARIAL = sample(
    [
        prefix + glue + after
        for i, part in enumerate(DENIAL_PARTS)
        for prefix in dict.fromkeys(part.strip()[:k] for k in (1, 2, len(part.strip()) // 2, len(part.strip())))
        for glue in ("", " ")
        for after in ("", DENIAL_PARTS[(i + 1) % len(DENIAL_PARTS)].strip())
    ]
)


def test_explain_answers_a_repeated_prefix_of_each_pattern_in_seconds_per_megabyte(tmp_path: Path) -> None:
    for i, unit in enumerate(_ADVERSARIAL):
        _explained_in_bounded_time(unit, i % 2 == 0, tmp_path)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.sampled_from(_PART_STARTS) | st.integers(0, len(DENIAL) - 1),
    size=st.integers(1, len(DENIAL)),
    glue=st.sampled_from(["", " ", "\n", "\t", ":", "/", '"', "\u00a0"]),
    whole=st.booleans(),
)
def test_explain_answers_any_piece_of_a_denial_repeated_in_seconds_per_megabyte(
    start: int, size: int, glue: str, whole: bool, tmp_path: Path
) -> None:
    """Any piece of the denial, from anywhere in it, repeated: the same bound."""
    _explained_in_bounded_time(DENIAL[start : start + size] + glue, whole, tmp_path)


def test_a_denial_followed_by_the_sdks_own_text_is_found() -> None:
    denial = "User: arn:aws:iam::123456789012:role/r is not authorized to perform: rds:DescribeDBInstances"
    sdk = " (Service: AmazonRDS; Status Code: 403; Error Code: AccessDenied; Request ID: 1)"
    because = " because no identity-based policy allows the rds:DescribeDBInstances action"
    assert [(a.action, a.why) for a in parse(denial + sdk)] == [("rds:DescribeDBInstances", None)]
    found = parse(denial + because + sdk)
    assert [(a.action, a.why) for a in found] == [("rds:DescribeDBInstances", because.strip())]


def _trail_record(i: int, denied: bool) -> dict[str, Any]:
    """A CloudTrail record as AWS writes one, a kilobyte with its user agent."""
    arn = f"arn:aws:sts::123456789012:assumed-role/teleport-db/i-{i:08x}"
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "arn": arn, "accountId": "123456789012"},
        "eventTime": "2026-12-01T00:00:00Z",
        "eventSource": "rds.amazonaws.com",
        "eventName": "DescribeDBInstances" if denied else "DescribeDBClusters",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "10.0.0.1",
        "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 " + "x" * 600,
        **({"errorCode": "AccessDenied", "errorMessage": f"User: {arn} is not authorized to perform: "
            "rds:DescribeDBInstances on resource: arn:aws:rds:us-east-1:123456789012:db:orders"} if denied else {}),
        "requestParameters": {"maxRecords": 100},
        "responseElements": None,
        "requestID": f"{i:032x}",
        "eventID": f"{i:032x}",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
    }  # fmt: skip


def test_a_hundred_thousand_cloudtrail_records_are_read_one_at_a_time(tmp_path: Path) -> None:
    """A day of CloudTrail is past the reader's bound for a whole file: its records are read one
    at a time, so explain finds the one denial in them with memory for a chunk and a record
    (the process's peak is measured against the same command on a one-record file)."""
    import subprocess
    import sys

    big, small = tmp_path / "trail.json", tmp_path / "one.json"
    with big.open("w") as f:
        f.write('{"Records": [')
        for i in range(100_000):
            f.write((",\n" if i else "") + json.dumps(_trail_record(i, i == 77_777)))
        f.write("]}\n")
    small.write_text(json.dumps({"Records": [_trail_record(77_777, True)]}))
    assert big.stat().st_size > reader.MAX_BYTES
    peaks = []
    for path in (small, big):
        script = (
            "import resource, sys; from iam_catalog import cli; "
            "code = cli.run(['explain', sys.argv[1], '--format', 'json'], sys.stdout, sys.stderr); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
        )
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        (found,) = json.loads(done.stdout)["requests"]
        assert found["asked"]["action"] == "rds:DescribeDBInstances"
        assert found["asked"]["resource"] == "arn:aws:rds:us-east-1:123456789012:db:orders"
        peaks.append(int(done.stderr.split()[-1]) * 1024)
    assert peaks[1] - peaks[0] < 32 * 2**20, peaks  # the file is 100 MiB; read whole, it is gigabytes


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"Records": [{"a": 1} {"b": 2}]}', ["expected , or ] after a record"]),
        ('{"Records": [{"a": 1}]} trailing', ["more after the list of records"]),
        ('[{"a": 1}, {"a": 2, "a": 3}]', ['the key "a" appears twice']),
        ('[{"a": ', ["not JSON"]),
        ("[" + "[" * 100 + "]" * 100 + "]", ["nested more than 64 deep"]),
        (b'[{"a": "\xff"}]', ["not UTF-8 text"]),
    ],
)
def test_a_broken_list_of_records_is_one_line(tmp_path: Path, content: str | bytes, words: list[str]) -> None:
    path = tmp_path / "trail.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run("explain", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert all(word in err for word in words), err
