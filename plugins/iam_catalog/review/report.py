"""A catalog diff as a pull-request comment (Markdown) or for machines (JSON)."""

from __future__ import annotations

import dataclasses
import json

from iam_catalog.review.diff import Report, StatementChange, TextChange, access_levels, summary

FORMAT_VERSION = 1


def to_json(report: Report) -> str:
    levels = access_levels(report)
    data = {
        "format": FORMAT_VERSION,
        "base": report.base,
        "head": report.head,
        "summary": summary(report),
        "broadening": [{**dataclasses.asdict(b), "access_level": levels.get(b.action, "")} for b in report.broadening],
        "access_levels": levels,
        "types": [dataclasses.asdict(t) for t in report.types],
    }
    return json.dumps(data, indent=2) + "\n"


def _counts(report: Report) -> str:
    s = summary(report)
    parts = []
    for key, noun in (("types_added", "added"), ("types_removed", "removed"), ("types_changed", "changed")):
        if s[key]:
            parts.append(f"{s[key]} type{'s' if s[key] != 1 else ''} {noun}")
    for noun in ("statements", "actions", "resources"):
        if s[f"{noun}_added"] or s[f"{noun}_removed"]:
            parts.append(f"{noun} +{s[f'{noun}_added']} -{s[f'{noun}_removed']}")
    if s["text_changed"]:
        parts.append(f"{s['text_changed']} text change{'s' if s['text_changed'] != 1 else ''}")
    return " · ".join(parts)


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _rows(policy: str, st: StatementChange, levels: dict[str, str]) -> list[str]:
    name = _code(st.sid)
    rows = []
    if st.status in ("added", "removed"):
        rows.append(f"| {'+' if st.status == 'added' else '-'} | {_code(policy)} | {name} | statement {st.status} | |")
    if st.renamed_from:
        rows.append(f"| ~ | {_code(policy)} | {name} | renamed from {_code(st.renamed_from)} | |")
    for sign, actions in (("+", st.actions_added), ("-", st.actions_removed)):
        rows += [f"| {sign} | {_code(policy)} | {name} | action {_code(a)} | {levels.get(a, '')} |" for a in actions]
    for sign, resources in (("+", st.resources_added), ("-", st.resources_removed)):
        rows += [f"| {sign} | {_code(policy)} | {name} | resource {_code(r)} | |" for r in resources]
    rows += [f"| ~ | {_code(policy)} | {name} | {t.field} changed | |" for t in st.text]
    return rows


def _detail(where: str, change: TextChange) -> list[str]:
    def show(text: str | None) -> str:
        return "(none)" if text is None else " ".join(text.split())

    return [f"- **{where}{change.field}**", f"  - before: {show(change.before)}", f"  - after: {show(change.after)}"]


def to_markdown(report: Report) -> str:
    levels = access_levels(report)
    lines = [f"### IAM catalog changes: {_code(report.base)} → {_code(report.head)}", ""]
    if not report.changed:
        return "\n".join([*lines, "No changes to the catalog.", ""])
    if report.broadening:
        count = len(report.broadening)
        lines.append(f"> [!WARNING]\n> **Broadening: {count} new grant{'s' if count != 1 else ''}.** {_counts(report)}")
    else:
        lines.append(f"No new grants. {_counts(report)}")
    lines.append("")
    if report.broadening:
        lines += [
            "#### Broadening",
            "",
            "| Type | Policy | Statement | Action | Access level | Resource | Why |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_code(b.type)} | {_code(b.policy)} | {_code(b.sid)} | {_code(b.action)} | "
            f"{levels.get(b.action, '')} | {_code(b.resource)} | {b.reason} |"
            for b in report.broadening
        ]
        lines.append("")
    details: list[str] = []
    for t in report.types:
        lines += [f"#### {_code(t.id)} {t.title}: {t.status}", ""]
        rows = [row for p in t.policies for st in p.statements for row in _rows(p.id, st, levels)]
        rows += [
            f"| {'+' if p.status == 'added' else '-'} | {_code(p.id)} | | policy {p.status} | |"
            for p in t.policies
            if p.status != "changed"
        ]
        rows += [f"| ~ | {_code(p.id)} | | {c.field} changed | |" for p in t.policies for c in p.text]
        rows += [f"| ~ | | | {c.field} changed | |" for c in t.text]
        if rows:
            lines += ["| | Policy | Statement | Change | Access level |", "| --- | --- | --- | --- | --- |", *rows, ""]
        details += [line for c in t.text for line in _detail(f"{t.id}: ", c)]
        details += [line for p in t.policies for c in p.text for line in _detail(f"{t.id}/{p.id}: ", c)]
        details += [
            line
            for p in t.policies
            for st in p.statements
            for c in st.text
            for line in _detail(f"{t.id}/{p.id}/{st.sid}: ", c)
        ]
    if details:
        lines += ["<details><summary>Text changes in full</summary>", "", *details, "", "</details>", ""]
    return "\n".join(lines)


def exit_code(report: Report, fail_on: str | None) -> int:
    if fail_on == "any" and report.changed:
        return 1
    if fail_on == "broadening" and report.broadening:
        return 1
    return 0
