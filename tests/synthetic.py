"""A synthetic catalog N times the size of the real one, for benchmarks and size-limit tests.

Each generated type looks like a real one: statements of its own, which no other type's grant
covers (so the merged policy grows with every type, as it would), ARNs with literal names, and
every other type a database-user role with the shared assume-role steps, as DynamoDB or
Keyspaces have, and a Discovery Service policy, as most types have. Like the real types, each
tailors: its role statement goes with a shared choice, and its connect statement on `*`
declares a scope with a scope variable of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from iam_catalog.catalog.location import bundled_dir

# Actions that no real type grants on "*", so that no real grant covers these in a merge.
_STATEMENTS = [
    ("ReadTable", "dynamodb:GetItem", "arn:${{Partition}}:dynamodb:${{Region}}:${{Account}}:table/table-{n}"),
    (
        "ReadSecret",
        "secretsmanager:GetSecretValue",
        "arn:${{Partition}}:secretsmanager:${{Region}}:${{Account}}:secret:synthetic-{n}/*",
    ),
    ("ConnectAsIAMRole", "sts:AssumeRole", "arn:${{Partition}}:iam::${{Account}}:role/synthetic-role-{n}"),
    ("Connect", "rds-db:connect", "*"),
]
# How each of the statements above tailors, as a real type's would.
_TAILORING = {
    "ConnectAsIAMRole": "        omit_when: [assume-role]\n",
    "Connect": (
        '        scope: "arn:${{Partition}}:rds-db:${{Region}}:${{Account}}:dbuser:'
        '${{Synthetic{n:03d}ResourceId}}/${{DbUserName}}"\n'
    ),
}
_SCOPES = """scopes:
  Synthetic{n:03d}ResourceId:
    label: Synthetic resource ID
    description: Resource ID of a database of synthetic type {n}.
    pattern: "[A-Za-z0-9*?-]{{1,64}}"
    hint: a resource ID such as db-{n:03d}
    example: db-{n:03d}
"""

_DATABASE_USER = """variables:
  DatabaseUserRole:
    default: synthetic-user-role-{n}
    description: IAM role the Database Service assumes for synthetic type {n}.
    pattern: "[A-Za-z0-9+=,.@_/-]{{1,512}}"
database_user:
  title: IAM role as a synthetic database user
  intro: |
    The Database Service assumes a user-specified IAM role for synthetic type {n}.
  assume_role: true
"""


def synthetic_type(n: int) -> str:
    type_id = f"synthetic-{n:03d}"
    sid = f"Synthetic{n:03d}"
    statements = "".join(
        f"""      - sid: {sid}{name}
        actions: {action}
        resources: "{resource.format(n=n)}"
{_TAILORING.get(name, "").format(n=n)}        purpose: Synthetic {name.lower()} number {n}, for measuring scale.
"""
        for name, action, resource in _STATEMENTS
    )
    user = _DATABASE_USER.format(n=n) if n % 2 else ""
    return f"""# yaml-language-server: $schema=schema.json
id: {type_id}
title: Synthetic {n:03d}
summary: Generated type number {n}.
intro: |
  A generated type that stands in for a real one when measuring how the site scales.
{_SCOPES.format(n=n)}policies:
  - id: database-service
    attach: service
    statements:
{statements}    notes: |
      Generated notes with `code`, **bold** text and a [link](https://example.com/{n}).
  - id: discovery
    attach: service
    service: discovery
    statements:
      - sid: {sid}Discovery
        actions: dynamodb:DescribeTable
        resources: "arn:${{Partition}}:dynamodb:${{Region}}:${{Account}}:table/table-{n}"
        purpose: Find the tables of synthetic type number {n} to register them as databases.
{user}"""


def write_catalog(target: Path, extra_types: int) -> Path:
    """The project's catalog plus `extra_types` generated ones, in `target`."""
    shutil.copytree(Path(bundled_dir()), target)
    for n in range(extra_types):
        (target / f"synthetic-{n:03d}.yaml").write_text(synthetic_type(n))
    return target


# Actions that a DynamoDB table's ARN scopes, so that every statement of a large type is valid.
_TABLE_ACTIONS = ["GetItem", "PutItem", "Query", "Scan", "UpdateItem", "DeleteItem", "DescribeTable", "BatchGetItem"]


def large_type(statements: int) -> str:
    """One type with `statements` statements of its own, each on its own table, as a type that
    grew by hand would be: for measuring the checks that compare statements with each other."""
    body = "".join(
        f"""      - sid: Large{i}
        actions: dynamodb:{_TABLE_ACTIONS[i % len(_TABLE_ACTIONS)]}
        resources: "arn:${{Partition}}:dynamodb:${{Region}}:${{Account}}:table/table-{i}"
        purpose: Statement number {i} of a large type.
"""
        for i in range(statements)
    )
    return f"""id: large
title: Large
summary: A type with {statements} statements.
unsupported:
  discovery: Measured on its own.
policies:
  - id: database-service
    attach: service
    statements:
{body}"""
