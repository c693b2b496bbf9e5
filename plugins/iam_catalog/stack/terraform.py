"""The stack as a Terraform module: one account's roles, with the data sources that read what
the deployment fills."""

from __future__ import annotations

import json

from iam_catalog.iam.documents import placeholders
from iam_catalog.printiam.formats import Block, hcl_block, hcl_string, policy_document_block, policy_names
from iam_catalog.stack.model import DEPLOYMENT, Role, Stack


def _attribute_block(header: str, attributes: list[tuple[str, str]]) -> str:
    return "\n".join(hcl_block(Block(header, attributes)))


def terraform(result: Stack) -> str:
    service, users = result.service_account_roles()
    used = {
        n
        for doc in (*service.policies, service.trust, *(u.trust for u in users))
        for n in placeholders(json.dumps(doc))
    }
    facts = list(dict.fromkeys(fact for name, fact in result.deployed.items() if name in used))
    expressions = {name: DEPLOYMENT[fact][1] for name, fact in result.deployed.items()}
    titles = " and ".join(s["title"] for s in result.answer.services)
    # The description is a comment: hcl_string's escapes keep it on its line, whatever it holds.
    blocks = [f"# {hcl_string(result.description)[1:-1]}"]
    # The data source each expression reads: data.aws_partition.current.partition reads aws_partition.
    blocks += [f'data "{DEPLOYMENT[fact][1].split(".")[1]}" "current" {{}}' for fact in facts]
    names = policy_names(service.policies, result.answer.services)
    blocks += [policy_document_block(n, doc, expressions) for n, doc in zip(names, service.policies, strict=True)]
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
    blocks += _policy_blocks(result, service, names, titles)
    outputs = [("role_arn", "aws_iam_role.service.arn"), ("role_name", "aws_iam_role.service.name")]
    if service.instance_profile:
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
    blocks += _database_user_blocks(users, titles, expressions, outputs)
    blocks += [_attribute_block(f'output "{name}"', [("value", value)]) for name, value in outputs]
    return "\n\n".join(blocks) + "\n"


def _policy_blocks(result: Stack, service: Role, names: list[str], titles: str) -> list[str]:
    """The service's policies, managed and attached, or inline."""
    blocks = []
    for name, written in zip(names, service.policy_names, strict=True):
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
    return blocks


def _database_user_blocks(
    users: list[Role], titles: str, expressions: dict[str, str], outputs: list[tuple[str, str]]
) -> list[str]:
    """Each database-user role with its trust policy; each role's ARN goes to the outputs."""
    blocks = []
    for i, user in enumerate(users, start=1):
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
    return blocks
