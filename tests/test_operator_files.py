"""Operators' files are untrusted input (issue #30): whatever `check` and `explain` are handed,
the answer is a report or one `iam-catalog: error:` line with exit 2, never a traceback, a
hang, unbounded memory or a raw control character; and what IAM accepts is accepted."""

from __future__ import annotations

import io
import json
import os
import re
import urllib.parse
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from iam_catalog import cli
from iam_catalog.deployed import reader
from iam_catalog.deployed.reader import InputError
from iam_catalog.deployed.sources import policy_document, read

from .budget import examples
from .jsonvalues import JSON
from .schemadocs import documents

ALLOW = {"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}
# What no output may carry from a file: C0 and C1 controls but the line break that ends each
# output line, ESC and BEL among them, line separators, bidi overrides, lone surrogates.
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def check(tmp_path: Path, content: str | bytes, *more: str) -> tuple[int, str, str]:
    path = tmp_path / "policy.json"
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    return run("check", "--types", "rds", str(path), *more)


def one_error_line(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2 and out == "", result
    assert err.count("\n") == 1 and err.startswith("iam-catalog: error: "), err
    assert not RAW.search(err.rstrip("\n")), err
    for word in words:
        assert word in err, (word, err)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# --- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, ["nested more than 64 deep"]),
        ('{"a":' * 70 + "1" + "}" * 70, ["nested more than 64 deep"]),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny"}]}', ['"Effect" appears twice']),
        ('{"Statement": [], "Statement": []}', ['"Statement" appears twice']),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": NaN}]}', ["NaN is not JSON"]),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": -Infinity}]}', ["-Infinity is not JSON"]),
        (b"\xff\xfe{}", ["not UTF-8 text"]),
        ("{", ["not JSON"]),
    ],
    ids=["deep-list", "deep-object", "duplicate-effect", "duplicate-statement", "nan", "infinity", "bytes", "cut"],
)
def test_a_file_no_json_reader_should_take_is_one_line(tmp_path: Path, content: str | bytes, words: list[str]) -> None:
    one_error_line(check(tmp_path, content), *words)


def test_a_huge_number_is_data_not_pythons_int_limit(tmp_path: Path) -> None:
    digits = "9" * 5000
    text = policy({**ALLOW, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "__N__"}}})
    code, _out, err = check(tmp_path, text.replace('"__N__"', digits))
    assert code in (0, 1) and "error" not in err, err  # IAM accepts a number: a report, not a refusal
    one_error_line(
        check(tmp_path, policy({**ALLOW, "Sid": "__N__"}).replace('"__N__"', digits)), ".Sid: must be a string"
    )


def test_files_that_are_not_regular_files_are_refused_by_their_type(tmp_path: Path) -> None:
    one_error_line(run("check", "--types", "rds", "/dev/zero"), "not a regular file")
    one_error_line(run("check", "--types", "rds", str(tmp_path)), "a folder")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: reading it would hang
    one_error_line(run("check", "--types", "rds", str(fifo)), "not a regular file")
    one_error_line(run("explain", str(fifo)), "not a regular file")
    one_error_line(run("check", "--types", "rds", str(tmp_path / "missing.json")), "No such file")


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    one_error_line(check(tmp_path, policy(ALLOW) + " " * 1000), "larger than")
    assert check(tmp_path, policy(ALLOW))[0] in (0, 1)


# --- IAM's grammar ------------------------------------------------------------------------------

