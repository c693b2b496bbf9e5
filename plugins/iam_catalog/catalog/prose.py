"""The Markdown that catalog prose may use: a declared subset, recognised construct by construct.

Prose is checked by allowing, not by forbidding: a line is read left to right, and anything
that is not plain text or one of the constructs below is refused, with the reason. The subset
is small on purpose, so that any Markdown parser reads it the same way (no construct reaches
over a line break, and none depends on an extension):

- paragraphs, and lists whose items start with `- `, `* ` or `1. `;
- code blocks fenced by three backticks or tildes at the start of a line, closed the same way;
- admonitions (`!!! note`, `!!! warning "Title"`, ...: `ADMONITIONS`), their text indented by
  four spaces and itself in the subset;
- in a line: code spans (closed on the same line), `*emphasis*`, `**strong**`, backslash
  escapes, `${Name}` placeholders, and links `[text](target)` on one line whose target is
  https, http, mailto, or a page of the reference (`rds.md`, `index.md#section`) or a section
  of the same page (`#section`); `<https://...>` autolinks.

Refused, among others: raw HTML and comments, character references (`&lt;`, `&#106;`), braces
(attribute lists), images, reference-style links and definitions, headings, block quotes,
tables, admonitions, tabs, emoji shortcodes, indented code, tabs and control characters. The
validator (`checks/rules.py`) and the renderer (`site/render.py`) both call `problems`, so the
rule cannot differ between what `validate` passes and what a page prints.

An *inline* field (a purpose in a table cell, a choice's label) is one paragraph: no lists, no
code blocks, no blank lines, and no `|`, which would split the cell.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator

from iam_catalog.iam.documents import PLACEHOLDER

# Python-Markdown's own escapable characters: a backslash before any other one stays a
# backslash, and the character after it keeps its meaning.
_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!")
_FENCE = re.compile(r"(```|~~~)[A-Za-z0-9_+-]*\Z")
_FENCE_LIKE = re.compile(r"\s*(```|~~~)")
_LIST_ITEM = re.compile(r"(?:[-*]|[0-9]{1,9}\.) (?=\S)")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*)\)")
_BRACKET = "a '[' must open a link written on one line, [text](https://...): put other brackets in backticks"
_LAX_LINK = re.compile(r"\[[^\[\]\n]*\]\(([^\s)]*)")
# What may follow a `<` that opens a tag, a comment or an autolink; any other `<` is text.
_TAG_START = re.compile(r"[A-Za-z!/?]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>\"'\\]+)>")
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_EMOJI = re.compile(r":[+\-\w]+:")
_URL = re.compile(
    r"(?:https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][^\s<>\"'\\`]*)?|mailto:[^\s<>\"'\\`:/]+@[A-Za-z0-9.-]+)\Z"
)
_PAGE_LINK = re.compile(r"(?:([a-z0-9][a-z0-9-]*\.md))?(?:#([A-Za-z0-9_-]+))?\Z")
_ADMONITION = re.compile(r'!!! ([a-z]+)(?: "([^"\n]*)")?\Z')
_INDENT = "    "
# The admonitions prose may open, each followed by its text indented by four spaces.
ADMONITIONS = ("note", "tip", "info", "warning", "danger")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# What a line may not start with, outside a code block: the block constructs left out.
_BLOCK_STARTS = (
    (re.compile(r"#"), "headings are not allowed: the page gives the headings"),
    (re.compile(r">"), "block quotes are not allowed"),
    (re.compile(r"\|"), "tables are not allowed"),
    (re.compile(r"(!!!|\?\?\?|===|:::)"), "admonitions, collapsible blocks and tabs are not allowed"),
    (re.compile(r"\[[^\]]*\]:"), "link definitions are not allowed: write the link in place, [text](https://...)"),
    (re.compile(r"\*\["), "abbreviations are not allowed"),
    (re.compile(r"([-*_=+])(\s*\1){2,}\s*\Z"), "rules and underlined headings are not allowed"),
    (re.compile(r"\+ "), "start list items with '- '"),
    (re.compile(r"[0-9]{1,9}\) "), "number list items as '1. '"),
    (re.compile(r":"), "definition lists are not allowed"),
)


def _inline(line: str, pages: Collection[str] | None, inline: bool) -> Iterator[str]:
    """Why one line's inline text is outside the subset."""
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            i += 2 if line[i + 1 : i + 2] in _ESCAPABLE and i + 1 < len(line) else 1
        elif char == "`":
            run = len(line) - i - len(line[i:].lstrip("`"))
            closer = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(line, i + run)
            if closer is None:
                yield "a code span must be closed on the same line: `code`"
                return
            i = closer.end()
        elif char == "$" and (m := PLACEHOLDER.match(line, i)):
            i = m.end()
        elif char == "<" and _TAG_START.match(line, i + 1):
            m = _AUTOLINK.match(line, i)
            if m is None:
                yield "raw HTML is not allowed in catalog prose: write Markdown, or put code in backticks"
                return
            yield from _target(m[1], pages)
            i = m.end()
        elif char == "&" and (m := _REFERENCE.match(line, i)):
            yield f"character references such as {m[0]} are not allowed: write the character itself"
            i = m.end()
        elif char in "{}":
            yield "braces are not allowed outside code (they would be an attribute list): put code in backticks"
            return
        elif char == "!" and line.startswith("![", i):
            yield "images are not allowed in catalog prose"
            return
        elif char == "[":
            m = _LINK.match(line, i)
            if m is None:
                lax = _LAX_LINK.match(line, i)
                if lax and ":" in lax[1] and not _URL.match(lax[1]):
                    yield from _target(lax[1], pages)  # names the scheme at fault
                else:
                    yield _BRACKET
                return
            yield from _inline(m[1], pages, inline)
            yield from _target(m[2], pages)
            i = m.end()
        elif char == ":" and (m := _EMOJI.match(line, i)):
            yield f"emoji shortcodes such as {m[0]} are not allowed"
            i = m.end()
        elif char == "|" and inline:
            yield "'|' is not allowed here: the text stands in a table cell"
            return
        else:
            i += 1


