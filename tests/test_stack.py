"""`iam-catalog stack` writes what its languages read as the catalog says, and nothing else.

CloudFormation: cfn-lint finds nothing in any stack. Terraform: python-hcl2 parses every module
(Terraform itself cannot run here: its providers cannot be downloaded), and the module's policy
documents are print-iam's `--format terraform` blocks, byte for byte, when the same values are
given. Every value a reader can give reaches the outputs as data, whatever it holds.
"""

from __future__ import annotations

import json
import random
import re
import string
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_catalog.commands.stack import TRUST_OPTIONS

from .budget import examples
from .clirun import run

REQUESTS = [
    "--types rds,dynamodb --role-name teleport-db --assumes-roles teleport-db-user --account 123456789012",
    "--types redshift,redshift-serverless --service database,discovery --optional --trust principal"
    " --trusted-principal arn:aws:iam::123456789012:role/host --assumes-roles a,b --external-id x-1 --policy inline",
    "--types rds --trust eks --oidc-provider oidc.eks.eu-west-1.amazonaws.com/id/X1 --scope DbUserName=al*ce",
    "--types dynamodb --trust ecs --assumes-roles ddb-user --region eu-west-1",
]
GIVEN = ["--account", "123456789012", "--partition", "aws-cn", "--region", "cn-north-1"]


def _kind(block: dict[str, object]) -> str:
    """A parsed block's type; python-hcl2 keeps the label's quotes."""
    return next(iter(block)).strip('"')


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))


def test_cfn_lint_finds_nothing_in_any_stack(tmp_path: Path) -> None:
    files = []
    for i, request in enumerate(REQUESTS):
        code, out, err = run("stack", *request.split())
        assert code == 0, err
        files.append(tmp_path / f"stack-{i}.json")
        files[-1].write_text(out)
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    lint = subprocess.run([cfn_lint, *map(str, files)], capture_output=True, text=True, check=False)
    assert (lint.returncode, lint.stdout) == (0, "")


@pytest.mark.parametrize("request_text", REQUESTS)
def test_the_terraform_module_parses_and_holds_print_iams_documents(request_text: str) -> None:
    args = [a for a in request_text.split() if a != "--account" and a != "123456789012"]
    code, module, err = run("stack", *args, *GIVEN, "--format", "terraform")
    assert code == 0, err
    parsed = hcl2.loads(module)
    roles = [r for r in parsed["resource"] if _kind(r) == "aws_iam_role"]
    assert len(roles) == 1 + (
        len(args[args.index("--assumes-roles") + 1].split(",")) if "--assumes-roles" in args else 0
    )
    # print-iam's request is the stack's, with the role by --role.
    wanted, skip = [], {"--role-name", "--trust", "--trusted-principal", "--oidc-provider", "--external-id", "--policy"}
    it = iter(args)
    for a in it:
        if a in skip:
            value = next(it)
            wanted += ["--role", value] if a == "--role-name" else []
        else:
            wanted.append(a)
    if "--role" not in wanted:
        wanted += ["--role", "teleport-db-service-role"]
    code, blocks, _ = run("print-iam", *wanted, *GIVEN, "--format", "terraform", "--split")
    assert code == 0
    assert blocks.strip() in module
    assert 'data "aws_caller_identity"' not in module  # every value given: nothing from the deployment


def test_without_account_the_deployment_fills_it_in_both_languages() -> None:
    _, template, _ = run("stack", "--types", "dynamodb", "--assumes-roles", "u")
    resource = json.loads(template)["Resources"]["ServicePolicy"]["Properties"]["PolicyDocument"]
    assert resource["Statement"][0]["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/u"}
    _, module, _ = run("stack", "--types", "dynamodb", "--assumes-roles", "u", "--format", "terraform")
    assert (
        '"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/u"'
        in module
    )
    hcl2.loads(module)


def test_same_input_same_bytes() -> None:
    for fmt in ("cloudformation", "terraform"):
        assert run("stack", *REQUESTS[1].split(), "--format", fmt) == run(
            "stack", *REQUESTS[1].split(), "--format", fmt
        )


