"""A deployed identity against the catalog: what it lacks, and what it may do beyond.

The catalog's side is print-iam's answer for the same request (types, services, choices, scope
and values), statement by statement. *Missing*: every catalog statement the identity does not
fully allow, with a request it denies. *Beyond*: every kind of request the identity allows and
the catalog's policy does not, with a witness, grouped by AWS's access level. Both are decided
by the IAM engine (`iam.access`); a permissions boundary caps what the identity allows.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.problems import github_command, printable
from iam_catalog.deployed.sources import Deployed
from iam_catalog.iam.access import Shown, Side, Statement, Undecidable, Witness, allowed_by, compare, denied_by, text_of
from iam_catalog.iam.documents import document, dumps
from iam_catalog.iam.wording import counted, grouped_by, listed, plural, power, request
from iam_catalog.printiam.request import Answer
from iam_catalog.reporting import Format, Formats, stdout

# Access levels in the order a reviewer reads them: what changes things first.


@dataclass
class Denied:
    action: str
    resource: str | None
    conditions: dict[str, Shown]
    denied_by: list[str] = field(default_factory=list)  # the identity's Deny statements that match it
    boundary: str | None = None  # the permissions boundary that does not allow it, if that is why


@dataclass
class Missing:
    sid: str
    type: str
    service: str
    purpose: str
    choices: list[dict[str, str]]  # each {id, label}: what the reader could leave it out with
    statement: dict[str, Any]  # as print-iam prints it for this request
    denied: list[Denied]


@dataclass
class Beyond:
    action: str
    access_level: str
    resource: str | None
    conditions: dict[str, Shown]
    statements: list[str]  # policy/Sid of the deployed statements that allow it


@dataclass
class Untrusted:
    """A database-user role that does not let the service's role assume it as the catalog says."""

    role: str
    exists: bool
    denied: list[str]  # requests the catalog's trust policy allows and the role's denies
    trust: dict[str, Any]  # the catalog's trust policy for it, ready to set


