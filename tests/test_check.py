"""iam-catalog check: a deployed identity against the catalog (explain has tests/test_explain.py).

The inputs are shaped as AWS and Terraform write them (tests/cases/check, tests/cases/explain).
Every witness `check` gives is asked of moto's evaluator, independently: a missing request is
allowed by the catalog's statement and denied by the deployed identity (its policies, capped by
its boundary), a request beyond the other way round.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.checks.loader import load_directory
from iam_catalog.deployed.check import check, purposes_of
from iam_catalog.deployed.sources import Deployed, InputError, read
from iam_catalog.printiam.request import Request, answer

from .clirun import run
from .oracles import moto_allows
from .roles import GUARD_ACCOUNT, bounded, details

CASES = Path(__file__).parent / "cases"
CATALOG = load_directory(Path(bundled_dir())).require()
COMPILED = compile_catalog(CATALOG)
PURPOSES = purposes_of(CATALOG)
TYPES = [t["id"] for t in COMPILED["types"]]


def plain(value: Any) -> Any:
    """A document or ARN with each placeholder spelt as a value, and `*` in a request as one
    name: moto reads `${...}` as a regular expression."""
    return json.loads(re.sub(r"\$\{(\w+)\}", r"\1-value", json.dumps(value)))


def moto(doc: dict[str, Any], action: str, resource: str) -> bool:
    return moto_allows(plain(doc), action, plain(resource).replace("*", "x"), {})


def deployed_allows(deployed: Deployed, action: str, resource: str) -> bool:
    """moto's answer for the identity: some policy allows, none denies, and the boundary allows."""
    allowed = moto(deployed.document(), action, resource)
    return allowed and (deployed.boundary is None or moto(deployed.boundary[1], action, resource))


@pytest.mark.parametrize("type_id", TYPES)
@pytest.mark.parametrize("service", [s["id"] for s in COMPILED["services"]])
def test_print_iams_own_policy_checks_clean_and_each_statement_left_out_is_missing(type_id: str, service: str) -> None:
    db_type = next(t for t in COMPILED["types"] if t["id"] == type_id)
    if not any(p["service"] == service for p in db_type["policies"]):
        pytest.skip("no policy for this service")
    request = Request([type_id], services=[service], account="123456789012", role="teleport", assumes_roles=["db-user"])
    result = answer(COMPILED, request)
    full = Deployed([("printed", result.document)])
    report = check(COMPILED, result, PURPOSES, full)
    assert report.missing == [] and report.beyond == []
    statements = result.document["Statement"]
    for i, removed in enumerate(statements):
        rest = Deployed([("printed", {**result.document, "Statement": statements[:i] + statements[i + 1 :]})])
        report = check(COMPILED, result, PURPOSES, rest)
        assert report.missing and report.beyond == [], removed
        for missing in report.missing:
            for denied in missing.denied:
                resource = denied.resource or "*"
                # moto, independently: the left-out statement grants it, what is left does not.
                alone = {"Version": "2012-10-17", "Statement": [removed]}
                assert moto(alone, denied.action, resource), (missing.sid, denied)
                assert not deployed_allows(rest, denied.action, resource), (missing.sid, denied)


def test_a_role_from_get_account_authorization_details_with_a_boundary() -> None:
    path = CASES / "check" / "authorization-details.json"
    request = ("--types", "rds", "--account", "123456789012", "--role", "teleport-db")
    code, out, err = run("check", str(path), "--role-name", "teleport-db", *request, "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert [m["sid"] for m in report["missing"]] == ["RDSAutoEnableIAMAuth"]
    assert [d["action"] for d in report["missing"][0]["denied"]] == ["rds:ModifyDBCluster"]
    assert report["missing"][0]["choices"][0]["id"] == "auto-enable-iam-auth"
    # The old version of a managed policy does not count, and the boundary caps s3:PutObject.
    assert [(b["action"], b["access_level"]) for b in report["beyond"]] == [("rds:DeleteDBInstance", "Write")]
    deployed = read(str(path), path.read_text(), "teleport-db")
    catalog_side = answer(COMPILED, Request(["rds"], account="123456789012", role="teleport-db")).document
    for m in report["missing"]:
        for d in m["denied"]:
            assert moto({"Statement": [m["statement"]]}, d["action"], d["resource"])
            assert not deployed_allows(deployed, d["action"], d["resource"])
    for b in report["beyond"]:
        assert deployed_allows(deployed, b["action"], b["resource"])
        assert not moto(catalog_side, b["action"], b["resource"])
    assert run("check", str(path), "--role-name", "teleport-db", *request, "--fail-on", "beyond")[0] == 1
    assert run("check", str(path), "--role-name", "web-app", *request, "--format", "json")[0] == 1


def test_a_terraform_plan_and_several_files_are_one_identity() -> None:
    code, out, _ = run("check", str(CASES / "check" / "terraform-plan.json"), "--types", "rds")
    assert code == 0
    assert "aws_iam_policy.later: its policy is known only after apply: left aside" in out
    assert "Missing: nothing" in out and "Beyond: nothing" in out
    files = [str(CASES / "check" / name) for name in ("policy.json", "get-role-policy.json")]
    code, out, _ = run("check", *files, "--types", "rds", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["missing"] == []
    assert report["beyond"] and all(b["action"].startswith("rds:Describe") for b in report["beyond"])
    assert run("check", *files, "--types", "rds", "--fail-on", "any")[0] == 1


def test_github_format_is_one_command_per_finding() -> None:
    path = CASES / "check" / "authorization-details.json"
    code, out, _ = run("check", str(path), "--role-name", "teleport-db", "--types", "rds", "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        "::error title=iam-catalog check::RDSAutoEnableIAMAuth (rds) is missing: rds:ModifyDBCluster on *",
        "::warning title=iam-catalog check::beyond the catalog (Write): rds:DeleteDBInstance on *",
    ]


@pytest.mark.parametrize(
    ("text", "role", "message"),
    [
        ("{", None, "f.json: line 1: not JSON"),
        ("[]", None, "f.json: $: expected a JSON object"),
        ('{"Version": "2012-10-17"}', None, "f.json: $: not an IAM policy document (no Statement)"),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
            '"Condition": {"StringEqual": {"aws:SourceIp": "1"}}}]}',
            None,
            "f.json: $.Statement[0]: unknown condition operator 'StringEqual' (did you mean 'StringEquals'?)",
        ),
        ('{"Statement": {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}}', None, "$.Statement.Effect"),
        # What IAM itself refuses in an identity policy, each with IAM's rule.
        (
            '{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}]}',
            None,
            "NotPrincipal: IAM takes it only in resource-based policies",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}',
            None,
            "f.json: $.Statement[0]: a statement has both Action and NotAction: IAM takes one of them",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "a"}]}',
            None,
            "a statement has both Resource and NotResource",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}',
            None,
            "$.Statement[0].Principal: IAM refuses a Principal in an identity policy or boundary",
        ),
        (details(), "other", 'f.json: $.RoleDetailList: no role named "other"'),
        (details(), None, "f.json: holds 1 roles: name one with --role-name"),
        (
            details(AttachedManagedPolicies=[{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]),
            "r",
            "$.RoleDetailList[0].AttachedManagedPolicies[0]: arn:aws:iam::aws:policy/ReadOnlyAccess is attached",
        ),
        (
            details(RolePolicyList=[{"PolicyName": "p", "PolicyDocument": "%7B"}]),
            "r",
            "PolicyDocument: line 1: not JSON",
        ),
    ],
)
def test_bad_input_is_one_line_with_the_file_and_the_json_path(text: str, role: str | None, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read("f.json", text, role)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_bad_input_on_the_command_line_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}')
    code, out, err = run("check", str(bad), "--types", "rds")
    assert (code, out) == (2, "")
    assert err == f"iam-catalog: error: {bad}: $.Statement[0]: a statement needs Resource or NotResource\n"
    code, _, err = run("check", str(tmp_path / "none.json"), "--types", "rds")
    assert code == 2 and err.count("\n") == 1 and "No such file" in err


