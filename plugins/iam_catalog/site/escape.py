"""Catalog text into the site's Markdown, which also carries raw HTML: one escaping function.

`markdown_text` turns every character that Markdown or HTML could read as syntax into a numeric
character reference. A reference is literal text to every Markdown parser (CommonMark says so,
Python-Markdown stashes it) and to HTML, in element text and in quoted attributes alike, so the
same escaped text is safe wherever a template puts it, and shows the reader the characters the
catalog holds. The template engine applies it to every value it prints (`render._environment`);
what is already Markdown is a `Markup`, made only here or by `render.prose` after the prose rule.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Markdown's and HTML's syntax characters, and line breaks and control characters, which could
# end a line, a table row or a block; `-`, `+`, `.` only where they could open a list or a rule.
_SYNTAX = re.compile(r"""^(?:[-+.]|[0-9]+\.)|[!"#$%&'()*:<=>\[\\\]^_`{|}~\x00-\x1f\x7f]""")
_SAFE_TARGET = re.compile(r"(?:\.\./)*[A-Za-z0-9_-]+(?:[./][A-Za-z0-9_-]+)*(?:#[A-Za-z0-9_-]+)?\Z|#[A-Za-z0-9_-]+\Z")
_SAFE_INFO = re.compile(r"[A-Za-z0-9._/ -]*\Z")


def markdown_text(text: str) -> Markup:
    """`text` as literal text in Markdown or HTML: no character of it is syntax."""
    return Markup(_SYNTAX.sub(lambda m: "".join(f"&#{ord(c)};" for c in m[0]), text))


def code(text: str) -> Markup:
    """`text` as inline code. An HTML element rather than a backtick span: backticks, pipes and
    line breaks in `text` then need nothing of their own, in a table cell or a heading alike."""
    return Markup("<code>") + markdown_text(text) + Markup("</code>")


def link(text: str | Markup, target: str) -> Markup:
    """A Markdown link to a page or section the site generates; `target` is made from ids that
    the schema restricts, and anything else is a bug, not a page."""
    if not _SAFE_TARGET.match(target):
        raise ValueError(f"not a link target of the generated site: {target!r}")
    label = text if isinstance(text, Markup) else markdown_text(text)
    return Markup(f"[{label}]({target})")


def fence(content: str, language: str, title: str | None = None) -> Markup:
    """A fenced code block whose fence no line of `content` can close."""
    if not _SAFE_INFO.match(language + (title or "")):
        raise ValueError(f"not a code block's language or title: {language!r} {title!r}")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    marker = "`" * max(3, longest + 1)
    info = f'{language} title="{title}"' if title else language
    return Markup(f"{marker}{info}\n{content.rstrip(chr(10))}\n{marker}")


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def inline_html(text: str) -> Markup:
    """One line of catalog prose for raw HTML, where Markdown is not read: its code spans become
    code elements, and everything else is text."""
    out, at = Markup(), 0
    for m in _CODE_SPAN.finditer(text):
        out += markdown_text(text[at : m.start()]) + code(m[2].strip())
        at = m.end()
    return out + markdown_text(text[at:])
