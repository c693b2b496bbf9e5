"""`iam-catalog list-types`: the database types, their services, and what tailors their policies."""

from __future__ import annotations

import json

from iam_catalog.commands._shared import catalog_option, compiled, format_option
from iam_catalog.reporting import Format, Formats, Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, TextIO

HELP = "List the database types: id, title, the services that have a policy, aliases."


def _services(catalog: dict[str, Any], t: dict[str, Any]) -> list[str]:
    return [s["id"] for s in catalog["services"] if any(p["service"] == s["id"] for p in t["policies"])]


def _tailoring(catalog: dict[str, Any], t: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    from iam_catalog.iam.tailor import used

    choices, scopes = used(r for p in t["policies"] for r in p["rules"])
    # Each names the services whose policy it changes: print-iam --service selects them.
    services_of = t["tailoring_services"]
    return {
        "choices": [{"id": c, **catalog["choices"][c], "services": services_of[c]} for c in choices],
        "scopes": [{"name": n, **catalog["scopes"][n], "services": services_of[n]} for n in scopes],
    }


def _json(catalog: dict[str, Any], _: Options) -> tuple[str, str]:
    rows = [
        {
            **{k: t[k] for k in ("id", "title", "aliases", "summary")},
            "services": _services(catalog, t),
            **_tailoring(catalog, t),
        }
        for t in catalog["types"]
    ]
    return json.dumps(rows, indent=2) + "\n", ""


def _text(catalog: dict[str, Any], _: Options) -> tuple[str, str]:
    types = catalog["types"]
    width = max(len(t["id"]) for t in types)
    title_width = max(len(t["title"]) for t in types)
    lines = []
    for t in types:
        aliases = f"  (also: {', '.join(t['aliases'])})" if t["aliases"] else ""
        lines.append(f"{t['id']:<{width}}  {t['title']:<{title_width}}  {','.join(_services(catalog, t))}{aliases}\n")
    return "".join(lines), ""


FORMATS = Formats(
    Format("text", "one line per type", _text),
    Format(
        "json", "a list with each type's summary, services, choices and scopes, for `--without` and `--scope`", _json
    ),
    default="text",
)


def configure(sub: argparse.ArgumentParser) -> None:
    catalog_option(sub)
    format_option(sub, FORMATS)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalog = compiled(args, err)
    if catalog is None:
        return 1
    FORMATS.show(args.format, catalog, Options(), out, err)
    return 0
