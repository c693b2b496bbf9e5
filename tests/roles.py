"""Roles as operators export them, for the tests of check and explain:
`get-account-authorization-details` of one role, with its managed policies and boundary."""

from __future__ import annotations

import json
from typing import Any

GUARD_ACCOUNT = "123456789012"


def details(policies: list[dict[str, Any]] | None = None, **role: Any) -> str:
    """get-account-authorization-details of one role; `policies`: its customer managed ones."""
    base = {"RoleName": "r", "RolePolicyList": [], "AttachedManagedPolicies": []}
    return json.dumps({"RoleDetailList": [{**base, **role}], "Policies": policies or []})


def bounded(policy: dict[str, Any], boundary: dict[str, Any], name: str) -> str:
    """get-account-authorization-details of role `teleport`: `policy` inline, under the
    customer managed policy `name` (`boundary`) as its permissions boundary."""
    arn = f"arn:aws:iam::{GUARD_ACCOUNT}:policy/{name}"
    inline = [{"PolicyName": "inline", "PolicyDocument": json.dumps(policy)}]
    version = {"VersionId": "v1", "Document": json.dumps(boundary)}
    managed = {"PolicyName": name, "Arn": arn, "DefaultVersionId": "v1", "PolicyVersionList": [version]}
    role = {"RoleName": "teleport", "RolePolicyList": inline, "PermissionsBoundary": {"PermissionsBoundaryArn": arn}}
    return details([managed], **role)
