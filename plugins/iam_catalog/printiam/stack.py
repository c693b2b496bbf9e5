"""`iam-catalog stack`: the roles print-iam's policy is for, as a CloudFormation template or a
Terraform module that an operator deploys unchanged.

A stack holds the service's role, trusted by the catalog's trust policy for where Teleport runs;
print-iam's policy for the request, split as `--split` splits it; an instance profile where the
trust asks for one; a role for each database user the service assumes, trusting the service's
role by the catalog's own trust policy; and outputs. A value that no option gave and that the
catalog says the deployment knows (the account, the partition, the region) is taken from where
the stack is deployed. Works on the compiled catalog, like print-iam.
"""

from __future__ import annotations

import copy
import json

from iam_catalog.iam import names as iam_names
from iam_catalog.iam.documents import (
    INLINE_ROLE_LIMIT,
    TRUST_POLICY_LIMIT,
    compact_size,
    document,
    dumps,
    fill_one,
    fill_statement,
    placeholders,
)
from iam_catalog.printiam.formats import (
    Block,
    check_dynamic_references,
    hcl_block,
    hcl_string,
    policy_document_block,
    policy_names,
)
from iam_catalog.printiam.request import (
    Request,
    RequestError,
    answer,
    check_value,
    how_to_fill,
    option_hint,
    resolve_services,
    resolve_types,
    shown,
    split_document,
)
from iam_catalog.reporting import Format, Formats, stdout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from iam_catalog.printiam.request import Answer

# What a deployed stack knows of where it runs: CloudFormation's pseudo parameter, Terraform's
# expression (with the data source it needs), and the longest value, for the size quotas.
DEPLOYMENT = {
    "account-id": ("AWS::AccountId", "data.aws_caller_identity.current.account_id", 12),
    "partition": ("AWS::Partition", "data.aws_partition.current.partition", 10),
    "region": ("AWS::Region", "data.aws_region.current.name", 20),
}
POLICY_KINDS = {
    "managed": "customer managed policies attached to the role, each within IAM's 6,144 characters",
    "inline": "inline policies of the role, all within IAM's 10,240 characters for one role",
}
DESCRIPTION_LIMIT = 1000  # CloudFormation takes 1,024 characters for a template's description


class StackRequest:
    def __init__(
        self,
        request: Request,
        *,
        role_name: str | None = None,
        trust: str | None = None,
        trust_values: dict[str, str] | None = None,
        external_id: str | None = None,
        policy: str = "managed",
    ) -> None:
        self.request = request  # print-iam's request; its role is the stack's role
        self.role_name = role_name
        self.trust = trust  # a trust choice's id; None: the catalog's first
        self.trust_values = trust_values or {}  # option (trusted-principal, ...): value
        self.external_id = external_id
        self.policy = policy  # a key of POLICY_KINDS


class Role:
    def __init__(self, name: str, path: str, trust: dict[str, Any]) -> None:
        self.name, self.path, self.trust = name, path, trust


class Stack:
    """What both writers write: the same resources, named alike."""

    def __init__(
        self,
        description: str,
        service: Role,
        policies: list[dict[str, Any]],
        policy: str,
        instance_profile: bool,
        users: list[Role],
        deployed: dict[str, str],
        answer: Answer,
    ) -> None:
        self.description = description
        self.service = service
        self.policies = policies  # print-iam's policy, split
        self.policy = policy  # managed or inline
        self.instance_profile = instance_profile
        self.users = users  # database-user roles
        self.deployed = deployed  # placeholder name: the deployment's fact that fills it
        self.answer = answer
        # The name of each policy, as both writers name it.
        count = len(policies)
        self.policy_names = [f"{service.name}-policy" + (f"-{i}" if count > 1 else "") for i in range(1, count + 1)]


def _role(path_and_name: str, trust: dict[str, Any]) -> Role:
    """An IAM role's name may carry a path (`teleport/db`): IAM keeps the two apart."""
    path, name = iam_names.split_path(path_and_name)
    return Role(name, path, trust)


