"""Which catalog statement an AccessDenied is about, from what an operator has in hand.

Reads the forms AWS writes a denial in: the error text (`User: ARN is not authorized to
perform: ACTION on resource: RESOURCE`, with or without its `because ...` tail), the JSON of
`aws sts decode-authorization-message`, and CloudTrail events (one, or a `Records` list) whose
error code is a denial. A log excerpt may hold many; each request is explained once.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.aws import facts as awsfacts
from iam_catalog.aws.context import ActionEntry
from iam_catalog.catalog.model import Catalog, DbType, Statement
from iam_catalog.catalog.problems import printable
from iam_catalog.deployed.reader import NotJSON, loads, opened, string
from iam_catalog.deployed.sources import Deployed
from iam_catalog.iam.access import naming, statements
from iam_catalog.iam.documents import PLACEHOLDER
from iam_catalog.iam.patterns import covers, wildcard_regex
from iam_catalog.iam.wording import request
from iam_catalog.reporting import Format, Formats, stdout

# AWS's denial text: `User: PRINCIPAL is not authorized to perform: ACTION [on resource:
# RESOURCE] [because ... | with an explicit deny in ...]`. A log line may be anything, so the
# reader finds each denial by its fixed words (_ANCHOR), reads the principal back from them in a
# bounded window, and what follows with a pattern whose every part is either a run of one
# character class or bounded (_AFTER): no part can try a line again from each of its characters,
# so any line costs a pass or two, whatever it repeats (tests/test_operator_files.py).
_ANCHOR = re.compile(r"is not authorized to perform:")
_AFTER = re.compile(
    r"\s*(?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*?]+)"
    r"(?:\s+on resource:\s*(?P<resource>[^\s\"',]+))?"
    # The reason runs to the end of its sentence: a line break, a quote, or the SDK's "(Service:"
    # that may follow, within a sentence's length.
    r"(?:\s+(?P<why>(?:because no|with an explicit deny in an?) [^\n\"(]{0,400}[^\n\"(\s]))?"
)
_PRINCIPAL_WINDOW = 4096  # an ARN is at most 2,048 characters
_SPACES, _WORD = re.compile(r"\s+"), re.compile(r"\S+")
_LABELS = ("User:", "Principal:")


def _principal(text: str, anchor: int) -> str | None:
    """The principal before `anchor`: `User: ARN ` (or `Principal:`, with or without the space),
    read backwards from the anchor in a bounded window; None when the words before are not that."""
    reversed_head = text[max(0, anchor - _PRINCIPAL_WINDOW) : anchor][::-1]
    space = _SPACES.match(reversed_head)
    word = _WORD.match(reversed_head, space.end()) if space else None
    if word is None:
        return None
    name, before = word[0][::-1], _SPACES.match(reversed_head, word.end())
    if before and any(reversed_head.startswith(label[::-1], before.end()) for label in _LABELS):
        return name
    label = next((label for label in _LABELS if name.startswith(label) and len(name) > len(label)), None)
    return name[len(label) :] if label else None


def _denials(text: str) -> Iterator[Asked]:
    for found in _ANCHOR.finditer(text):
        principal = _principal(text, found.start())
        after = _AFTER.match(text, found.end())
        if principal is None or after is None:
            continue
        resource = after["resource"].rstrip(".;") if after["resource"] else None
        yield Asked(after["action"], resource, principal, after["why"])


_DENIAL_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation"}


@dataclass(frozen=True)
class Asked:
    action: str
    resource: str | None
    principal: str | None = None
    why: str | None = None  # AWS's own reason: no policy allows it, or a Deny in some policy


@dataclass
class Grant:
    type: str
    title: str
    owner: str  # the identity the policy attaches to
    policy: str
    sid: str
    purpose: str
    choices: list[dict[str, str]]  # {id, label}: a reader who made one of these left it out
    command: str  # the print-iam command that brings it back, or where the policy is written


@dataclass
class Met:
    """A statement of the operator's role that names the request's action and resource."""

    statement: str  # `policy: Sid`, as check names it
    conditions: dict[str, Any]  # its Condition element: it applies only when that holds


@dataclass
class RoleAnswer:
    """What the operator's own role (`explain --policy`) does to one request: its action and
    resource are known, its condition context is not, so each statement comes with its
    conditions."""

    denied_by: list[Met]  # explicit Denies: no Allow lifts them, the catalog's included
    allowed_by: list[Met]
    boundary: str | None = None  # the permissions boundary's name, when one is read
    boundary_allows: list[Met] = field(default_factory=list)


@dataclass
class Explanation:
    asked: Asked
    access_level: str
    known: bool  # whether AWS lists the action
    grants: list[Grant] = field(default_factory=list)
    suggestion: str | None = None  # a near name AWS knows, when it does not know this one
    role: RoleAnswer | None = None  # with `--policy`: what the operator's role does to it


def _arn_of(value: Any) -> str | None:
    return string(value.get("arn")) if isinstance(value, dict) else None


def _from_json(data: Any) -> list[Asked]:
    """The denials of decode-authorization-message or CloudTrail JSON."""
    if isinstance(data, dict) and isinstance(data.get("DecodedMessage"), str):
        data = loads(data["DecodedMessage"], "$.DecodedMessage")
    if isinstance(data, dict) and isinstance(data.get("context"), dict):
        context = data["context"]
        action = string(context.get("action"))
        return [Asked(action, string(context.get("resource")), _arn_of(context.get("principal")))] if action else []
    records = (
        data.get("Records")
        if isinstance(data, dict) and "Records" in data
        else [data]
        if isinstance(data, dict)
        else data
    )
    return list(_from_records(records if isinstance(records, list) else []))


def _from_records(records: Iterable[Any]) -> Iterator[Asked]:
    """The denials of CloudTrail records (or of log lines, as a list of strings); a record whose
    fields are not of the types AWS writes is skipped."""
    for event in records:
        if not isinstance(event, dict) or "eventName" not in event:
            # Not a CloudTrail record: a log line, or some other JSON that may quote one.
            yield from (asked for text in _strings(event) for asked in parse(text))
            continue
        if event.get("errorCode") not in _DENIAL_CODES:
            continue
        found = parse(string(event.get("errorMessage")) or "")
        if found:
            yield from found
            continue
        source, name, resources = (
            string(event.get("eventSource")),
            string(event.get("eventName")),
            event.get("resources"),
        )
        if not source or not name:
            continue
        listed = resources if type(resources) is list else []
        arn = next((string(r.get("ARN")) for r in listed if isinstance(r, dict) and string(r.get("ARN"))), None)
        yield Asked(f"{source.split('.')[0]}:{name}", arn, _arn_of(event.get("userIdentity")))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys aside, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            yield item
        elif isinstance(item, dict | list):
            stack.extend(reversed(list(item.values() if isinstance(item, dict) else item)))


def read_denials(names: Iterable[str]) -> list[Asked]:
    """Every denial in the files `names` (`-`: stdin), each once, in the order met. A list of
    records (CloudTrail's `{"Records": [...]}`) is read one record at a time, at any size; any
    other file is read whole, as text, within the reader's bound."""
    found: dict[Asked, None] = {}  # a log repeats one denial many times: kept once, as met
    for name in names:
        source = opened(name)
        try:
            found.update(
                dict.fromkeys(_from_records(source.records()) if source.lists_records() else parse(source.text()))
            )
        finally:
            source.close()
    return list(found)


def parse(text: str) -> list[Asked]:
    """Every denial in `text`, each once, in the order met."""
    stripped = text.strip()
    found: list[Asked] = []
    if stripped[:1] in "{[":
        try:
            found = _from_json(loads(stripped, "input"))
        except NotJSON:
            found = []  # a log line that starts with a bracket: read as text below
    if not found:
        found = list(_denials(text))
    return list(dict.fromkeys(found))


def _grants_resource(st: Statement, resource: str | None, rules: dict[str, str]) -> bool:
    """Whether one of the statement's resources (or scope templates) covers the one asked for
    some values a reader could give print-iam: each placeholder a value its variable's pattern
    or choices allow (`rules`), a scope variable any value (a scope may itself be a wildcard)."""
    if resource is None:
        return True
    patterns = [*st.resources, *st.scope] or ["*"]
    if "*" in resource or "?" in resource:  # a pattern asked for: one statement must cover it all
        return any(covers(PLACEHOLDER.sub("*", p), resource) for p in patterns)
    return any(_resource_rule(p, tuple(sorted(rules.items()))).fullmatch(resource) for p in patterns)


@functools.cache
def _resource_rule(template: str, rules: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    by_name, parts, pos = dict(rules), [], 0
    for found in PLACEHOLDER.finditer(template):
        parts += [wildcard_regex(template[pos : found.start()]), f"(?:{by_name.get(found[1], '.*')})"]
        pos = found.end()
    return re.compile("".join([*parts, wildcard_regex(template[pos:])]), re.DOTALL)


def _rules(catalog: Catalog, db_type: DbType | None) -> dict[str, str]:
    """Each variable's rule as print-iam checks a value: its pattern, or one of its choices."""
    variables = catalog.variables(db_type) if db_type else {v.name: v for v in catalog.shared.variables}
    return {
        name: v.pattern or "|".join(re.escape(c) for c in v.choices)
        for name, v in variables.items()
        if v.pattern or v.choices
    }


def explain(catalog: Catalog, asked: Asked, index: dict[str, ActionEntry]) -> Explanation:
    """`index`: the catalog's actions index (`aws.context.action_index`), by lower-case name."""
    known = awsfacts.facts(asked.action) is not None
    out = Explanation(asked, awsfacts.access_level(asked.action), known)
    if not known:
        out.suggestion = awsfacts.suggest_action(asked.action)
    entry = index.get(asked.action.lower())
    for use in entry.uses if entry else ():
        if not _grants_resource(use.statement, asked.resource, _rules(catalog, use.type)):
            continue
        if use.type is None:  # a shared step: the reader writes it by hand, from the type's page
            command = "the assume-role steps of the page of a type whose database user is an IAM role"
        else:
            command = f"iam-catalog print-iam --types {use.type.id}"
        if use.type and use.service and use.service != catalog.shared.services[0].id:
            command += f" --service {use.service}"
        command += " --optional" if use.type and use.policy.optional else ""
        out.grants.append(
            Grant(
                use.type.id if use.type else "_shared",
                use.type.title if use.type else "Shared assume-role steps",
                use.owner,
                use.policy.id,
                use.statement.sid or f"{use.policy.id}#{use.position + 1}",
                use.statement.purpose or "",
                [{"id": c.id, "label": c.label} for c in use.choices],
                command,
            )
        )
    return out


def _met(document: dict[str, Any], effect: str, asked: Asked) -> list[Met]:
    """The statements of `effect` in `document` (named as check names them) that name the request."""
    met = naming(statements(document), asked.action, asked.resource)
    return [Met(st.name, st.written) for st in met if st.effect == effect]


def role_answer(deployed: Deployed, asked: Asked) -> RoleAnswer:
    """The operator's role's statements that name the request, by what they do to it."""
    document = deployed.document()
    out = RoleAnswer(_met(document, "Deny", asked), _met(document, "Allow", asked))
    if deployed.boundary is not None:
        name, boundary = deployed.boundary
        out.boundary = name
        out.boundary_allows = _met(Deployed([(name, boundary)]).document(), "Allow", asked)
    return out


# --- how it is shown -------------------------------------------------------------------------


def as_text(found: list[Explanation]) -> str:
    lines: list[str] = []
    for e in found:
        asked = request(e.asked.action, e.asked.resource or None)
        level = f" ({e.access_level})" if e.access_level else ""
        lines.append(f"{asked}{level}")
        if e.asked.why and "explicit deny" in e.asked.why:
            lines.append(f"  AWS says: {e.asked.why}: a Deny wins over every Allow, so granting it changes nothing")
        if e.role is not None:
            lines += _role_lines(e.role)
        if not e.known:
            hint = f"; did you mean {e.suggestion}?" if e.suggestion else ""
            lines.append(f"  AWS lists no action {e.asked.action}{hint}")
        if not e.grants:
            lines.append("  No catalog statement grants it: Teleport's services do not need it for any type.")
        for g in e.grants:
            lines.append(f"  - {g.sid}: {g.title} ({g.type}), {g.owner}")
            if g.purpose:
                lines.append(f"    why: {g.purpose}")
            for c in g.choices:
                lines.append(f"    left out by --without {c['id']} ({c['label']}): expected if you chose that")
            lines.append(f"    to grant it: {g.command}")
        lines.append("")
    return "".join(printable(line) + "\n" for line in lines)


def _when(met: Met) -> str:
    return f" when {json.dumps(met.conditions)}" if met.conditions else ""


def _role_lines(role: RoleAnswer) -> list[str]:
    """What the operator's role does to the request: its explicit Denies first (each with the
    conditions it holds under, since a log does not give the request's), then its boundary, then
    its Allows."""
    out = [f"  Your role: denied by {m.statement}, an explicit Deny{_when(m)}" for m in role.denied_by]
    if any(not m.conditions for m in role.denied_by):
        return [*out, "    no Allow lifts an explicit Deny: granting the catalog's statement changes nothing"]
    if role.boundary is not None and not role.boundary_allows:
        return [*out, f"  Your role: outside its permissions boundary {role.boundary}, which allows nothing for it"]
    if not role.allowed_by:
        return [*out, "  Your role: no statement of its policies allows it"]
    out += [f"  Your role: allowed by {m.statement}{_when(m)}" for m in role.allowed_by]
    why = "so the denial comes from a condition above, or from outside the role's policies (an SCP, a resource"
    return [*out, f"    {why} policy, a session policy)"]


def as_json(found: list[Explanation]) -> str:
    return json.dumps({"format": 1, "requests": [dataclasses.asdict(e) for e in found]}, indent=2) + "\n"


FORMATS = Formats(Format("text", "", stdout(as_text)), Format("json", "", stdout(as_json)), default="text")
