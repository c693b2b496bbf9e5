"""A catalog diff as a pull-request comment (Markdown), for a terminal (text) or for machines
(JSON). Markdown and text show the witnesses that differ only in their action as one row (one
statement's `rds:Describe*` is one row of 47 actions, their list folded); JSON has them all."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

from iam_catalog.catalog.problems import printable
from iam_catalog.iam.access import Shown
from iam_catalog.iam.patterns import common_pattern
from iam_catalog.iam.wording import counted, grouped_by, listed, plural, request
from iam_catalog.reporting import Format, Formats, stdout
from iam_catalog.review.diff import (
    AccessChange,
    Report,
    TextChange,
    TypeChange,
    access_levels,
    summary,
    undeclared,
)

FORMAT_VERSION = 4


def to_json(report: Report) -> str:
    levels = access_levels(report)
    data = {
        "format": FORMAT_VERSION,
        "base": report.base,
        "head": report.head,
        "summary": summary(report),
        "broadening": [{**dataclasses.asdict(c), "access_level": levels.get(c.action, "")} for c in report.broadening],
        "narrowing": [{**dataclasses.asdict(c), "access_level": levels.get(c.action, "")} for c in report.narrowing],
        "access_levels": levels,
        "types": [dataclasses.asdict(t) for t in report.types],
    }
    return json.dumps(data, indent=2) + "\n"


def _counts(report: Report) -> str:
    s = summary(report)
    parts = []
    for key, noun in (("types_added", "added"), ("types_removed", "removed"), ("types_changed", "changed")):
        if s[key]:
            parts.append(f"{plural(s[key], 'type')} {noun}")
    for noun in ("statements", "actions", "resources"):
        if s[f"{noun}_added"] or s[f"{noun}_removed"]:
            parts.append(f"{noun} +{s[f'{noun}_added']} -{s[f'{noun}_removed']}")
    if s["text_changed"]:
        parts.append(plural(s["text_changed"], "text change"))
    return " · ".join(parts)


_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def gfm(text: str) -> str:
    """Catalog text as literal text in GitHub's Markdown, on one line: CommonMark lets a
    backslash escape any ASCII punctuation, so no character can open a code span, a comment,
    a link, a heading or a table cell."""
    visible = _CONTROL.sub("\ufffd", " ".join(text.split()))
    return _PUNCTUATION.sub(lambda m: "\\" + m[0], visible)


def _code(text: str) -> str:
    # An element rather than backticks: its text is escaped like any other, so a backtick or a
    # pipe in it is only a character.
    return f"<code>{gfm(text)}</code>" if text else ""


@dataclasses.dataclass(frozen=True)
class _Row:
    """One line of what a type's text changed, for every format to write in its own way."""

    sign: str  # + added, - removed, ~ changed
    policy: str
    sid: str
    what: str  # "action", "statement added", "purpose changed", ...
    value: str = ""  # the action, resource or old Sid the change names
    level: str = ""  # an action's access level


def _type_rows(t: TypeChange, levels: dict[str, str]) -> list[_Row]:
    rows = []
    for p in t.policies:
        for st in p.statements:
            if st.status in ("added", "removed"):
                rows.append(_Row("+" if st.status == "added" else "-", p.id, st.sid, f"statement {st.status}"))
            if st.renamed_from:
                rows.append(_Row("~", p.id, st.sid, "renamed from", st.renamed_from))
            for sign, actions in (("+", st.actions_added), ("-", st.actions_removed)):
                rows += [_Row(sign, p.id, st.sid, "action", a, levels.get(a, "")) for a in actions]
            for sign, resources in (("+", st.resources_added), ("-", st.resources_removed)):
                rows += [_Row(sign, p.id, st.sid, "resource", r) for r in resources]
            rows += [_Row("~", p.id, st.sid, f"{c.field} changed") for c in st.text]
    rows += [
        _Row("+" if p.status == "added" else "-", p.id, "", f"policy {p.status}")
        for p in t.policies
        if p.status != "changed"
    ]
    rows += [_Row("~", p.id, "", f"{c.field} changed") for p in t.policies for c in p.text]
    return rows + [_Row("~", "", "", f"{c.field} changed") for c in t.text]


def _table_row(*cells: str) -> str:
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def _text_changes(report: Report) -> list[tuple[str, TextChange]]:
    """Every text change in full, by where it is: type, type/policy or type/policy/Sid."""
    out: list[tuple[str, TextChange]] = []
    for t in report.types:
        out += [(t.id, c) for c in t.text]
        out += [(f"{t.id}/{p.id}", c) for p in t.policies for c in p.text]
        out += [(f"{t.id}/{p.id}/{st.sid}", c) for p in t.policies for st in p.statements for c in st.text]
    return out


def _detail(where: str, change: TextChange) -> list[str]:
    def show(text: str | None) -> str:
        return "(none)" if text is None else gfm(text)

    return [
        f"- **{gfm(where + change.field)}**",
        f"  - before: {show(change.before)}",
        f"  - after: {show(change.after)}",
    ]


def _conditions(conditions: dict[str, Shown]) -> str:
    return _code(json.dumps(conditions)) if conditions else ""


def _declared(c: AccessChange) -> str:
    d = c.declared
    return f"{_code(d.subject)}: {gfm(d.note)} ({gfm(d.reference)}), {_code(d.where)}" if d else ""


@dataclasses.dataclass(frozen=True)
class Group:
    """Witnesses that differ only in their action: `first` speaks for all but the action."""

    first: AccessChange
    actions: list[str]

    @property
    def pattern(self) -> str:
        return common_pattern(self.actions)


def grouped(changes: list[AccessChange], levels: dict[str, str]) -> list[Group]:
    """The witnesses by statement, access level and every other part of the request, in order."""

    def rest(c: AccessChange) -> str:
        return json.dumps({**dataclasses.asdict(c), "action": None, "level": levels.get(c.action, "")}, sort_keys=True)

    return [Group(same[0], [c.action for c in same]) for same in grouped_by(changes, rest)]


def _action_cell(group: Group) -> str:
    """One action, or the pattern and the count with the whole list folded under them."""
    if len(group.actions) == 1:
        return _code(group.actions[0])
    every = " ".join(_code(a) for a in group.actions)
    return f"<details><summary>{_code(group.pattern)}: {len(group.actions)} actions</summary>{every}</details>"


def _access_table(
    changes: list[AccessChange],
    levels: dict[str, str],
    allowed_by: str,
    why: tuple[str, Callable[[AccessChange], str]] | None = None,
) -> list[str]:
    """A table of witnesses, a row per group; `why`: a last column's heading and its cell."""
    trust = any(c.principal is not None for c in changes)
    conditional = any(c.conditions for c in changes)
    head = ["Type", "Identity", *(["Principal"] if trust else []), "Action", "Access level", "Resource"]
    head += [*(["Conditions"] if conditional else []), allowed_by, *([why[0]] if why else [])]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for group in grouped(changes, levels):
        c = group.first
        by = ", ".join(_code(s) for s in c.statements)
        if c.unproven:
            doubt = "cannot prove no new access" if c.direction == "broadening" else "cannot prove"
            by = f"{by} ({doubt}: {gfm(c.unproven)})".lstrip()
        if c.defaults:
            by = f"{by} ({gfm(c.defaults)})"
        cells = [_code(c.type), gfm(c.identity), *([gfm(c.principal or "")] if trust else []), _action_cell(group),
                 gfm(levels.get(c.action, "")), _code(c.resource or "")]  # fmt: skip
        cells += [*([_conditions(c.conditions)] if conditional else []), by, *([why[1](c)] if why else [])]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def access_sections(broadening: list[AccessChange], narrowing: list[AccessChange], levels: dict[str, str]) -> list[str]:
    """The tables of witnesses: what is allowed now and was not, and the reverse."""
    lines = []
    unexplained = undeclared(broadening)
    declared = [c for c in broadening if c not in unexplained]
    if declared:  # first: the reviewer reads the intent beside its proof
        lines += ["#### Declared broadening: allowed now, not before, and meant", ""]
        lines += _access_table(declared, levels, "Allowed by", ("Declared by", _declared))
    if unexplained:
        lines += ["#### Broadening: allowed now, not before, and not declared", ""]
        annotate = ("Declare it at", lambda c: _code(c.declare_at or ""))
        lines += _access_table(unexplained, levels, "Allowed by", annotate)
    if narrowing:
        lines += ["#### Narrowing: allowed before, not now", ""]
        lines += _access_table(narrowing, levels, "Allowed before by")
    return lines


def to_markdown(report: Report) -> str:
    levels = access_levels(report)
    lines = [f"### IAM catalog changes: {_code(report.base)} → {_code(report.head)}", ""]
    if not report.changed:
        return "\n".join([*lines, "No changes to the catalog.", ""])
    unproven = sum(c.unproven is not None for c in report.broadening)
    unexplained = len(undeclared(report.broadening))
    if unexplained:
        doubt = f" ({unproven} of them cannot be proven safe)" if unproven else ""
        kinds = plural(len(report.broadening), "kind")
        headline = f"**Broadening: {kinds} of request newly allowed{doubt}, {unexplained} not declared.**"
        lines.append(f"> [!WARNING]\n> {headline} {_counts(report)}")
    elif report.broadening:
        headline = f"**Declared broadening: {plural(len(report.broadening), 'kind')} of request newly allowed.**"
        lines.append(f"> [!NOTE]\n> {headline} Each is declared by a marking of this change. {_counts(report)}")
    elif report.narrowing:
        lines.append(
            f"No new access; {plural(len(report.narrowing), 'kind')} of request no longer allowed. {_counts(report)}"
        )
    else:
        lines.append(f"No change in access. {_counts(report)}")
    lines.append("")
    lines += access_sections(report.broadening, report.narrowing, levels)
    for t in report.types:
        lines += [f"#### {_code(t.id)} {gfm(t.title)}: {t.status}", ""]
        rows = [
            _table_row(
                r.sign,
                _code(r.policy),
                _code(r.sid),
                gfm(r.what) + (f" {_code(r.value)}" if r.value else ""),
                gfm(r.level),
            )
            for r in _type_rows(t, levels)
        ]
        if rows:
            lines += ["| | Policy | Statement | Change | Access level |", "| --- | --- | --- | --- | --- |", *rows, ""]
    details = [line for where, c in _text_changes(report) for line in _detail(f"{where}: ", c)]
    if details:
        lines += ["<details><summary>Text changes in full</summary>", "", *details, "", "</details>", ""]
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Style:
    """How a terminal reads the text report: colour only on a terminal without NO_COLOR, and
    every action of a group only with --verbose."""

    color: bool = False
    verbose: bool = False


_SGR = {"bold": "1", "broadening": "1;31", "declared": "1;33", "narrowing": "1;32"}