def _iam_names(made: Stack, role_name: str, users: list[str]) -> None:
    """Every name the stack writes, held to IAM's rules before anything is written: the roles
    (whether or not a chosen type declares database-user roles), the policies and the instance
    profile, and no two roles that IAM takes for one."""
    for option, value in (("role-name", role_name), *(("assumes-roles", u) for u in users)):
        problem = iam_names.role_problem(value)
        if problem:
            raise RequestError(f"--{option} {shown(value)}: {problem}", option)
    twice = iam_names.same_name([made.service.name, *(u.name for u in made.users)])
    if twice:
        first, second = twice
        alike = "" if first == second else f" (as {shown(second)}: IAM takes names without regard to case)"
        what = "the service's own role" if first == made.service.name else "a role twice"
        raise RequestError(f"--assumes-roles names {what}, {shown(first)}{alike}", "assumes-roles")
    named = [(iam_names.POLICY, n) for n in made.policy_names]
    named += [(iam_names.INSTANCE_PROFILE, made.service.name)] if made.instance_profile else []
    for rule, name in named:
        problem = rule.problem(name)
        if problem:
            raise RequestError(f"--role-name: the stack's {rule.what} {shown(name)}: {problem}", "role-name")


def _options_text(stack: StackRequest, result: Answer, types: list[str], role: str, trust: str) -> str:
    """The options that made the stack, in one order, each value as it was checked."""
    r = stack.request
    pairs: list[tuple[str, str]] = [("types", ",".join(types))]
    pairs += [("service", ",".join(s["id"] for s in result.services))] if r.services else []
    pairs += [("role-name", role), ("trust", trust)]
    pairs += [(option, stack.trust_values[option]) for option in sorted(stack.trust_values)]
    for option, value in (("account", r.account), ("partition", r.partition), ("region", r.region)):
        pairs += [(option, value)] if value is not None else []
    pairs += [("assumes-roles", ",".join(result.assumes_roles))] if result.assumes_roles else []
    pairs += [("external-id", stack.external_id)] if stack.external_id is not None else []
    pairs += [("var", f"{k}={r.variables[k]}") for k in sorted(r.variables)]
    pairs += [("optional", "")] if r.optional else []
    without = list(dict.fromkeys(c.strip() for c in r.without if c.strip()))
    pairs += [("without", ",".join(without))] if without else []
    pairs += [("scope", f"{k}={v}") for k in sorted(r.scopes) for v in dict.fromkeys(r.scopes[k])]
    pairs += [("policy", stack.policy)]
    return " ".join(f"--{k} {v}" if v else f"--{k}" for k, v in pairs)


def _filled(
    statements: list[dict[str, Any]],
    values: Mapping[str, Any],
    deployed: Mapping[str, str],
    what: str,
    options: Mapping[str, str],
) -> dict[str, Any]:
    """A trust policy from the catalog's templates; a placeholder left is an error naming its option."""
    doc = document(_fill_keys(fill_statement(st, values), values) for st in statements)
    left = [n for n in dict.fromkeys(placeholders(json.dumps(doc))) if n not in deployed]
    if left:
        how = ", ".join(option_hint(options, n) for n in left)
        raise RequestError(f"{what} needs {how}: a stack must not deploy a placeholder", options.get(left[0]))
    return doc


