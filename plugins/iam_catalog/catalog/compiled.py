"""The compiled catalog: what print-iam and the policy builder need, as plain JSON data.

It is written from a catalog that passed every check, so its readers need neither the YAML
reader nor the model: the CLI starts fast, and the builder page's JavaScript reads the same
data the Python merge does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container
from typing import Any

from iam_catalog.catalog.model import (
    Catalog,
    Choice,
    Deploy,
    Policy,
    ScopeVariable,
    Shared,
    Statement,
    Variable,
)
from iam_catalog.catalog.policy import statement_template
from iam_catalog.iam.documents import IDENTITY_ARN, placeholders

FORMAT = 6


def variable_data(v: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"default": v.default, "description": v.description, "example": v.example}
    for key, value in (("pattern", v.pattern), ("hint", v.hint), ("choices", list(v.choices)), ("option", v.option)):
        if value:
            out[key] = value
    return out


def choice_data(c: Choice) -> dict[str, Any]:
    return {"label": c.label, "when": c.when}


def scope_data(v: ScopeVariable) -> dict[str, Any]:
    return {"label": v.label, "description": v.description, "pattern": v.pattern, "hint": v.hint, "example": v.example}


def rule(st: Statement, scopes: Container[str]) -> dict[str, Any]:
    """How a statement is tailored (iam/tailor.py); empty for one that always stays as it is.
    `scopes` holds the names of the scope variables, as opposed to the ordinary variables that
    the templates also use."""
    out: dict[str, Any] = {}
    if st.omit_when:
        out["omit_when"] = list(st.omit_when)
    if st.omit_actions:
        out["omit_actions"] = {choice: list(actions) for choice, actions in st.omit_actions}
    if st.scope:
        out["scope"] = list(st.scope)
        names = (n for template in st.scope for n in placeholders(template) if n in scopes)
        out["scope_variables"] = list(dict.fromkeys(names))
    return out


def _templates(policy: Policy) -> list[dict[str, Any]]:
    return [statement_template(st) for st in policy.statements]


def deploy_data(shared: Shared, deploy: Deploy) -> dict[str, Any]:
    """What `stack` needs beyond the policies: every trust policy as statement templates."""
    steps = {p.id: p for step in shared.steps for p in step.policies()}
    return {
        "from_deployment": dict(deploy.from_deployment),
        "variables": {v.name: variable_data(v) for v in deploy.variables},
        "read_policy": _templates(deploy.read_policy),
        "read_policy_roles": deploy.read_policy_roles,
        "trust": [
            {"id": t.id, "label": t.label, "instance_profile": t.instance_profile, "statements": _templates(t.policy)}
            for t in deploy.trust
        ],
        "database_user_trust": _templates(steps[deploy.user_trust]),
        "database_user_trust_external_id": _templates(steps[deploy.user_trust_external_id]),
        "external_id_variable": deploy.external_id_variable,
    }


def compile_catalog(catalog: Catalog) -> dict[str, Any]:
    compiled = _compile(catalog)
    # What a stack names as the catalog it comes from: the same catalog, the same revision.
    text = json.dumps(compiled, sort_keys=True, separators=(",", ":")).encode()
    return {**compiled, "revision": "sha256:" + hashlib.sha256(text).hexdigest()[:16]}


def _compile(catalog: Catalog) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "identity_arn": IDENTITY_ARN,
        "services": [
            {"id": s.id, "title": s.title, "identity": s.identity, "sid_prefix": s.sid_prefix}
            for s in catalog.shared.services
        ],
        "variables": {v.name: variable_data(v) for v in catalog.shared.variables},
        # Ids and names are unique across the catalog (checks/rules.py), so one table each.
        "choices": {
            c.id: choice_data(c) for c in (*catalog.shared.choices, *(c for t in catalog.types for c in t.choices))
        },
        "scopes": {
            v.name: scope_data(v) for v in (*catalog.shared.scopes, *(v for t in catalog.types for v in t.scopes))
        },
        "types": [
            {
                "id": t.id,
                "title": t.title,
                "aliases": list(t.aliases),
                "summary": t.summary,
                "variables": {v.name: variable_data(v) for v in t.variables},
                "tailoring_services": catalog.tailoring_services(t),
                "policies": [
                    {
                        "id": p.id,
                        "service": catalog.service_of(p),
                        "optional": p.optional,
                        "statements": _templates(p),
                        "rules": [rule(st, catalog.scopes(t)) for st in p.statements],
                    }
                    for p in t.policies
                    if p.kind.merged
                ],
            }
            for t in catalog.types
        ],
        "deploy": deploy_data(catalog.shared, catalog.shared.deploy) if catalog.shared.deploy else None,
    }
