"""What a deployed identity may do, read from what operators have in hand: policy documents,
`aws iam get-role-policy`, `aws iam get-account-authorization-details` (one role's inline and
managed policies and its permissions boundary) and a Terraform plan (`terraform show -json`).

Each input is read by `reader` (bounded, no duplicate keys, numbers as their text); a file
that IAM would refuse, or that is not one of these shapes, is an `InputError` whose one line
names the file and the JSON path of what is wrong.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.deployed.reader import InputError, Number, loads, string
from iam_catalog.iam import grammar
from iam_catalog.iam.access import Refused, Undecidable, statements
from iam_catalog.iam.documents import identity_name, statement_list
from iam_catalog.iam.grammar import IDENTITY, TRUST, member

__all__ = ["IDENTITY", "TRUST", "Deployed", "InputError", "combine", "policy_document", "read"]


@dataclass
class Deployed:
    """One identity: the policies attached to it, and the boundary that caps them, if any."""

    policies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (label, document)
    boundary: tuple[str, dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)  # what was read, or left aside, for the reader

    def document(self) -> dict[str, Any]:
        """Every statement of every policy, named by its policy so a witness says where it is."""
        out = []
        for label, doc in self.policies:
            for i, st in enumerate(statement_list(doc)):
                out.append({**st, "Sid": f"{label}: {st.get('Sid') or f'#{i + 1}'}"})
        return {"Version": "2012-10-17", "Statement": out}


def _scalars_as_text(statement: Any) -> Any:
    """IAM takes JSON booleans and numbers as condition values and reads them as their text
    (`true`, `3600`): so does the engine."""
    if not isinstance(statement, dict) or not isinstance(statement.get("Condition"), dict):
        return statement

    def text(value: Any) -> Any:
        if isinstance(value, list):
            return [text(v) for v in value]
        if isinstance(value, Number):
            return str(value)  # its literal text, as written
        return json.dumps(value) if isinstance(value, bool | int | float) else value

    conditions = {
        op: {key: text(v) for key, v in pairs.items()} if isinstance(pairs, dict) else pairs
        for op, pairs in statement["Condition"].items()
    }
    return {**statement, "Condition": conditions}


def _text(value: Any) -> bool:
    return string(value) is not None


def policy_document(
    doc: Any, source: str, path: str, kind: str = IDENTITY, *, url_encoded: bool = False
) -> dict[str, Any]:
    """A policy document as IAM would accept it for this engine, or an InputError. A string is
    the document's JSON text: URL-encoded when `url_encoded` (IAM's APIs return documents so),
    as it is otherwise (a Terraform plan's, where a literal `%22` is three characters)."""
    if isinstance(doc, str):
        text = urllib.parse.unquote(doc) if url_encoded else doc
        doc = loads(text, f"{source}: {path}")
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise InputError(f"{source}: {path}: not an IAM policy document (no Statement)")
    for key in doc:
        if key not in grammar.POLICY_KEYS:
            raise InputError(f"{source}: {path}{member(key)}: not an element of an IAM policy (Version, Id, Statement)")
    for key in ("Version", "Id"):
        if key in doc and not _text(doc[key]):
            raise InputError(f"{source}: {path}.{key}: must be a string")
    raw = doc["Statement"]
    items = [raw] if isinstance(raw, dict) else raw
    if type(items) is not list:
        raise InputError(f"{source}: {path}.Statement: must be a statement or a list of them")
    for i, st in enumerate(items):
        here = f"{path}.Statement[{i}]" if isinstance(raw, list) else f"{path}.Statement"
        if type(st) is not dict:
            raise InputError(f"{source}: {here}: a statement must be an object")
        if problem := grammar.shape_problem(st):
            raise InputError(f"{source}: {here}{problem}")
    items = [_scalars_as_text(st) for st in items]
    read: dict[str, Any] = {**doc, "Statement": items[0] if isinstance(raw, dict) else items}
    for i, st in enumerate(items):
        here = f"{path}.Statement[{i}]" if isinstance(raw, list) else f"{path}.Statement"
        if not isinstance(st, dict):
            raise InputError(f"{source}: {here}: a statement must be an object")
        if problem := grammar.kind_problem(st, kind):
            raise InputError(f"{source}: {here}{problem}")
        try:
            statements({"Statement": [st]})
        except (Refused, Undecidable) as exc:
            raise InputError(f"{source}: {here}: {exc}") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{source}: {here}: not a statement IAM accepts ({exc})") from None
    return read


def _grouped(entries: list[tuple[str, Any]]) -> dict[str, list[tuple[int, Any]]]:
    """Entries by key, each with its place in the file's list, in the order first met."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for i, (key, entry) in enumerate(entries):
        out.setdefault(key, []).append((i, entry))
    return out


def _the_one(group: list[tuple[int, Any]], what: str, source: str) -> tuple[int, Any]:
    """The one entry IAM keeps for a key: an exact repeat is read once, and two that differ are
    refused, since which one IAM holds cannot be told (the rule the reader keeps for a JSON key
    given twice)."""
    if any(entry != group[0][1] for _, entry in group[1:]):
        raise InputError(f"{source}: {what} twice, and the two differ: keep the one IAM holds")
    return group[0]


def _chosen_role(roles: list[Any], source: str, role: str | None) -> tuple[int, dict[str, Any]]:
    """The role `role` names (its name, or its ARN), or an InputError that says how to name one."""
    if role is None:
        names = ", ".join(str(r.get("RoleName")) for r in roles[:5])
        raise InputError(f"{source}: holds {len(roles)} roles: name one with --role-name ({names})")
    field = "Arn" if role.startswith("arn:") else "RoleName"
    by_arn = {
        arn: group
        for arn, group in _grouped([(str(r.get("Arn")), r) for r in roles]).items()
        if any(r.get(field) == role for _, r in group)
    }
    if not by_arn:
        raise InputError(
            f"{source}: $.RoleDetailList: no role {'of ARN' if field == 'Arn' else 'named'} {json.dumps(role)}"
        )
    chosen = [_the_one(by_arn[arn], f"$.RoleDetailList: the role {arn}", source) for arn in sorted(by_arn)]
    if len(chosen) > 1:
        listed = ", ".join(sorted(by_arn))
        raise InputError(
            f"{source}: $.RoleDetailList: {len(chosen)} roles named {json.dumps(role)} ({listed}): give --role-arn"
        )
    return chosen[0]


def _authorization_details(data: dict[str, Any], source: str, role: str | None) -> Deployed:
    index, detail = _chosen_role(data.get("RoleDetailList") or [], source, role)
    base = f"$.RoleDetailList[{index}]"
    out = Deployed()
    inline = _grouped(
        [(str(p.get("PolicyName", f"inline-{i}")), p) for i, p in enumerate(detail.get("RolePolicyList") or [])]
    )
    for name, group in inline.items():
        i, policy = _the_one(group, f"{base}.RolePolicyList: the inline policy {name}", source)
        here = f"{base}.RolePolicyList[{i}]"
        out.policies.append(
            (name, policy_document(policy.get("PolicyDocument"), source, f"{here}.PolicyDocument", url_encoded=True))
        )
    managed = _grouped([(p.get("Arn"), p) for p in data.get("Policies") or []])

    def version(arn: str, here: str) -> tuple[str, dict[str, Any]]:
        if arn not in managed:
            raise InputError(f"{source}: {here}: {arn} is attached but its versions are not in the file")
        i, policy = _the_one(managed[arn], f"$.Policies: the policy {arn}", source)
        versions = policy.get("PolicyVersionList") or []
        default = policy.get("DefaultVersionId")
        for j, v in enumerate(versions):
            if v.get("VersionId") == default or (default is None and v.get("IsDefaultVersion")):
                return policy.get("PolicyName", arn), policy_document(
                    v.get("Document"), source, f"$.Policies[{i}].PolicyVersionList[{j}].Document", url_encoded=True
                )
        raise InputError(f"{source}: $.Policies[{i}]: no default version ({default}) in PolicyVersionList")

    attached = _grouped([(a.get("PolicyArn", ""), a) for a in detail.get("AttachedManagedPolicies") or []])
    for arn, group in attached.items():
        i, _ = _the_one(group, f"{base}.AttachedManagedPolicies: the attachment of {arn}", source)
        out.policies.append(version(arn, f"{base}.AttachedManagedPolicies[{i}]"))
    boundary = detail.get("PermissionsBoundary")
    if boundary:
        out.boundary = version(boundary.get("PermissionsBoundaryArn", ""), f"{base}.PermissionsBoundary")
    out.notes.append(
        f"role {detail.get('RoleName')}: {len(out.policies)} policies"
        + (", a permissions boundary" if out.boundary else "")
    )
    return out


def _terraform(data: dict[str, Any], source: str, role: str | None) -> Deployed:
    """The IAM policies a plan knows: aws_iam_policy and aws_iam_role_policy values, and the
    JSON of aws_iam_policy_document data sources; values unknown until apply are left aside."""
    out = Deployed()
    seen: set[str] = set()

    def walk(module: dict[str, Any], path: str) -> None:
        for i, resource in enumerate(module.get("resources") or []):
            kind, values = resource.get("type"), resource.get("values") or {}
            address = resource.get("address", f"{path}.resources[{i}]")
            text = {"aws_iam_policy": "policy", "aws_iam_role_policy": "policy", "aws_iam_policy_document": "json"}
            if kind not in text or address in seen:
                continue
            if kind == "aws_iam_role_policy" and role is not None and values.get("role") != role:
                continue
            seen.add(address)
            document = values.get(text[kind])
            if not isinstance(document, str):
                out.notes.append(f"{address}: its policy is known only after apply: left aside")
                continue
            out.policies.append(
                (address, policy_document(document, source, f"{path}.resources[{i}].values.{text[kind]}"))
            )
        for j, child in enumerate(module.get("child_modules") or []):
            walk(child, f"{path}.child_modules[{j}]")

    roots = [
        ((data.get("planned_values") or {}).get("root_module"), "$.planned_values.root_module"),
        (((data.get("prior_state") or {}).get("values") or {}).get("root_module"), "$.prior_state.values.root_module"),
    ]
    for root, path in roots:
        if isinstance(root, dict):
            walk(root, path)
    if not out.policies:
        raise InputError(f"{source}: $.planned_values: the plan holds no IAM policy known before apply")
    return out


def read(name: str, text: str, role: str | None) -> Deployed:
    """One input, whatever its shape; `role` is the role's name, or its ARN."""
    data = loads(text, name)
    if not isinstance(data, dict):
        raise InputError(f"{name}: $: expected a JSON object")
    if "RoleDetailList" not in data and role is not None and role.startswith("arn:"):
        role = identity_name(role).rpartition("/")[2]  # a plan and get-role-policy name the role alone
    try:
        if "RoleDetailList" in data:
            return _authorization_details(data, name, role)
        if "format_version" in data and ("planned_values" in data or "prior_state" in data):
            return _terraform(data, name, role)
        if "PolicyDocument" in data:  # aws iam get-role-policy
            label = data.get("PolicyName") or name
            if role is not None and data.get("RoleName") not in (None, role):
                raise InputError(f"{name}: $.RoleName: the policy is {data['RoleName']}'s, not {role}'s")
            document = policy_document(data["PolicyDocument"], name, "$.PolicyDocument", url_encoded=True)
            return Deployed([(str(label), document)])
    except (AttributeError, TypeError, KeyError) as exc:
        # A field of the AWS CLI's or Terraform's output holds what neither writes there.
        what = "aws iam" if "RoleDetailList" in data or "PolicyDocument" in data else "terraform show -json"
        raise InputError(f"{name}: not the shape of {what} output ({type(exc).__name__}: {exc})") from None
    return Deployed([(name, policy_document(data, name, "$"))])


def combine(parts: list[Deployed]) -> Deployed:
    out = Deployed()
    for part in parts:
        out.policies += part.policies
        out.notes += part.notes
        if part.boundary is not None:
            if out.boundary is not None:
                raise InputError(f"{part.boundary[0]}: a second permissions boundary; an identity has one")
            out.boundary = part.boundary
    return out