REFUSED = {
    "action-object": ({**ALLOW, "Action": {"rds": "*"}}, ".Action: must be a string"),
    "resource-numbers": ({**ALLOW, "Resource": [1, 2]}, ".Resource: must be a string"),
    "resource-empty-list": ({**ALLOW, "Resource": []}, ".Resource: must be a string"),
    "condition-list": ({**ALLOW, "Condition": [{"Bool": {"aws:SecureTransport": "true"}}]}, ".Condition: must be"),
    "condition-value-object": ({**ALLOW, "Condition": {"StringEquals": {"aws:username": {"a": 1}}}}, "aws:username"),
    "sid-number": ({**ALLOW, "Sid": 7}, ".Sid: must be a string"),
    "unknown-element": ({**ALLOW, "Actions": "rds:*"}, ".Actions: not an element"),
    "action-without-prefix": ({**ALLOW, "Action": "DescribeDBInstances"}, "is not `*` or `prefix:name`"),
    "empty-action": ({**ALLOW, "Action": ["rds:*", ""]}, '"" is not `*`'),
    "not-action-without-colon": ({"Effect": "Deny", "NotAction": "iam", "Resource": "*"}, '.NotAction: "iam" is not'),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_iams_grammar_refuses_is_one_line_that_names_the_element(tmp_path: Path, case: str) -> None:
    statement, words = REFUSED[case]
    one_error_line(check(tmp_path, policy(statement)), "$.Statement[0]", words)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"Version": "2012-10-17", "Statement": "Allow everything"}, ".Statement: must be a statement"),
        ([ALLOW], "$: expected a JSON object"),
        ({"Version": 2012, "Statement": [ALLOW]}, "$.Version: must be a string"),
        ({"Version": "2012-10-17", "Statement": [ALLOW], "Extra": 1}, "$.Extra: not an element"),
    ],
)
def test_a_document_iam_refuses_is_one_line(tmp_path: Path, document: Any, words: str) -> None:
    one_error_line(check(tmp_path, json.dumps(document)), words)


def test_booleans_and_numbers_in_conditions_are_accepted_as_iam_accepts_them(tmp_path: Path) -> None:
    condition = {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"aws:MultiFactorAuthAge": [3600, 1.5]}}
    code, _out, err = check(tmp_path, policy({**ALLOW, "Condition": condition}))
    assert code in (0, 1) and "error" not in err, err


def test_shapes_aws_does_not_write_are_one_line(tmp_path: Path) -> None:
    details = {"RoleDetailList": "teleport", "Policies": []}
    one_error_line(check(tmp_path, json.dumps(details), "--role-name", "x"))
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": "all of them"}}}
    one_error_line(check(tmp_path, json.dumps(plan)), "terraform show -json")


# --- encodings, as AWS gives them ---------------------------------------------------------------


def test_only_what_iam_returns_url_encoded_is_decoded() -> None:
    text = policy({**ALLOW, "Resource": "arn:aws:s3:::bucket/%22quoted%22"})
    plain = policy_document(text, "plan", "$.policy")
    assert plain["Statement"][0]["Resource"] == "arn:aws:s3:::bucket/%22quoted%22"  # a plan's JSON, as written
    encoded = policy_document(urllib.parse.quote(text), "details", "$.Document", url_encoded=True)
    assert encoded == plain  # IAM's API form, decoded once: its %2522 is the resource's %22
    with pytest.raises(InputError, match="not JSON"):
        policy_document(urllib.parse.quote(text), "plan", "$.policy")  # a plan's text is never decoded


# --- outputs encode what they embed -------------------------------------------------------------

HOSTILE = ["\x1b]0;owned\x07", "\x1b[2J", "a\nb", "\u202e", "\ud800", "::error::x", "\r", "\x00"]


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_output_writes_a_control_character_from_a_file(tmp_path: Path, fmt: str, hostile: str) -> None:
    statement = {**ALLOW, "Sid": f"S{hostile}", "Action": "rds:*", "Resource": f"arn:aws:rds:{hostile}"}
    code, out, err = check(tmp_path, policy(statement), "--format", fmt, "--fail-on", "any")
    assert code == 1, err
    out.encode("utf-8")  # no lone surrogate reaches a UTF-8 terminal
    assert not RAW.search(out.replace("\n", "")), out
    if fmt == "github":
        assert all(line.startswith("::") for line in out.splitlines()), out  # no command starts mid-line


