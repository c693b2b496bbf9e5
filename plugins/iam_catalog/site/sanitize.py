"""The last layer for generated pages: an allowlist over the HTML their Markdown became.

Catalog text is escaped when a template prints it (escape.py) and prose keeps to a declared
subset (catalog/prose.py); this layer does not trust either. Whatever the Markdown parser and
its extensions made of a page, only these elements, attributes and URL schemes survive, as
Ammonia (through nh3) parses and re-serialises the HTML. The list is what the templates and the
prose subset produce, and `tests/test_hostile.py` holds every generated page to it.
"""

from __future__ import annotations

import nh3

_EVERYWHERE = {"class", "id", "hidden", "title", "role"}
ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "download"},
    "br": set(),
    "button": {"type"},
    "code": set(),
    "details": {"open"},
    "div": set(),
    "em": set(),
    "fieldset": set(),
    "form": set(),
    **{f"h{n}": set() for n in range(1, 7)},
    "input": {"type", "name", "value", "checked", "placeholder", "autocomplete"},
    "label": {"for"},
    "legend": set(),
    "li": set(),
    "noscript": set(),
    "ol": set(),
    "option": {"value", "selected"},
    "p": set(),
    "path": {"d"},  # the theme's icons, inline
    "pre": set(),
    "select": set(),
    "span": set(),
    "strong": set(),
    "summary": set(),
    "svg": {"viewBox", "xmlns"},
    "table": set(),
    "tbody": set(),
    "td": {"style"},
    "th": {"style"},
    "thead": set(),
    "tr": set(),
    "ul": set(),
}
URL_SCHEMES = {"https", "http", "mailto"}
STYLE_PROPERTIES = {"text-align"}  # table columns aligned by Markdown; no other CSS
DATA_ATTRIBUTES = "data-"  # the page script's hooks (data-json, data-policy, ...): inert text


def sanitize(html: str) -> str:
    """`html` with every element, attribute and URL outside the allowlist removed."""
    return nh3.clean(
        html,
        tags=set(ATTRIBUTES),
        attributes={"*": _EVERYWHERE, **ATTRIBUTES},
        generic_attribute_prefixes={DATA_ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )
