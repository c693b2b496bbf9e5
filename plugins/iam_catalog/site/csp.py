"""A page's Content-Security-Policy, as a meta tag: static hosts such as GitHub Pages set no
headers, so the page carries its own policy.

Scripts may come from the site itself, and inline only where their SHA-256 is listed: the
hashes are those of the inline scripts the theme writes around a page's content, computed when
the page is built. What the page's content holds is left out on purpose, so that a script that
got past every other layer into a page's body still does not run. Another site is allowed only
where the theme's own markup loads from it (a host's fonts or CDN scripts), never for content.
"""

from __future__ import annotations

import base64
import hashlib
import re

# Types a browser runs as script; any other (`application/json`) is data and needs no hash.
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
_HEAD = re.compile(r"<head\b[^>]*>(\s*<meta charset=[^>]*>)?", re.IGNORECASE)

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self' {scripts}",
    "style-src 'self' 'unsafe-inline' {styles}",  # the theme sets styles inline; CSS runs no script
    "connect-src 'self' blob:",  # the downloads are blobs the page's own script makes
    "img-src 'self' data:",
    "font-src 'self' data: {styles}",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


# The theme's own markup is trusted (the page's content is taken out before this runs), so its
# script elements are found by pattern, ten times faster than parsing the page: a script's text
# ends at the first `</script`, as HTML's tokenizer says. tests/test_hostile.py holds this to
# a real HTML parser on every page of the site.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(r"""([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
# A host site's theme may load its fonts, stylesheets and scripts from elsewhere (Material's
# Google Fonts, a CDN): the origins its own markup names are allowed, and nothing else.
_LINK = re.compile(r"<link\b([^>]*)>", re.IGNORECASE)
_ORIGIN = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?=[/?#]|$)")
_STYLE_LINKS = {"stylesheet", "preconnect", "preload"}


def _attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in _ATTRIBUTE.finditer(text)}


def _origin(url: str) -> str | None:
    found = _ORIGIN.match(url.strip())
    return found[0].lower() if found else None


def inline_scripts(html: str) -> list[str]:
    """The text of every inline script that a browser would run."""
    scripts = []
    for found in _SCRIPT.finditer(html):
        attrs = _attributes(found[1])
        if "src" not in attrs and attrs.get("type", "").strip().lower() in _SCRIPT_TYPES:
            scripts.append(found[2])
    return scripts


def theme_origins(theme_html: str) -> tuple[list[str], list[str]]:
    """The other sites (https only) that the theme's scripts, and its stylesheets and fonts,
    come from."""
    scripts = {_origin(_attributes(found[1]).get("src", "")) for found in _SCRIPT.finditer(theme_html)}
    styles = set()
    for found in _LINK.finditer(theme_html):
        attrs = _attributes(found[1])
        if _STYLE_LINKS & set(attrs.get("rel", "").lower().split()):
            styles.add(_origin(attrs.get("href", "")))
    return sorted(o for o in scripts if o), sorted(o for o in styles if o)


def policy(theme_html: str) -> str:
    """The policy for a page whose markup outside its content is `theme_html`."""
    digests = sorted(
        {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline_scripts(theme_html)}
    )
    script_origins, style_origins = theme_origins(theme_html)
    sources = {
        " {scripts}": [*script_origins, *(f"'sha256-{d}'" for d in digests)],
        " {styles}": style_origins,
    }
    text = "; ".join(DIRECTIVES)
    for slot, values in sources.items():
        text = text.replace(slot, "".join(f" {v}" for v in values))
    return text


def with_policy(page_html: str, content: str = "") -> str:
    """`page_html` with its policy as the first thing its head says after the character set.
    `content`: the page's own content, whose scripts (if any) the policy does not allow."""
    theme_html = page_html.replace(content, "") if content else page_html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(theme_html)}">'
    head = _HEAD.search(page_html)
    if head is None:
        raise ValueError("the page has no <head> to put its Content-Security-Policy in")
    return page_html[: head.end()] + meta + page_html[head.end() :]