# --- any input at all ---------------------------------------------------------------------------


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSON.map(json.dumps), st.text(max_size=200)))
def test_any_input_is_read_or_refused_in_one_line(text: str) -> None:
    try:
        deployed = read("input", text, None)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert deployed.policies  # what is read is a policy


# --- a list of records, read a chunk at a time -----------------------------------------------


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(JSON, max_size=6),
    st.sampled_from(['{"Records": [', "[", ' \n{ "Records" :[']),
    st.sampled_from([", ", ",\n", ","]),
    st.integers(min_value=1, max_value=9),
)
def test_records_read_a_chunk_at_a_time_are_the_documents(
    records: list[Any], opening: str, comma: str, chunk: int
) -> None:
    """Whatever the chunk size cuts a record at (a number, a string, a multi-byte character),
    the records read one at a time are the ones the whole document holds."""
    import tempfile

    closing = "]}" if opening.strip().startswith("{") else "]"
    text = opening + comma.join(json.dumps(r, ensure_ascii=False) for r in records) + closing + "\n"
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(text.encode("utf-8", "surrogatepass"))
    original = reader.CHUNK
    reader.CHUNK = chunk
    try:
        source = reader.opened(f.name)
        try:
            read_back = list(source.records()) if source.lists_records() else None
        except InputError as exc:  # duplicate keys in a generated object, as loads refuses them
            with pytest.raises(InputError):
                reader.loads(text, "x")
            assert "\n" not in str(exc)
            return
        finally:
            source.close()
    finally:
        reader.CHUNK = original
        os.unlink(f.name)
    assert read_back == _whole(text)


def _whole(text: str) -> list[Any]:
    data = reader.loads(text, "x")
    return data["Records"] if isinstance(data, dict) else data


# --- IAM's grammar, every source, every format ------------------------------------------------