def _fill_keys(statement: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A trust policy's condition keys may name what the reader gives (`${OidcProvider}:sub`)."""
    if "Condition" not in statement:
        return statement
    conditions = {
        op: {fill_one(k, values): v for k, v in pairs.items()} for op, pairs in statement["Condition"].items()
    }
    return {**statement, "Condition": conditions}


def _worst_case(doc: dict[str, Any], deployed: dict[str, str]) -> dict[str, Any]:
    """The document as long as the deployment can make it, to measure against a quota."""
    longest = {name: "x" * DEPLOYMENT[fact][2] for name, fact in deployed.items()}
    return document(fill_statement(st, longest) for st in doc["Statement"])


def _split(doc: dict[str, Any], deployed: dict[str, str], kind: str) -> list[dict[str, Any]]:
    """Print-iam's split, measured with the longest values the deployment can fill in."""
    sized = split_document(_worst_case(doc, deployed))
    parts, start = [], 0
    for part in sized:
        count = len(part["Statement"])
        parts.append({**doc, "Statement": doc["Statement"][start : start + count]})
        start += count
    total = sum(compact_size(p) for p in sized)
    if kind == "inline" and total > INLINE_ROLE_LIMIT:
        raise RequestError(
            f"--policy inline: the policy is {total} characters, over IAM's {INLINE_ROLE_LIMIT} for a role's"
            " inline policies: use --policy managed",
            "policy",
        )
    return parts


def database_user_trust(
    deploy: dict[str, Any],
    values: dict[str, Any],
    external_id: bool,
    deployed: Mapping[str, str] = {},
    options: Mapping[str, str] = {},
) -> dict[str, Any]:
    """The trust policy the catalog gives each database-user role: the service's role may
    assume it (with the external ID, where one is set)."""
    template = deploy["database_user_trust_external_id" if external_id else "database_user_trust"]
    return _filled(template, values, deployed, "a database-user role", options)


def stack(compiled: dict[str, Any], request: StackRequest) -> Stack:
    deploy = compiled.get("deploy")
    if not deploy:
        raise RequestError("this catalog has no deploy section in its shared file: it cannot write a stack")
    if request.policy not in POLICY_KINDS:
        raise RequestError(f"--policy {shown(request.policy)}: expected one of {', '.join(POLICY_KINDS)}", "policy")
    choices = {t["id"]: t for t in deploy["trust"]}
    trust_id = deploy["trust"][0]["id"] if request.trust is None else request.trust.strip()
    if trust_id not in choices:
        raise RequestError(f"--trust {shown(trust_id)}: expected one of {', '.join(choices)}", "trust")
    services = resolve_services(compiled, request.request.services)
    role_name = (
        compiled["variables"][services[0]["identity"]]["default"] if request.role_name is None else request.role_name
    )
    for service in services:
        check_value(compiled["variables"][service["identity"]], role_name, "role-name", "--role-name")
    print_request = copy.copy(request.request)
    print_request.role, print_request.user = role_name, None
    given = {"account": print_request.account, "partition": print_request.partition, "region": print_request.region}
    declared = {**compiled["variables"], **deploy["variables"]}
    # A fact of the deployment that an option gives (--account) fills each variable of that fact.
    known = {
        fact: given[declared[name]["option"]]
        for name, fact in deploy["from_deployment"].items()
        if given.get(declared.get(name, {}).get("option")) is not None
    }
    deployed = {
        name: fact
        for name, fact in deploy["from_deployment"].items()
        if fact not in known and name not in print_request.variables
    }
    result = answer(compiled, print_request, deployed=list(deployed))
    left = [n for n in result.unfilled if n not in deployed]
    if left:
        how = ", ".join(how_to_fill(result, n) for n in left)
        raise RequestError(
            f"the policy needs {how}: a stack must not deploy a placeholder", result.options.get(left[0])
        )

    # Values every trust policy may use: the request's, the deployment's, the stack's options.
    values: dict[str, Any] = {name: f"${{{name}}}" for name in deployed}
    for name, variable in declared.items():
        if name not in deployed and not variable.get("example", True):
            values[name] = variable["default"]
    values.update(result.values)
    values.update(
        (name, known[fact])
        for name, fact in deploy["from_deployment"].items()
        if fact in known and name not in print_request.variables
    )
    by_option = {v["option"]: name for name, v in deploy["variables"].items() if "option" in v}
    for option, value in sorted(request.trust_values.items()):
        name = by_option.get(option)
        if name is None:
            raise RequestError(f"--{option}: the catalog declares no such trust value", option)
        check_value(declared[name], value, option, f"--{option}")
        values[name] = value
    external = deploy["external_id_variable"]
    if request.external_id is not None:
        check_value(declared[external], request.external_id, "external-id", "--external-id")
        values[external] = request.external_id
    for service in services:
        values[service["identity"]] = role_name
    options = {name: v["option"] for name, v in declared.items() if "option" in v}
    options[external] = "external-id"

    choice = choices[trust_id]
    service_trust = _filled(choice["statements"], values, deployed, f"--trust {trust_id}", options)
    users = []
    for user_role in result.assumes_roles:
        trust = database_user_trust(deploy, values, request.external_id is not None, deployed, options)
        users.append(_role(user_role, trust))
    for made in (*users, _role(role_name, service_trust)):
        size = compact_size(_worst_case(made.trust, deployed))
        if size > TRUST_POLICY_LIMIT:
            raise RequestError(f"the trust policy of {made.name} is {size} characters, over IAM's {TRUST_POLICY_LIMIT}")

    types = [t["id"] for t in resolve_types(compiled, print_request.types)]
    titles = " and ".join(s["title"] for s in result.services)
    description = (
        f"The IAM role of the Teleport {titles}, from iam-catalog (catalog {compiled['revision']}): "
        f"iam-catalog stack {_options_text(request, result, types, role_name, trust_id)}"
    )
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 3] + "..."
    written = Stack(
        description,
        _role(role_name, service_trust),
        _split(result.document, deployed, request.policy),
        request.policy,
        bool(choice.get("instance_profile")),
        users,
        deployed,
        result,
    )
    _iam_names(written, role_name, result.assumes_roles)
    return written


