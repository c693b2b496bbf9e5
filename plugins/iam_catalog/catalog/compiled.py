"""The compiled catalog: what print-iam and the policy builder need, as plain JSON data.

It is written from a catalog that passed every check, so its readers need neither the YAML
reader nor the model: the CLI starts fast, and the builder page's JavaScript reads the same
data the Python merge does.
"""

from __future__ import annotations

from typing import Any

from iam_catalog.catalog.model import SERVICE, Catalog, Variable
from iam_catalog.catalog.policy import statement_template
from iam_catalog.iam.documents import IDENTITY_ARN

FORMAT = 3


def variable_data(v: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"default": v.default, "description": v.description, "example": v.example}
    for key, value in (("pattern", v.pattern), ("hint", v.hint), ("choices", list(v.choices)), ("option", v.option)):
        if value:
            out[key] = value
    return out


def compile_catalog(catalog: Catalog) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "identity_arn": IDENTITY_ARN,
        "services": [
            {"id": s.id, "title": s.title, "identity": s.identity, "sid_prefix": s.sid_prefix}
            for s in catalog.shared.services
        ],
        "variables": {v.name: variable_data(v) for v in catalog.shared.variables},
        "types": [
            {
                "id": t.id,
                "title": t.title,
                "aliases": list(t.aliases),
                "summary": t.summary,
                "variables": {v.name: variable_data(v) for v in t.variables},
                "policies": [
                    {
                        "id": p.id,
                        "service": catalog.service_of(p),
                        "optional": p.optional,
                        "statements": [statement_template(st) for st in p.statements],
                    }
                    for p in t.policies
                    if p.attach == SERVICE
                ],
            }
            for t in catalog.types
        ],
    }
