"""A Content-Security-Policy for every page, as a meta tag: static hosts such as GitHub Pages
set no headers, so the page carries its own policy.

Scripts may come from the site itself, and inline only where their SHA-256 is listed: the
hashes are those of the inline scripts the theme writes around a page's content, computed when
the page is built. What the page's content holds is left out on purpose, so that a script that
got past every other layer into a page's body still does not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

# Types a browser runs as script; any other (`application/json`) is data and needs no hash.
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
_HEAD = re.compile(r"<head\b[^>]*>(\s*<meta charset=[^>]*>)?", re.IGNORECASE)

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self' {hashes}",
    "style-src 'self' 'unsafe-inline'",  # the theme sets styles inline; CSS runs no script
    "connect-src 'self' blob:",  # the downloads are blobs the page's own script makes
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            found = dict(attrs)
            runs = (found.get("type") or "").strip().lower() in _SCRIPT_TYPES
            self._open = [] if runs and "src" not in found else None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append("".join(self._open))
            self._open = None


def inline_scripts(html: str) -> list[str]:
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.scripts


def policy(theme_html: str) -> str:
    """The policy for a page whose markup outside its content is `theme_html`."""
    digests = sorted(
        {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline_scripts(theme_html)}
    )
    hashes = " ".join(f"'sha256-{d}'" for d in digests)
    return "; ".join(DIRECTIVES).replace(" {hashes}", f" {hashes}" if hashes else "")


def with_policy(page_html: str, content: str = "") -> str:
    """`page_html` with its policy as the first thing its head says after the character set.
    `content`: the page's own content, whose scripts (if any) the policy does not allow."""
    theme_html = page_html.replace(content, "") if content else page_html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(theme_html)}">'
    head = _HEAD.search(page_html)
    if head is None:
        raise ValueError("the page has no <head> to put its Content-Security-Policy in")
    return page_html[: head.end()] + meta + page_html[head.end() :]
