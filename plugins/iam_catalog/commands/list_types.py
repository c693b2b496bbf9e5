"""`iam-catalog list-types`: the database types, their services, and what tailors their policies."""

from __future__ import annotations

import json

from iam_catalog.commands._shared import catalog_option, choices_help, compiled

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, TextIO

HELP = "List the database types: id, title, the services that have a policy, aliases."
FORMATS = {
    "text": "one line per type",
    "json": "a list with each type's summary, services, choices and scopes, for `--without` and `--scope`",
}


def configure(sub: argparse.ArgumentParser) -> None:
    catalog_option(sub)
    sub.add_argument("--format", choices=list(FORMATS), default="text", help=choices_help(FORMATS, "text"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalog = compiled(args, err)
    if catalog is None:
        return 1
    types = catalog["types"]
    order = [s["id"] for s in catalog["services"]]

    def services(t: dict[str, Any]) -> list[str]:
        return [s for s in order if any(p["service"] == s for p in t["policies"])]

    def tailoring(t: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        from iam_catalog.iam.tailor import used

        choices, scopes = used(r for p in t["policies"] for r in p["rules"])
        # Each names the services whose policy it changes: print-iam --service selects them.
        services_of = t["tailoring_services"]
        return {
            "choices": [{"id": c, **catalog["choices"][c], "services": services_of[c]} for c in choices],
            "scopes": [{"name": n, **catalog["scopes"][n], "services": services_of[n]} for n in scopes],
        }

    if args.format == "json":
        rows = [
            {**{k: t[k] for k in ("id", "title", "aliases", "summary")}, "services": services(t), **tailoring(t)}
            for t in types
        ]
        print(json.dumps(rows, indent=2), file=out)
        return 0
    width = max(len(t["id"]) for t in types)
    title_width = max(len(t["title"]) for t in types)
    for t in types:
        aliases = f"  (also: {', '.join(t['aliases'])})" if t["aliases"] else ""
        print(f"{t['id']:<{width}}  {t['title']:<{title_width}}  {','.join(services(t))}{aliases}", file=out)
    return 0