@dataclass
class Report:
    missing: list[Missing] = field(default_factory=list)
    beyond: list[Beyond] = field(default_factory=list)
    untrusted: list[Untrusted] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Why the engine cannot compare the identity with the catalog (a policy variable in a
    # Deny, a bound reached): then neither part is known, and every --fail-on fails.
    undecided: str | None = None

    def missing_policy(self) -> dict[str, Any]:
        """The missing part, ready to attach: the missing statements as print-iam prints them."""
        return document(m.statement for m in self.missing)


def _denied(witness: Witness) -> Denied:
    r = witness.request
    return Denied(r.action, None if r.resource is None else text_of(r.resource), r.conditions())


def _why_denied(
    witness: Witness, mine: tuple[Statement, ...], boundary: tuple[str, tuple[Statement, ...]] | None
) -> Denied:
    """A request the identity denies, with what denies it: its own Deny statements, or its
    boundary (by name, and its statements); neither means that no statement allows it."""
    denied = _denied(witness)
    denied.denied_by = denied_by(mine, witness.request)
    if boundary is not None and not allowed_by(boundary[1], witness.request):
        denied.boundary = boundary[0]
    return denied


def purposes_of(catalog: Catalog) -> dict[tuple[str, str, int], str]:
    """Each service statement's purpose, by (type, policy, index): the compiled catalog has none."""
    return {
        (t.id, p.id, i): st.purpose or ""
        for t in catalog.types
        for p in t.policies
        for i, st in enumerate(p.statements)
    }


def check(
    compiled: dict[str, Any], answer: Answer, purposes: dict[tuple[str, str, int], str], deployed: Deployed
) -> Report:
    """`purposes`: each catalog statement's purpose, by (type, policy, index)."""
    report = Report(notes=list(deployed.notes))
    # The identity is read once: each catalog statement is compared with the same side.
    own = Side.of(deployed.document(), deployed.boundary[1] if deployed.boundary else None)
    capped = (deployed.boundary[0], own.boundary) if deployed.boundary and own.boundary is not None else None
    try:
        for type_id, policy_id, index, service, rule, statement in answer.picked:
            single = Side.of(document([statement]))
            lost = compare(single, own, awsfacts.expand, base_actions_only=True).narrowing
            if lost:
                choices = [*rule.get("omit_when", ()), *rule.get("omit_actions", {})]
                report.missing.append(
                    Missing(
                        sid=statement.get("Sid", f"{policy_id}#{index + 1}"),
                        type=type_id,
                        service=service,
                        purpose=purposes.get((type_id, policy_id, index), ""),
                        choices=[{"id": c, "label": compiled["choices"][c]["label"]} for c in dict.fromkeys(choices)],
                        statement=statement,
                        denied=[_why_denied(w, own.identity, capped) for w in lost],
                    )
                )
        wider = compare(Side.of(answer.document), own, awsfacts.expand).broadening
    except Undecidable as exc:
        return Report(notes=report.notes, undecided=str(exc))
    for w in wider:
        d = _denied(w)
        level = awsfacts.access_level(d.action)
        report.beyond.append(Beyond(d.action, level, d.resource, d.conditions, list(w.statements)))
    report.beyond.sort(key=lambda b: (power(b.access_level), b.action.lower()))
    return report


def check_trusts(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any] | None], report: Report) -> None:
    """Each database-user role's trust policy against the catalog's for it (`expected`, by role)."""
    for role, trust in expected.items():
        found = actual.get(role)
        if found is None:
            report.untrusted.append(Untrusted(role, False, [], trust))
            continue
        try:
            lost = compare(Side.of(trust), Side.of(found), awsfacts.expand, base_actions_only=True).narrowing
        except Undecidable as exc:
            report.notes.append(f"{role}'s trust policy cannot be compared: {exc}")
            continue
        if lost:
            denied = [_trustrequest(w) for w in lost]
            report.untrusted.append(Untrusted(role, True, denied, trust))


def _trustrequest(witness: Witness) -> str:
    r = witness.request
    by = f" by {r.principal.value}" if r.principal is not None else ""
    when = f" with {json.dumps(r.conditions())}" if r.conditions() else ""
    return f"{r.action}{by}{when}"


# --- how it is shown -------------------------------------------------------------------------


def _denial(d: Denied) -> str:
    """A request the identity denies, and why: an explicit Deny, the boundary, or no Allow."""
    if d.denied_by:
        why = f" (an explicit deny: {', '.join(d.denied_by)})"
    elif d.boundary:
        why = f" (outside the permissions boundary {d.boundary})"
    else:
        why = ""
    return request(d.action, d.resource, d.conditions) + why


def beyond_groups(beyond: list[Beyond]) -> list[list[Beyond]]:
    """The requests beyond that differ only in their action, together, in order: a `*` policy
    is a screen, one row per access level and statement, not a line per action AWS has."""
    return grouped_by(
        beyond, lambda b: json.dumps([b.access_level, b.resource, b.conditions, b.statements], sort_keys=True)
    )