def test_a_role_that_allows_everything_is_beyond_by_every_action_aws_lists(tmp_path: Path) -> None:
    """`*` stands for the actions AWS lists, as IAM reads it."""
    from iam_catalog.aws import facts as awsfacts

    role = tmp_path / "admin.json"
    role.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    code, out, _ = run("check", str(role), "--types", "rds", "--format", "json", "--fail-on", "beyond")
    report = json.loads(out)
    printed = answer(COMPILED, Request(["rds"])).document["Statement"]
    granted = {a.lower() for st in printed for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert code == 1 and report["missing"] == []
    beyond = {b["action"].lower() for b in report["beyond"]}
    assert beyond == {a.lower() for a in awsfacts.expand("*")} - granted
    levels = [b["access_level"] for b in report["beyond"]]
    assert levels.index("Write") < levels.index("List")  # what changes things first


@pytest.mark.parametrize(
    ("action", "why"),
    [
        ("rds*:Describe*", "IAM refuses a wildcard in the service prefix"),
        ("?ds:DescribeDBInstances", "IAM refuses a wildcard in the service prefix"),
        ("rds:Describe:DBInstances", "has two colons: IAM takes one, between prefix and name"),
        ("rds", "is not `*` or `prefix:name`"),
    ],
)
def test_an_action_iam_refuses_is_one_line_and_exit_2(tmp_path: Path, action: str, why: str) -> None:
    """What IAM's own parser refuses in an action (MalformedPolicyDocument), in Action and
    NotAction alike, is refused the same way, naming the element; case, `?` and `*` in the name,
    an empty name and white space are taken (tests/test_simulate.py holds their reading)."""
    for element in ("Action", "NotAction"):
        role = tmp_path / "role.json"
        role.write_text(json.dumps({"Statement": [{"Effect": "Allow", element: ["s3:Get*", action], "Resource": "*"}]}))
        code, out, err = run("check", str(role), "--types", "rds")
        assert code == 2 and out == "", err
        assert err.count("\n") == 1 and f".Statement[0].{element}: " in err and why in err, err
    for taken in ("RDS:describe*", "rds:", " rds:DescribeDBInstances ", "rds:Describe DB*", "rds:Describe?BInstances"):
        role.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": taken, "Resource": "*"}]}))
        assert run("check", str(role), "--types", "rds")[0] == 1, taken


def test_a_role_the_engine_cannot_compare_fails_every_gate(tmp_path: Path) -> None:
    """A Deny whose resources hold one policy variable in two patterns is beyond what the engine
    models: the report says so instead of passing, whatever --fail-on asks. (In one pattern it is
    judged: tests/test_simulate.py.)"""
    role = tmp_path / "role.json"
    users = ["arn:aws:iam::123456789012:user/${aws:username}", "arn:aws:iam::123456789012:user/x/${aws:username}"]
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": users}
    role.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}, deny]}))
    for fail_on in ("missing", "beyond", "any"):
        code, out, _ = run("check", str(role), "--types", "rds", "--fail-on", fail_on)
        assert code == 1 and "Cannot compare: ${aws:username} in more than one resource pattern of a Deny" in out
    report = json.loads(run("check", str(role), "--types", "rds", "--format", "json")[1])
    assert report["undecided"] and report["missing"] == report["beyond"] == []


def test_an_error_line_stays_one_line_whatever_a_file_holds(tmp_path: Path) -> None:
    details = tmp_path / "details.json"
    details.write_text(json.dumps({"RoleDetailList": [{"RoleName": "evil\nrole\x1b[31m"}], "Policies": []}))
    code, out, err = run("check", str(details), "--types", "rds")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "\x1b" not in err


# --- guardrails: NotAction and NotResource in the operator's own policies ----------------------


def _everything(tmp_path: Path) -> tuple[list[str], dict[str, Any]]:
    """print-iam's request for every type of the Database Service, and its policy."""
    code, out, _ = run("list-types", "--format", "json")
    types = ",".join(t["id"] for t in json.loads(out) if "database" in t["services"])
    request = ["--types", types, "--assumes-roles", "db-user", "--account", GUARD_ACCOUNT, "--role", "teleport"]
    code, printed, err = run("print-iam", *request)
    assert code == 0, err
    return request, json.loads(printed)


def _actions(statement: dict[str, Any]) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def _missing(file: Path, request: list[str], *more: str) -> list[dict[str, Any]]:
    """check's missing statements, each as print-iam gives it before the merge."""
    _, out, _ = run("check", str(file), *request, *more, "--format", "json")
    missing: list[dict[str, Any]] = json.loads(out)["missing"]
    return missing


def _holds(statements: list[dict[str, Any]], test: Any) -> set[str]:
    return {st["Sid"] for st in statements if any(test(a.lower()) for a in _actions(st))}


