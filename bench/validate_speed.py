"""How long `iam-catalog validate` takes on a type with 6,000 statements, beside the real catalog.

The checks that compare statements with each other (one statement covering another) must grow
with the statements, not with their square: the catalog with one such type must validate in
under 5 seconds (the real catalog takes a fraction of one). Both commands run alternately; the
ratio says how the large type compares with the real catalog on the same machine.

    python bench/validate_speed.py [--runs N] [--statements N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sidebyside import medians
from tests.synthetic import large_type, write_catalog

BUDGET_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", type=int, default=6000)
    args = parser.parse_args()
    command = str(Path(sys.executable).parent / "iam-catalog")
    with tempfile.TemporaryDirectory() as tmp:
        real = write_catalog(Path(tmp) / "real", 0)
        large = write_catalog(Path(tmp) / "large", 0)
        (large / "large.yaml").write_text(large_type(args.statements))
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        # validate exits 1 on the large type (a policy that size is over AWS's quota): `; true`.
        took_large, took_real = medians(
            ["sh", "-c", f"{command} validate --catalog {large} > /dev/null; true"],
            ["sh", "-c", f"{command} validate --catalog {real} > /dev/null; true"],
            args.runs,
            env,
        )
    within = took_large <= BUDGET_SECONDS
    print(
        f"validate with a type of {args.statements} statements {took_large:5.2f} s, the real catalog {took_real:5.2f} s"
        f"  ratio {took_large / took_real:4.2f}  ({'within' if within else 'OVER'} the {BUDGET_SECONDS} s budget,"
        f" median of {args.runs})"
    )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
