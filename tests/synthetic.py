"""A synthetic catalog N times the size of the real one, for benchmarks and size-limit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from iam_catalog.catalog.location import bundled_dir

# Grants every synthetic type shares: the merged policy stays small however many types there are.
_SHARED_STATEMENTS = [
    ("Describe", "rds:DescribeDBInstances", "*"),
    ("Proxies", "rds:DescribeDBProxies", "*"),
]
# Grants of its own: each type makes the merged policy longer.
_STATEMENTS = [
    ("Connect", "rds-db:connect", "arn:${{Partition}}:rds-db:${{Region}}:${{Account}}:dbuser:db-{n}/user-{n}"),
    ("Describe", "rds:DescribeDBInstances", "arn:${{Partition}}:rds:${{Region}}:${{Account}}:db:database-{n}"),
    ("Assume", "sts:AssumeRole", "arn:${{Partition}}:iam::${{Account}}:role/synthetic-role-{n}"),
]


def synthetic_type(n: int, *, own_grants: bool = False) -> str:
    type_id = f"synthetic-{n:03d}"
    sid = f"Synthetic{n:03d}"
    statements = "".join(
        f"""      - sid: {sid}{name}
        actions: {action}
        resources: "{resource.format(n=n)}"
        purpose: Synthetic statement {name.lower()} number {n} for measuring scale.
"""
        for name, action, resource in (_STATEMENTS if own_grants else _SHARED_STATEMENTS)
    )
    return f"""# yaml-language-server: $schema=schema.json
id: {type_id}
title: Synthetic {n:03d}
summary: Generated type number {n}.
intro: |
  A generated type that stands in for a real one when measuring how the site scales.
policies:
  - id: database-service
    attach: service
    statements:
{statements}    notes: |
      Generated notes with `code`, **bold** text and a [link](https://example.com/{n}).
"""


def write_catalog(target: Path, extra_types: int, *, own_grants: bool = False) -> Path:
    """The project's catalog plus `extra_types` generated ones, in `target`."""
    shutil.copytree(Path(bundled_dir()), target)
    for n in range(extra_types):
        (target / f"synthetic-{n:03d}.yaml").write_text(synthetic_type(n, own_grants=own_grants))
    return target