def test_a_region_guard_is_named_for_each_statement_it_denies(tmp_path: Path) -> None:
    request, policy = _everything(tmp_path)
    guard = {
        "Sid": "RegionGuard",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1"]}},
    }
    role = tmp_path / "role.json"
    role.write_text(json.dumps({**policy, "Statement": [*policy["Statement"], guard]}))
    code, report, err = run("check", str(role), *request)
    assert code == 1, err
    # Each statement with an action the guard covers is missing, and no other; the merged
    # policy's own such statements among them.
    outside = lambda a: not a.startswith(("iam:", "sts:"))  # noqa: E731
    missing = _missing(role, request)
    assert missing and all(_holds([m["statement"]], outside) for m in missing)
    assert _holds(policy["Statement"], outside) <= {m["sid"] for m in missing}
    denials = [line for line in report.splitlines() if line.startswith("    denied: ")]
    assert denials and all(line.endswith(f"(an explicit deny: {role}: RegionGuard)") for line in denials)
    assert "Beyond: nothing" in report


def test_a_not_resource_deny_leaves_only_what_it_names(tmp_path: Path) -> None:
    request, policy = _everything(tmp_path)
    connects = [st for st in policy["Statement"] if any(a.endswith(":connect") for a in _actions(st))]
    assert connects  # the catalog grants a connect action on * somewhere
    action = _actions(connects[0])[0]
    fence = {
        "Sid": "OnlyProd",
        "Effect": "Deny",
        "Action": action,
        "NotResource": f"arn:aws:*:*:{GUARD_ACCOUNT}:*prod*",
    }
    role = tmp_path / "role.json"
    role.write_text(json.dumps({**policy, "Statement": [*policy["Statement"], fence]}))
    code, report, _ = run("check", str(role), *request)
    assert code == 1
    assert connects[0]["Sid"] in {m["sid"] for m in _missing(role, request)}
    assert f"denied: {action} on " in report and f"(an explicit deny: {role}: OnlyProd)" in report


def test_a_boundary_that_allows_all_but_sts_caps_only_sts(tmp_path: Path) -> None:
    request, policy = _everything(tmp_path)
    boundary = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "sts:*", "Resource": "*"}]}
    file = tmp_path / "details.json"
    file.write_text(bounded(policy, boundary, "no-sts"))
    code, report, _ = run("check", str(file), "--role-name", "teleport", *request)
    assert code == 1
    missing = _missing(file, ["--role-name", "teleport", *request])
    sts = lambda a: a.startswith("sts:")  # noqa: E731
    assert missing and all(_holds([m["statement"]], sts) for m in missing)
    assert _holds(policy["Statement"], sts) <= {m["sid"] for m in missing}
    assert "(outside the permissions boundary no-sts)" in report


def test_a_power_user_policy_allows_the_catalog_and_every_action_aws_may_add(tmp_path: Path) -> None:
    from iam_catalog.iam.access import UNLISTED_ACTION

    request, _ = _everything(tmp_path)
    power = {"Sid": "PowerUser", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    role = tmp_path / "role.json"
    role.write_text(json.dumps({"Version": "2012-10-17", "Statement": [power]}))
    code, out, _ = run("check", str(role), *request, "--format", "json")
    report = json.loads(out)
    iam_needed = {m["sid"] for m in report["missing"]}
    assert all(
        any(a.lower().startswith(("iam:", "organizations:")) for a in _actions(m["statement"]))
        for m in report["missing"]
    )
    assert code == (1 if iam_needed else 0)
    beyond = {b["action"] for b in report["beyond"]}
    assert UNLISTED_ACTION in beyond and not any(a.lower().startswith(("iam:", "organizations:")) for a in beyond)


@pytest.mark.parametrize("excluded", [["iam:*"], ["iam:*", "sts:*", "organizations:*"], ["s3:Get*", "ec2:Describe*"]])
def test_allow_not_action_is_allow_everything_but_those_actions(excluded: list[str]) -> None:
    """Over AWS's list: exactly every action the patterns do not name, and the one not listed yet."""
    from iam_catalog.aws import facts
    from iam_catalog.iam.access import UNLISTED_ACTION, Side, compare

    nothing = {"Version": "2012-10-17", "Statement": []}
    head = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": excluded, "Resource": "*"}]}
    allowed = {w.request.action for w in compare(Side.of(nothing), Side.of(head), facts.expand).broadening}
    named = {a for pattern in excluded for a in facts.expand(pattern)}
    assert named and allowed == (set(facts.expand("*")) - named) | {UNLISTED_ACTION}


def test_a_star_policy_is_a_screen_not_a_line_per_action(tmp_path: Path) -> None:
    """What a `*` policy allows beyond the catalog is one row per access level and statement,
    with the count and a pattern; --verbose lists every action, JSON has every request, and the
    GitHub format is one warning per row."""
    admin = tmp_path / "admin.json"
    admin.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    )
    beyond = json.loads(run("check", str(admin), "--types", "rds", "--format", "json")[1])["beyond"]
    levels: dict[str, list[str]] = {}
    for b in beyond:
        levels.setdefault(b["access_level"], []).append(b["action"])
    assert len(beyond) > 10_000 and len(levels) >= 4
    text, whole = (
        run("check", str(admin), "--types", "rds")[1],
        run("check", str(admin), "--types", "rds", "--verbose")[1],
    )
    assert len(text.splitlines()) < 5 * len(levels)
    for level, actions in levels.items():
        assert f"  {level}:\n  - {len(actions)} actions (*) on * (allowed by {admin}: #1)\n" in text
        assert f"and {len(actions) - 3} more (--verbose lists them)" in text
    listed = [line.strip().split(", ") for line in whole.splitlines() if line.startswith("      ")]
    assert listed == list(levels.values())
    warnings = run("check", str(admin), "--types", "rds", "--format", "github")[1].splitlines()
    assert len(warnings) == len(levels) and all(w.startswith("::warning ") for w in warnings)