def _target(target: str, pages: Collection[str] | None) -> Iterator[str]:
    if _URL.match(target):
        return
    relative = _PAGE_LINK.match(target)
    if relative and target and pages is not None:
        page = relative[1]
        if page is None or page in pages:
            return
        yield f"link to {page}, which is not a page of the reference: link index.md or a type's page, <id>.md"
        return
    scheme = target.split(":", 1)[0] if ":" in target else ""
    if scheme and not relative:
        yield f"link with scheme '{scheme}:' is not allowed: use an http(s), mailto or relative link"
    elif pages is None:
        yield f"link to '{target}' is not allowed here: only https, http and mailto links are"
    else:
        yield f"link to '{target}' is not allowed: use an http(s) or mailto link, or a page such as index.md#section"


def problems(text: str, *, pages: Collection[str] | None = None, inline: bool = False) -> Iterator[str]:
    """Why `text` is not in the subset, one message per construct, in the order they stand.

    `pages`: the reference's pages a relative link may name (None: no relative links).
    `inline`: the text is one paragraph that stands in a table cell or a label."""
    if _CONTROL.search(text):
        yield "control characters are not allowed in catalog prose"
    if inline and re.search(r"\n[ ]*\n", text.strip()):
        yield "blank lines are not allowed here: the text is one paragraph"
    yield from _blocks(text.split("\n"), pages, inline)


def _blocks(lines: list[str], pages: Collection[str] | None, inline: bool) -> Iterator[str]:
    fence: str | None = None
    body: list[str] | None = None  # an admonition's indented lines, checked as prose of their own
    for line in lines:
        if body is not None:
            if line.startswith(_INDENT) or not line.strip():
                body.append(line.removeprefix(_INDENT))
                continue
            yield from _blocks(body, pages, inline)
            body = None
        if fence is not None:
            if line == fence:
                fence = None
            elif _FENCE_LIKE.match(line):
                yield f"a line in a code block may not start with {fence}: only the closing fence, alone, may"
            continue
        if _FENCE_LIKE.match(line):
            if inline:
                yield "code blocks are not allowed here: the text stands in a table cell or a label"
            elif not _FENCE.match(line):
                yield "a code fence starts the line with ``` or ~~~ and a language name, if any, alone"
            else:
                fence = line[:3]
            continue
        if not line.strip():
            continue
        if "\t" in line:
            yield "tabs are not allowed in catalog prose: indent with spaces"
            continue
        if not inline and (m := _ADMONITION.match(line)):
            if m[1] not in ADMONITIONS:
                yield f"admonition '{m[1]}' is not one of {', '.join(ADMONITIONS)}"
            yield from _inline(m[2] or "", pages, True)
            body = []
            continue
        text = line.lstrip(" ")
        if len(line) - len(text) >= 4:
            yield "a line indented by four spaces or more would be a code block: fence code with ```"
            continue
        item = _LIST_ITEM.match(text)
        if item and inline:
            yield "lists are not allowed here: the text stands in a table cell or a label"
            continue
        if item:
            text = text[item.end() :]
        else:
            refused = next((message for pattern, message in _BLOCK_STARTS if pattern.match(text)), None)
            if refused:
                yield refused
                continue
        yield from _inline(text, pages, inline)
    if body is not None:
        yield from _blocks(body, pages, inline)
    if fence is not None:
        yield f"a code block opened with {fence} is not closed"


def pages_of(type_ids: Iterable[str]) -> frozenset[str]:
    """The reference's pages a relative link in prose may name: the overview and each type's."""
    return frozenset({"index.md", *(f"{i}.md" for i in type_ids)})