@pytest.mark.parametrize("request_text", REQUESTS)
def test_the_description_is_the_command_that_makes_the_same_stack(request_text: str) -> None:
    """A template's description ends with the options that made it, each as it was checked (the
    request's own, and the stack's beside them): run again, they write the same template, and
    every option given is among them."""
    code, template, err = run("stack", *request_text.split())
    assert code == 0, err
    said = json.loads(template)["Description"].partition(": iam-catalog stack ")[2]
    assert said and not said.endswith("...")
    again = run("stack", *said.split())
    assert again == (0, template, err)
    named = {word for word in request_text.split() if word.startswith("--")}
    assert named <= {word for word in said.split() if word.startswith("--")}


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        ("--types dynamodb", "every statement is on the database-user roles: give --assumes-roles"),
        ("--types rds --trust principal", "--trust principal needs --trusted-principal"),
        ("--types rds --trust eks", "--trust eks needs --oidc-provider"),
        ("--types rds --trust nobody", '--trust "nobody": expected one of ec2, principal, eks'),
        ("--types rds --role-name bad!name", '--role-name "bad!name" is not valid'),
        ("--types rds --trust principal --trusted-principal nope", '--trusted-principal "nope" is not valid'),
        ("--types dynamodb --assumes-roles a --external-id x", '--external-id "x" is not valid'),
        ("--types dynamodb --assumes-roles a,a", '--assumes-roles names a role twice, "a"'),
        ("--types dynamodb --assumes-roles a,A", '--assumes-roles names a role twice, "a" (as "A": IAM takes'),
        ("--types dynamodb --role-name Teleport --assumes-roles teleport", "names the service's own role"),
        ("--types rds --role-name teleport/", '--role-name "teleport/": an empty role name: IAM\'s are 1 to 64'),
        ("--types rds --role-name " + "r" * 65, "a role name of 65 characters: IAM's are 1 to 64"),
        ('--types rds --assumes-roles x"y', '--assumes-roles "x\\"y": IAM\'s role names are ASCII letters'),
    ],
)
def test_a_bad_request_is_one_line(argv: str, said: str) -> None:
    code, out, err = run("stack", *argv.split())
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and said in err, err


# Any text, lone surrogates and control characters included, in every value a reader gives.
HOSTILE = st.text(st.characters(), min_size=1, max_size=30) | st.sampled_from(
    ['"}]}', "${AWS::AccountId}", "{{resolve:ssm:x}}", "%{x}", "\n# x", "\\", "${!x}", "*"]
)
OPTIONS = ["--role-name", "--trusted-principal", "--oidc-provider", "--namespace", "--service-account", "--external-id"]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from([*OPTIONS, "--assumes-roles", "--scope", "--account"]), value=HOSTILE)
def test_a_hostile_value_is_refused_or_reaches_the_outputs_as_data(option: str, value: str) -> None:
    base = ["--types", "rds,dynamodb", "--assumes-roles", "u", "--trust", "eks", "--oidc-provider", "o.example/id/1"]
    arg = f"DbUserName={value}" if option == "--scope" else value
    for fmt in ("cloudformation", "terraform"):
        code, out, err = run("stack", *base, option, arg, "--format", fmt)
        if code:
            assert code == 2 and out == "" and err.count("\n") == 1
            continue
        if fmt == "cloudformation":
            template = json.loads(out)
            assert set(template["Resources"]) <= {
                "ServiceRole",
                "ServicePolicy",
                "InstanceProfile",
                "DatabaseUserRole1",
                "DatabaseUserRole2",
            }
        else:
            parsed = hcl2.loads(out)
            assert {_kind(b) for b in parsed["resource"]} <= {
                "aws_iam_role",
                "aws_iam_policy",
                "aws_iam_role_policy_attachment",
                "aws_iam_instance_profile",
            }
            assert all(
                line.startswith(("#", "data ", "resource ", "output ", " ", "}")) or not line
                for line in out.splitlines()
            )


def test_a_broken_deploy_section_is_reported_at_its_lines(tmp_path: Path) -> None:
    """validate's `deploy` check, on the bundled shared file with one mistake of each kind."""
    import shutil

    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    catalog = tmp_path / "catalog"
    shutil.copytree(Path(bundled_dir()), catalog)
    shared = catalog / "_shared.yaml"
    text = shared.read_text()
    edits = {
        "        id: service-trust-principal\n        attach: trust\n": (
            "        id: service-trust-principal\n        attach: boundary\n",
            "trust principal: the role's trust policy is attach: trust",
        ),
        "    id: check-aws-read\n    attach: reader\n": (
            "    id: check-aws-read\n    attach: trust\n",
            "read_policy: the policy that check --aws needs is attach: reader",
        ),
        "    default: trust\n": (
            "    default: no-such-policy\n",
            "no-such-policy is not a trust policy of the assume-role steps",
        ),
        "    external_id_variable: ExternalId\n": (
            "    external_id_variable: Region\n",
            "trust-external-id does not use ${Region}",
        ),
        "    ServiceAccount: account-id\n": (
            "    Nowhere: account-id\n",
            "from_deployment: Nowhere is not a declared variable",
        ),
        "              AWS: ${TrustedPrincipal}\n": (
            "              AWS: ${TrustedPrinciple}\n",
            "placeholder ${TrustedPrinciple} is not a declared variable",
        ),
    }
    for old, (new, _) in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    shared.write_text(text)
    errors = load_directory(catalog).errors
    for _, said in edits.values():
        (found,) = [p for p in errors if said in p.message]
        assert found.check == "deploy" and found.path.endswith("_shared.yaml") and found.line > 1


def test_the_trust_options_are_the_catalogs() -> None:
    """stack's options for the trust values are declared before the catalog is read: the same
    ones, each an option of a deploy variable of the bundled catalog."""
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    deploy = compile_catalog(load_directory(Path(bundled_dir())).require())["deploy"]
    assert set(TRUST_OPTIONS) == {v["option"] for v in deploy["variables"].values() if "option" in v}