# Control characters, a bidi override, a workflow command and a lone surrogate, where IAM takes
# any text (a Sid IAM refuses, a resource it takes): the outputs escape them or refuse them.
HOSTILE_TEXT = ["\x1b]0;owned\x07", "a\nb", "\u202eevil", "::error::x", "\ud800", "\r"]
ACTIONS = "* rds:* rds:DescribeDBInstances rds:Describe* rds-db:connect RDS:describedbinstances iam:* sts:AssumeRole"
ACTION = {"enum": [*ACTIONS.split(), "s3:GetObject", "rds:?odify*", "elasticache:Connect", "ec2:*"]}
RESOURCE = {
    "enum": [
        "*",
        "arn:aws:rds:us-east-1:123456789012:db:orders",
        "arn:aws:rds-db:*:*:dbuser:*/alice",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:s3:::b/${aws:username}/*",
        "arn:aws:rds:*:*:db:*",
        "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*",
        *(f"arn:aws:s3:::{h}" for h in HOSTILE_TEXT),
    ]
}
VALUE = {
    "oneOf": [
        {
            "enum": [
                "us-east-1",
                "eu-*",
                "10.0.0.0/8",
                "2026-01-01T00:00:00Z",
                "true",
                "${aws:PrincipalAccount}",
                "123456789012",
                "arn:aws:iam::123456789012:role/*",
                *HOSTILE_TEXT,
            ]
        },
        {"type": "number"},
        {"type": "boolean"},
    ]
}
KEYS = ["aws:RequestedRegion", "aws:ResourceTag/team", "aws:PrincipalTag/team", "aws:SourceIp", "aws:CurrentTime",
        "aws:MultiFactorAuthPresent", "rds:DatabaseEngine", "aws:ResourceAccount", "aws:PrincipalArn"]  # fmt: skip


def _one_or_more(item: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _grammar() -> dict[str, Any]:
    """IAM's grammar of an identity policy or boundary, as a JSON Schema: each statement takes
    Action or NotAction, Resource or NotResource, an Effect, and may take a Sid and a Condition
    block of any operator IAM knows, with or without a set qualifier, over strings, numbers and
    booleans."""
    from iam_catalog.iam.conditions import spellings

    operators = [*spellings(), *(f"{q}:{o}" for q in ("ForAllValues", "ForAnyValue") for o in spellings()[:8])]
    condition = {
        "type": "object",
        "propertyNames": {"enum": operators},
        "additionalProperties": {
            "type": "object",
            "propertyNames": {"enum": KEYS},
            "additionalProperties": _one_or_more(VALUE),
            "minProperties": 1,
        },
        "minProperties": 1,
    }
    statements = [
        {
            "type": "object",
            "required": ["Effect", action, resource],
            "properties": {
                "Sid": {"enum": ["", "Grant1", "RDS", *HOSTILE_TEXT]},
                "Effect": {"enum": ["Allow", "Deny"]},
                action: _one_or_more(ACTION),
                resource: _one_or_more(RESOURCE),
                "Condition": condition,
            },
            "additionalProperties": False,
        }
        for action in ("Action", "NotAction")
        for resource in ("Resource", "NotResource")
    ]
    statement = {"oneOf": statements}
    return {
        "type": "object",
        "required": ["Version", "Statement"],
        "properties": {
            "Version": {"enum": ["2012-10-17", "2008-10-17"]},
            "Statement": {"oneOf": [statement, {"type": "array", "items": statement, "minItems": 1}]},
        },
        "additionalProperties": False,
    }


GRAMMAR = _grammar()


def _as_source(document: dict[str, Any], source: str) -> tuple[str, list[str]]:
    """The document as each AWS or Terraform output holds it, and the arguments that read it."""
    text = json.dumps(document, ensure_ascii=False)
    if source == "get-role-policy":
        return json.dumps({"RoleName": "r", "PolicyName": "p", "PolicyDocument": document}), []
    if source == "authorization-details":
        inline = {"PolicyName": "p", "PolicyDocument": urllib.parse.quote(text.encode("utf-8", "surrogatepass"))}
        role = {"RoleName": "r", "RolePolicyList": [inline], "AttachedManagedPolicies": []}
        return json.dumps({"RoleDetailList": [role], "Policies": []}), ["--role-name", "r"]
    if source == "terraform-plan":
        resource = {"address": "aws_iam_policy.p", "type": "aws_iam_policy", "name": "p", "values": {"policy": text}}
        return json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource]}}}), []
    return text, []


@settings(max_examples=examples(100), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    documents(GRAMMAR, GRAMMAR),
    st.sampled_from(["policy", "get-role-policy", "authorization-details", "terraform-plan"]),
    st.sampled_from(["text", "json", "github"]),
)
@example(  # an epoch date past year 9999 once crashed the search's shown values
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateEquals": {"aws:CurrentTime": 282476714874}},
            },
        ],
    },
    "policy",
    "text",
)
def test_every_policy_iams_grammar_allows_is_judged_or_refused_in_one_line(
    document: dict[str, Any], source: str, fmt: str
) -> None:
    """Policies drawn from IAM's grammar, through each source and each output format: an
    answer (exit 0 or 1) or one `iam-catalog: error:` line (exit 2), never a traceback or a
    raw control character from the file."""
    import tempfile

    assert not list(jsonschema.Draft202012Validator(GRAMMAR).iter_errors(document))  # the generator keeps it
    text, more = _as_source(document, source)
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(text.encode("utf-8", "surrogatepass"))
    try:
        code, out, err = run("check", "--types", "rds", f.name, "--format", fmt, *more)
    finally:
        os.unlink(f.name)
    assert code in (0, 1, 2), (code, err)
    event(f"exit {code}")
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("iam-catalog: error: "), err
    assert "Traceback" not in err
    assert not RAW.search(out.replace("\n", "")) and not RAW.search(err.rstrip("\n")), (out, err)


# --- duplicates are never resolved silently ----------------------------------------------------


def _encoded(*statements: dict[str, Any]) -> str:
    return urllib.parse.quote(policy(*statements))


_GRANTS = [
    {**ALLOW, "Sid": "Describe"},
    {"Sid": "Connect", "Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"},
    {"Sid": "Everything", "Effect": "Allow", "Action": "rds:*", "Resource": "*"},
]


@st.composite
def authorization_details(draw: st.DrawFn) -> dict[str, Any]:
    """Roles drawn from few names, accounts and paths (so one name may be two roles), each
    attaching policies drawn from few ARNs, which the file may list twice, alike or not."""
    roles, policies = [], []
    for i in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(["teleport-db", "other"]))
        account = draw(st.sampled_from(["111111111111", "222222222222"]))
        path = draw(st.sampled_from(["/", "/teleport/"]))
        attached = draw(st.lists(st.sampled_from(["a", "b"]), max_size=2))
        roles.append(
            {
                "RoleName": name,
                "Arn": f"arn:aws:iam::{account}:role{path}{name}",
                "RolePolicyList": [{"PolicyName": f"inline-{i}", "PolicyDocument": _encoded(_GRANTS[i % 3])}],
                "AttachedManagedPolicies": [
                    {"PolicyArn": f"arn:aws:iam::111111111111:policy/{p}", "PolicyName": p} for p in attached
                ],
            }
        )
    for p in ("a", "b"):
        for _ in range(draw(st.integers(1, 2))):
            grant = draw(st.sampled_from(_GRANTS))
            policies.append(
                {
                    "PolicyName": p,
                    "Arn": f"arn:aws:iam::111111111111:policy/{p}",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": _encoded(grant)}],
                }
            )
    return {"RoleDetailList": roles, "Policies": policies}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(details=authorization_details(), order=st.randoms(use_true_random=False))
def test_duplicates_in_authorization_details_are_refused_not_picked(
    details: dict[str, Any], order: Any, tmp_path: Path
) -> None:
    """Whatever order the file lists its roles and policies in, check says the same; two roles
    named alike are refused with both ARNs (`--role-arn` picks one), and a role or an attached
    policy listed twice, differing, is refused."""
    shuffled = {key: order.sample(value, len(value)) for key, value in details.items()}
    answers = []
    for doc in (details, shuffled):
        path = tmp_path / "details.json"
        path.write_text(json.dumps(doc))
        code, out, err = run("check", "--types", "rds", str(path), "--role-name", "teleport-db", "--format", "json")
        answers.append((code, out, re.sub(r"\[\d+\]", "[]", err)))  # a JSON path's index follows the order
    assert answers[0] == answers[1]

    def entries(key: str, where: str, value: str) -> list[str]:
        return [json.dumps(e) for e in details[key] if e[where] == value]

    named = sorted({r["Arn"] for r in details["RoleDetailList"] if r["RoleName"] == "teleport-db"})
    differing = [arn for arn in named if len(set(entries("RoleDetailList", "Arn", arn))) > 1]
    if not named:
        one_error_line(answers[0], 'no role named "teleport-db"')
    elif differing:
        one_error_line(answers[0], f"the role {differing[0]} twice, and the two differ")
    elif len(named) > 1:
        one_error_line(answers[0], f"{len(named)} roles named", "give --role-arn", ", ".join(named))
        for arn in named:  # --role-arn picks each of them
            chosen = run("check", "--types", "rds", str(path), "--role-arn", arn, "--format", "json")
            assert chosen[0] != 2 or "twice, and the two differ" in chosen[2], chosen
    else:
        role = next(r for r in details["RoleDetailList"] if r["Arn"] == named[0])
        attached = [a["PolicyArn"] for a in role["AttachedManagedPolicies"]]
        conflict = [arn for arn in dict.fromkeys(attached) if len(set(entries("Policies", "Arn", arn))) > 1]
        if conflict:
            one_error_line(answers[0], f"$.Policies: the policy {conflict[0]} twice, and the two differ")
        else:
            assert answers[0][0] in (0, 1), answers[0]
