"""The independent IAM evaluators the tests hold the engine to, asked one way from every test
module: moto's evaluator here (actions, resources, Allow and Deny; most conditions ignored, as
../shared/oracles.md says), iam-simulate through tests/simulate.cjs in tests/test_simulate.py."""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import IAMPolicyStatement, PermissionResult


def moto_allows(doc: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    """moto's verdict on one request: some statement allows it and none denies it."""
    allowed = False
    for statement in doc["Statement"]:
        result = IAMPolicyStatement(statement).is_action_permitted(action, resource, None, context)
        if statement["Effect"] == "Deny" and result == PermissionResult.DENIED:
            return False
        allowed |= statement["Effect"] == "Allow" and result == PermissionResult.PERMITTED
    return allowed