def test_the_read_policy_checks_every_role_it_names() -> None:
    code, out, err = run("check", "--aws", "--print-read-policy", "--role-name", 'bad"name')
    assert (code, out) == (2, "") and '--role-name or --assumes-roles "bad\\"name" is not valid' in err
    code, out, err = run("check", "--aws", "--print-read-policy")
    assert code == 0 and "role/teleport-db-service-role" in out  # the catalog's default role
    assert err == "iam-catalog: note: the policy holds a placeholder: set it with --account\n"


# --- IAM's own limits on the names a stack writes -------------------------------------------


def _drawn_names(rng: random.Random, count: int) -> list[str]:
    """Role names with paths, drawn around each of IAM's limits: names of 0, 1, 63, 64 and 65
    characters, paths to 512 characters with the name, and now and then a character IAM refuses in a name (ASCII only:
    cfn-lint reads `\\w` as Python does, which takes letters IAM does not)."""
    allowed = string.ascii_letters + string.digits + "+=,.@_-"
    refused = " \"'!#$%&()*:;<>?[]^`{|}~\\"
    out = []
    for _ in range(count):
        size = rng.choice([0, 1, 2, 63, 64, 65, 80])
        name = "".join(rng.choice(allowed) for _ in range(size))
        if name and rng.random() < 0.25:
            at = rng.randrange(len(name))
            name = name[:at] + rng.choice(refused) + name[at + 1 :]
        path = ""
        if rng.random() < 0.4:
            # The catalog's role patterns hold a path and name to 512 characters in all, within
            # IAM's 512 for the path alone: a path drawn long reaches that total, not past it.
            length = max(1, rng.choice([1, 10, 510 - len(name), 511 - len(name)]))
            path = "".join(rng.choice(allowed) for _ in range(length)) + "/"
        out.append(path + name)
    return out


def test_stack_refuses_the_names_iam_refuses_as_cfn_lint_does(tmp_path: Path) -> None:
    """Every drawn --role-name and --assumes-roles name: the stack refuses it (one line naming the
    option and the limit) exactly when cfn-lint finds its RoleName or Path wrong."""
    from iam_catalog.iam import names

    rng = random.Random(20261207)
    drawn = _drawn_names(rng, examples(120))
    verdicts, files = {}, {}
    for i, name in enumerate(drawn):
        # An empty --assumes-roles is no role at all: an empty name is drawn for --role-name.
        option = "--assumes-roles" if i % 2 and name else "--role-name"
        if option == "--assumes-roles":
            name = drawn[i] = name.replace(",", ".")  # the option's list separator
        # OPTION=VALUE: a name may begin with -, which argparse would read as an option.
        argv = ["--types", "dynamodb", "--account", "123456789012"]
        argv += (
            [f"{option}={name}"]
            if option == "--assumes-roles"
            else ["--assumes-roles=teleport-user", f"{option}={name}"]
        )
        code, _, err = run("stack", *argv)
        verdicts[i] = code == 0
        if code != 0:
            assert err.count("\n") == 1 and err.startswith(f"iam-catalog: error: {option} "), (name, err)
            assert any(w in err for w in ("1 to 64", "at most 512", "is not valid", "ASCII", "without spaces")), err
        # Lint the role as the stack writes it, refused or not: cfn-lint is the second opinion.
        path, role = names.split_path(name)
        template = {
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": role,
                        "Path": path,
                        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                    },
                }
            }
        }
        files[i] = tmp_path / f"role-{i}.json"
        files[i].write_text(json.dumps(template))
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    lint = subprocess.run(
        [cfn_lint, "--format", "parseable", *map(str, files.values())], capture_output=True, text=True, check=False
    )
    flagged = {line.split(":", 1)[0] for line in lint.stdout.splitlines() if re.search(r":E30(31|33|34):", line)}
    for i, accepted in verdicts.items():
        assert accepted == (str(files[i]) not in flagged), (drawn[i], accepted, lint.stdout[:2000])
    assert 0 < sum(verdicts.values()) < len(verdicts)  # the draws reach both sides of the limits


def test_stack_help_lists_every_trust_of_the_catalog() -> None:
    """--trust's help names each trust the catalog's deploy section holds, from that same data,
    its first as the default."""
    from iam_catalog.cli import parser

    code, _, _ = run("list-types")  # the compiled catalog, cached as the help reads it
    assert code == 0
    top = parser("stack")
    sub = next(a for a in top._actions if a.dest == "command").choices["stack"]  # type: ignore[attr-defined]
    (trust,) = [a for a in sub._actions if "--trust" in a.option_strings]
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    deploy = compile_catalog(load_directory(Path(bundled_dir())).require())["deploy"]
    ids = [t["id"] for t in deploy["trust"]]
    assert all(f"`{i}` (" in trust.help for i in ids), trust.help
    assert f"`{ids[0]}` (the default," in trust.help