def as_text(report: Report, verbose: bool = False) -> str:
    lines = [f"note: {n}" for n in report.notes]
    if report.undecided:
        lines.append(f"Cannot compare: {report.undecided}; neither what is missing nor what is beyond is known")
        return printable_lines(lines)
    if report.missing:
        lines.append(
            f"Missing: {plural(len(report.missing), 'catalog statement')} that the identity does not fully allow"
        )
        for m in report.missing:
            lines.append(f"- {m.sid} ({m.type}, {m.service}): {m.purpose}")
            lines += [f"    denied: {_denial(d)}" for d in m.denied]
            for c in m.choices:
                lines.append(f"    not needed with --without {c['id']}: {c['label']}")
        lines += ["", "The missing part, ready to attach:", *dumps(report.missing_policy()).splitlines()]
    else:
        lines.append("Missing: nothing; the identity allows every statement the catalog asks for")
    lines.append("")
    if report.beyond:
        kinds = plural(len(report.beyond), "kind") + " of request"
        lines.append(f"Beyond: {kinds} that the identity allows and the catalog's policy does not")
        level = None
        for group in beyond_groups(report.beyond):
            b = group[0]
            if b.access_level != level:
                level = b.access_level
                lines.append(f"  {level or 'access level unknown'}:")
            by = f" (allowed by {', '.join(b.statements)})" if b.statements else ""
            actions = [x.action for x in group]
            lines.append(f"  - {request(counted(actions), b.resource, b.conditions)}{by}")
            if len(actions) > 1:
                lines.append(f"      {listed(actions, verbose)}")
    else:
        lines.append("Beyond: nothing; the identity allows no more than the catalog's policy")
    if report.untrusted:
        lines += ["", f"Database-user roles: {plural(len(report.untrusted), 'role')} the service's role cannot assume"]
        for u in report.untrusted:
            if not u.exists:
                lines.append(f"- {u.role}: no such role")
            else:
                lines.append(f"- {u.role}: its trust policy does not let the service's role assume it")
                lines += [f"    denied: {d}" for d in u.denied]
            lines += ["    the catalog's trust policy for it:", *("      " + x for x in dumps(u.trust).splitlines())]
    return printable_lines(lines)


def as_json(report: Report) -> str:
    data = {
        "format": 1,
        "missing": [dataclasses.asdict(m) for m in report.missing],
        "missing_policy": report.missing_policy() if report.missing else None,
        "beyond": [dict(vars(b)) for b in report.beyond],  # flat: asdict's deep copy costs seconds at 20,000
        "untrusted": [dataclasses.asdict(u) for u in report.untrusted],
        "notes": report.notes,
        "undecided": report.undecided,
    }
    return json.dumps(data, indent=2) + "\n"


def as_github(report: Report) -> str:
    """GitHub workflow commands: each missing statement an error, each request beyond a warning."""
    title = "iam-catalog check"
    lines = [github_command("error", title, f"cannot compare: {report.undecided}")] if report.undecided else []
    lines += [
        github_command(
            "error",
            title,
            f"{m.sid} ({m.type}) is missing: " + "; ".join(_denial(d) for d in m.denied),
        )
        for m in report.missing
    ]
    lines += [
        github_command(
            "warning",
            title,
            f"beyond the catalog ({g[0].access_level or 'unknown'}): "
            + request(counted([b.action for b in g]), g[0].resource, g[0].conditions),
        )
        for g in beyond_groups(report.beyond)
    ]
    lines += [
        github_command(
            "error",
            title,
            f"database-user role {u.role} "
            + (
                "does not exist"
                if not u.exists
                else "does not let the service's role assume it: " + "; ".join(u.denied)
            ),
        )
        for u in report.untrusted
    ]
    return "".join(line + "\n" for line in lines)


def printable_lines(lines: Iterable[str]) -> str:
    return "".join(printable(line) + "\n" for line in lines)


FORMATS = Formats(
    Format("text", "", lambda report, options: (as_text(report, options.verbose), "")),
    Format("json", "`missing`, `missing_policy`, `beyond`, `notes`, `undecided`", stdout(as_json)),
    Format("github", "an error per missing statement, a warning per group of requests beyond", stdout(as_github)),
    default="text",
)
# What makes check exit 1; an identity the engine cannot compare fails each of them.
FAIL_ON: dict[str, Callable[[Report], bool]] = {
    "missing": lambda r: bool(r.undecided or r.missing or r.untrusted),
    "beyond": lambda r: bool(r.undecided or r.beyond),
    "any": lambda r: bool(r.undecided or r.missing or r.untrusted or r.beyond),
}