# --- CloudFormation ----------------------------------------------------------------------


def _sub(text: str, pseudo: Mapping[str, str]) -> str | dict[str, str]:
    """A string as CloudFormation must see it: plain, or, where it holds a value the deployment
    fills, an `Fn::Sub` in which every other `${` stays literal (`${!`)."""
    first, *rest = text.split("${")
    out, substituted = [first], False
    for part in rest:
        name, brace, after = part.partition("}")
        if brace and name in pseudo:
            out.append("${" + pseudo[name] + "}" + after)
            substituted = True
        else:
            out.append("${!" + part)
    return {"Fn::Sub": "".join(out)} if substituted else text


def _cloudformation_value(value: Any, pseudo: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _sub(value, pseudo)
    if isinstance(value, list):
        return [_cloudformation_value(v, pseudo) for v in value]
    if isinstance(value, dict):
        for key in value:
            if set(placeholders(key)) & set(pseudo):
                raise RequestError(f"the key {shown(key)} holds a value the deployment fills, which a key cannot")
        return {k: _cloudformation_value(v, pseudo) for k, v in value.items()}
    return value


def _arn(logical: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical, "Arn"]}


def cloudformation(result: Stack) -> str:
    pseudo = {name: DEPLOYMENT[fact][0] for name, fact in result.deployed.items()}
    titles = " and ".join(s["title"] for s in result.answer.services)
    service = result.service
    resources: dict[str, Any] = {
        "ServiceRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": service.name,
                "Path": service.path,
                "Description": f"The role of the Teleport {titles}, from iam-catalog",
                "AssumeRolePolicyDocument": _cloudformation_value(service.trust, pseudo),
            },
        }
    }
    managed = result.policy == "managed"
    for i, (doc, name) in enumerate(zip(result.policies, result.policy_names, strict=True), start=1):
        suffix = "" if len(result.policies) == 1 else str(i)
        properties: dict[str, Any] = {
            ("ManagedPolicyName" if managed else "PolicyName"): name,
            "PolicyDocument": _cloudformation_value(doc, pseudo),
            "Roles": [{"Ref": "ServiceRole"}],
        }
        if managed:
            properties = {"Description": f"IAM permissions of the Teleport {titles}", **properties}
        kind = "AWS::IAM::ManagedPolicy" if managed else "AWS::IAM::Policy"
        resources[f"ServicePolicy{suffix}"] = {"Type": kind, "Properties": properties}
    outputs: dict[str, Any] = {
        "RoleArn": {"Description": "The service's role", "Value": _arn("ServiceRole")},
        "RoleName": {"Description": "The service's role", "Value": {"Ref": "ServiceRole"}},
    }
    if result.instance_profile:
        resources["InstanceProfile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {
                "InstanceProfileName": service.name,
                "Path": service.path,
                "Roles": [{"Ref": "ServiceRole"}],
            },
        }
        outputs["InstanceProfileName"] = {
            "Description": "The EC2 instance profile",
            "Value": {"Ref": "InstanceProfile"},
        }
        outputs["InstanceProfileArn"] = {"Description": "The EC2 instance profile", "Value": _arn("InstanceProfile")}
    for i, user in enumerate(result.users, start=1):
        # IAM checks that a trust policy's principal exists: the service's role comes first.
        resources[f"DatabaseUserRole{i}"] = {
            "Type": "AWS::IAM::Role",
            "DependsOn": "ServiceRole",
            "Properties": {
                "RoleName": user.name,
                "Path": user.path,
                "Description": f"A database user that the Teleport {titles} assumes, from iam-catalog",
                "AssumeRolePolicyDocument": _cloudformation_value(user.trust, pseudo),
            },
        }
        outputs[f"DatabaseUserRole{i}Arn"] = {
            "Description": f"Database-user role {user.name}",
            "Value": _arn(f"DatabaseUserRole{i}"),
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": result.description,
        "Resources": resources,
        "Outputs": outputs,
    }
    check_dynamic_references(template)
    return dumps(template)