def to_text(report: Report, style: Style = Style()) -> str:
    """The review for a terminal: plain words, no Markdown escapes, no HTML; any text from the
    catalogs through `printable`, so no file can write a control character to the terminal."""

    def paint(text: str, tone: str) -> str:
        return f"\x1b[{_SGR[tone]}m{text}\x1b[0m" if style.color else text

    levels = access_levels(report)
    lines = [paint(printable(f"IAM catalog changes: {report.base} → {report.head}"), "bold"), ""]
    if not report.changed:
        return "\n".join([*lines, "No changes to the catalog.", ""])
    unexplained = undeclared(report.broadening)
    declared = [c for c in report.broadening if c not in unexplained]
    headline = f"{plural(len(report.broadening), 'kind')} of request newly allowed"
    if unexplained:
        headline = paint(f"Broadening: {headline}, {len(unexplained)} not declared.", "broadening")
    elif declared:
        headline = paint(f"Declared broadening: {headline}, each declared by a marking of this change.", "declared")
    elif report.narrowing:
        headline = f"No new access; {plural(len(report.narrowing), 'kind')} of request no longer allowed."
    else:
        headline = "No change in access."
    lines += [f"{headline} {printable(_counts(report))}".rstrip(), ""]
    for title, tone, changes in (
        ("Declared broadening (allowed now, not before, and meant)", "declared", declared),
        ("Broadening (allowed now, not before, and not declared)", "broadening", unexplained),
        ("Narrowing (allowed before, not now)", "narrowing", report.narrowing),
    ):
        if changes:
            lines += [paint(title + ":", tone), *_text_groups(grouped(changes, levels), levels, style), ""]
    for t in report.types:
        lines.append(paint(printable(f"{t.id} {t.title}: {t.status}"), "bold"))
        for r in _type_rows(t, levels):
            where = " ".join(x for x in (r.policy, r.sid) if x)
            change = r.what + (f" {r.value}" if r.value else "") + (f" ({r.level})" if r.level else "")
            lines.append(printable(f"  {r.sign} {where}: {change}" if where else f"  {r.sign} {change}"))
        lines.append("")
    texts = _text_changes(report)
    if texts:
        lines.append(paint("Text changes:", "bold"))
        for where, c in texts:
            lines.append(printable(f"  {where}: {c.field}"))
            lines += [printable(f"    {side}: {'(none)' if text is None else ' '.join(text.split())}")
                      for side, text in (("before", c.before), ("after", c.after))]  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def _text_groups(groups: list[Group], levels: dict[str, str], style: Style) -> list[str]:
    lines = []
    for group in groups:
        c = group.first
        by = ", ".join(c.statements) or f"policy {c.policy}"
        level = levels.get(c.action, "") or "access level unknown"
        what = request(counted(group.actions), c.resource, c.conditions, c.principal)
        lines.append(printable(f"  - {c.type}, {c.identity}, {by}: {level}, {what}"))
        if len(group.actions) > 1:
            lines.append(printable(f"      {listed(group.actions, style.verbose)}"))
        notes = []
        if c.unproven:
            notes.append(f"cannot prove {'no new access' if c.direction == 'broadening' else 'it'}: {c.unproven}")
        if c.defaults:
            notes.append(c.defaults)
        if c.declared:
            d = c.declared
            notes.append(f"declared by {d.subject}: {d.note} ({d.reference}), {d.where}")
        if c.declare_at:
            notes.append(f"declare it at {c.declare_at}")
        lines += [printable(f"      {note}") for note in notes]
    return lines


# diff's output formats and its --fail-on kinds; the command line's choices are these maps'.
FORMATS = Formats(
    Format("text", "for a terminal", lambda report, o: (to_text(report, Style(color=o.color, verbose=o.verbose)), "")),
    Format("markdown", "a pull-request comment", stdout(to_markdown)),
    Format("json", "for machines, every request", stdout(to_json)),
    default=None,  # text on a terminal, markdown otherwise
)
FAIL_ON: dict[str, Callable[[Report], bool]] = {
    "broadening": lambda report: bool(undeclared(report.broadening)),  # a declared broadening is meant
    "any": lambda report: report.changed,
}


def gate_messages(report: Report) -> list[str]:
    """One `path:line: message` per group of undeclared broadenings, for a failing gate's log."""
    messages = []
    for group in grouped(undeclared(report.broadening), access_levels(report)):
        c = group.first
        messages.append(
            f"{c.declare_at}: {c.statements[0] if c.statements else 'policy ' + c.policy} newly allows"
            f" {counted(group.actions)}"
            f" on {c.resource or 'its principals'}, and no change: marking of this change declares it"
            " (add or rewrite one, with kind, note and reference)"
        )
    return messages


def exit_code(report: Report, fail_on: str | None) -> int:
    return 1 if fail_on is not None and FAIL_ON[fail_on](report) else 0
