"""The stack as a CloudFormation template: one account's roles, with `Fn::Sub` for what the
deployment fills."""

from __future__ import annotations

from iam_catalog.iam.documents import dumps, placeholders
from iam_catalog.printiam.formats import check_dynamic_references
from iam_catalog.printiam.request import RequestError, shown
from iam_catalog.stack.model import DEPLOYMENT, Role, Stack

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


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
    service, users = result.service_account_roles()
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
    resources.update(_policy_resources(result, service, titles, pseudo))
    outputs: dict[str, Any] = {
        "RoleArn": {"Description": "The service's role", "Value": _arn("ServiceRole")},
        "RoleName": {"Description": "The service's role", "Value": {"Ref": "ServiceRole"}},
    }
    if service.instance_profile:
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
    _database_user_resources(users, titles, pseudo, resources, outputs)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": result.description,
        "Resources": resources,
        "Outputs": outputs,
    }
    check_dynamic_references(template)
    return dumps(template)


def _policy_resources(result: Stack, service: Role, titles: str, pseudo: Mapping[str, str]) -> dict[str, Any]:
    """The service's policies, managed or inline, each on the service's role."""
    resources: dict[str, Any] = {}
    managed = result.policy == "managed"
    for i, (doc, name) in enumerate(zip(service.policies, service.policy_names, strict=True), start=1):
        suffix = "" if len(service.policies) == 1 else str(i)
        properties: dict[str, Any] = {
            ("ManagedPolicyName" if managed else "PolicyName"): name,
            "PolicyDocument": _cloudformation_value(doc, pseudo),
            "Roles": [{"Ref": "ServiceRole"}],
        }
        if managed:
            properties = {"Description": f"IAM permissions of the Teleport {titles}", **properties}
        kind = "AWS::IAM::ManagedPolicy" if managed else "AWS::IAM::Policy"
        resources[f"ServicePolicy{suffix}"] = {"Type": kind, "Properties": properties}
    return resources


def _database_user_resources(
    users: list[Role], titles: str, pseudo: Mapping[str, str], resources: dict[str, Any], outputs: dict[str, Any]
) -> None:
    """Each database-user role, and its ARN among the outputs."""
    for i, user in enumerate(users, start=1):
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