# --- Terraform ---------------------------------------------------------------------------


def _attribute_block(header: str, attributes: list[tuple[str, str]]) -> str:
    return "\n".join(hcl_block(Block(header, attributes)))


def terraform(result: Stack) -> str:
    used = {
        n
        for doc in (*result.policies, result.service.trust, *(u.trust for u in result.users))
        for n in placeholders(json.dumps(doc))
    }
    facts = list(dict.fromkeys(fact for name, fact in result.deployed.items() if name in used))
    expressions = {name: DEPLOYMENT[fact][1] for name, fact in result.deployed.items()}
    titles = " and ".join(s["title"] for s in result.answer.services)
    service = result.service
    # The description is a comment: hcl_string's escapes keep it on its line, whatever it holds.
    blocks = [f"# {hcl_string(result.description)[1:-1]}"]
    # The data source each expression reads: data.aws_partition.current.partition reads aws_partition.
    blocks += [f'data "{DEPLOYMENT[fact][1].split(".")[1]}" "current" {{}}' for fact in facts]
    names = policy_names(result.policies, result.answer.services)
    blocks += [policy_document_block(n, doc, expressions) for n, doc in zip(names, result.policies, strict=True)]
    blocks.append(policy_document_block("service_trust", service.trust, expressions))
    blocks.append(
        _attribute_block(
            'resource "aws_iam_role" "service"',
            [
                ("name", hcl_string(service.name)),
                ("path", hcl_string(service.path)),
                ("description", hcl_string(f"The role of the Teleport {titles}, from iam-catalog")),
                ("assume_role_policy", "data.aws_iam_policy_document.service_trust.json"),
            ],
        )
    )
    for name, written in zip(names, result.policy_names, strict=True):
        policy_name = hcl_string(written)
        document = f"data.aws_iam_policy_document.{name}.json"
        if result.policy == "managed":
            blocks.append(
                _attribute_block(
                    f"resource {hcl_string('aws_iam_policy')} {hcl_string(name)}",
                    [
                        ("name", policy_name),
                        ("description", hcl_string(f"IAM permissions of the Teleport {titles}")),
                        ("policy", document),
                    ],
                )
            )
            blocks.append(
                _attribute_block(
                    f"resource {hcl_string('aws_iam_role_policy_attachment')} {hcl_string(name)}",
                    [("role", "aws_iam_role.service.name"), ("policy_arn", f"aws_iam_policy.{name}.arn")],
                )
            )
        else:
            blocks.append(
                _attribute_block(
                    f"resource {hcl_string('aws_iam_role_policy')} {hcl_string(name)}",
                    [("name", policy_name), ("role", "aws_iam_role.service.id"), ("policy", document)],
                )
            )
    outputs = [("role_arn", "aws_iam_role.service.arn"), ("role_name", "aws_iam_role.service.name")]
    if result.instance_profile:
        blocks.append(
            _attribute_block(
                'resource "aws_iam_instance_profile" "service"',
                [
                    ("name", hcl_string(service.name)),
                    ("path", hcl_string(service.path)),
                    ("role", "aws_iam_role.service.name"),
                ],
            )
        )
        outputs += [
            ("instance_profile_name", "aws_iam_instance_profile.service.name"),
            ("instance_profile_arn", "aws_iam_instance_profile.service.arn"),
        ]
    for i, user in enumerate(result.users, start=1):
        blocks.append(policy_document_block(f"database_user_trust_{i}", user.trust, expressions))
        blocks.append(
            _attribute_block(
                f'resource "aws_iam_role" "database_user_{i}"',
                [
                    ("name", hcl_string(user.name)),
                    ("path", hcl_string(user.path)),
                    (
                        "description",
                        hcl_string(f"A database user that the Teleport {titles} assumes, from iam-catalog"),
                    ),
                    ("assume_role_policy", f"data.aws_iam_policy_document.database_user_trust_{i}.json"),
                    # IAM checks that a trust policy's principal exists: the service's role comes first.
                    ("depends_on", "[aws_iam_role.service]"),
                ],
            )
        )
        outputs.append((f"database_user_role_{i}_arn", f"aws_iam_role.database_user_{i}.arn"))
    blocks += [_attribute_block(f'output "{name}"', [("value", value)]) for name, value in outputs]
    return "\n\n".join(blocks) + "\n"