def test_every_use_of_the_actions_index_knows_its_statement_by_place() -> None:
    from iam_catalog.aws.context import action_index

    uses = [use for entry in action_index(CATALOG) for use in entry.uses]
    assert uses and all(use.policy.statements[use.position] is use.statement for use in uses)


def test_without_assumes_roles_no_statement_on_a_placeholder_is_missing(tmp_path: Path) -> None:
    """A role without database-user roles, checked without --assumes-roles: the catalog asks for
    nothing on roles nobody named, so nothing on a `${...}` placeholder is reported missing, and
    the policy "ready to attach" never holds one."""
    request = ("--types", "rds,redshift,dynamodb", "--account", "123456789012", "--role", "teleport")
    code, printed, err = run("print-iam", *request)
    assert code == 0, err
    role = tmp_path / "role.json"
    role.write_text(printed)
    code, out, err = run("check", str(role), *request, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["missing"] == [] and "${" not in out
    # The same role with roles named lacks exactly what is on them, named.
    code, out, _ = run("check", str(role), *request, "--assumes-roles", "db-user", "--format", "json")
    missing = json.loads(out)["missing"]
    assert code == 1 and missing and "${" not in out
    assert all(":role/db-user" in json.dumps(m["statement"]) for m in missing)


def test_without_assumes_roles_the_roles_the_role_names_are_checked(tmp_path: Path) -> None:
    """A role that grants what the catalog grants on database-user roles names those roles: a
    check without --assumes-roles reads them from it (and says so), so print-iam's own policy
    for two named roles is clean, nothing is beyond, and a role named only by a pattern is not
    taken for a name."""
    request = ("--types", "rds,dynamodb", "--account", "123456789012", "--role", "teleport")
    code, printed, err = run("print-iam", *request, "--assumes-roles", "team/ddb-a,ddb-b")
    assert code == 0, err
    role = tmp_path / "role.json"
    role.write_text(printed)
    code, out, err = run("check", str(role), *request, "--format", "json")
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["missing"] == [] and report["beyond"] == []
    assert "the database-user roles it names: team/ddb-a, ddb-b (--assumes-roles checks others)" in report["notes"]
    # Given, --assumes-roles wins: a role it names that the policy does not grant is missing.
    code, out, _ = run("check", str(role), *request, "--assumes-roles", "ddb-c", "--format", "json")
    assert code == 1 and any(":role/ddb-c" in json.dumps(m["statement"]) for m in json.loads(out)["missing"])
    # A pattern names no role: nothing is read from it, and it is beyond what the catalog asks.
    wide = json.loads(printed)
    for st in wide["Statement"]:
        if ":role/" in json.dumps(st.get("Resource", "")):
            st["Resource"] = "arn:aws:iam::123456789012:role/ddb-*"
    role.write_text(json.dumps(wide))
    code, out, _ = run("check", str(role), *request, "--format", "json", "--fail-on", "any")
    report = json.loads(out)
    assert not any("roles it names" in n for n in report["notes"]) and report["beyond"], report