WRITERS = Formats(
    Format("cloudformation", "a CloudFormation template", stdout(cloudformation)),
    Format("terraform", "a Terraform module", stdout(terraform)),
    default="cloudformation",
)


def read_policy(
    compiled: dict[str, Any], roles: list[str], account: str | None, partition: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The least policy that `check --aws` needs to read these roles (none: the catalog's
    default), and the options that would fill the placeholders left."""
    deploy = compiled.get("deploy")
    if not deploy:
        raise RequestError("this catalog has no deploy section in its shared file: it has no read policy")
    declared = {**compiled["variables"], **deploy["variables"]}
    checked = deploy["read_policy_roles"]
    for role in roles:
        check_value(declared[checked], role, "role-name", "--role-name or --assumes-roles")
    values: dict[str, Any] = {checked: roles} if roles else {}
    by_option = {v["option"]: name for name, v in declared.items() if "option" in v}
    for option, value in (("account", account), ("partition", partition)):
        if value is not None and option in by_option:
            check_value(declared[by_option[option]], value, option, f"--{option}")
            values[by_option[option]] = value
    for name, variable in declared.items():
        if not variable["example"]:
            values.setdefault(name, variable["default"])
    doc = document(fill_statement(st, values) for st in deploy["read_policy"])
    options = {name: option for option, name in by_option.items()}
    return doc, [option_hint(options, n) for n in dict.fromkeys(placeholders(json.dumps(doc)))]


def expected_trusts(
    compiled: dict[str, Any], result: Answer, facts: Mapping[str, str], external_id: str | None
) -> dict[str, dict[str, Any]]:
    """The catalog's trust policy for each database-user role of a print-iam answer, with the
    values the answer has and, for the rest, the facts of the account the role is in."""
    deploy = compiled["deploy"]
    values: dict[str, Any] = dict(result.values)
    for name, fact in deploy["from_deployment"].items():
        if fact in facts and (name not in values or values[name] == f"${{{name}}}"):
            values[name] = facts[fact]
    if result.identity is not None:
        for service in result.services:
            values[service["identity"]] = result.identity[1]
    if external_id is not None:
        check_value(compiled["variables"][deploy["external_id_variable"]], external_id, "external-id", "--external-id")
        values[deploy["external_id_variable"]] = external_id
    return {role: database_user_trust(deploy, values, external_id is not None) for role in result.assumes_roles}
