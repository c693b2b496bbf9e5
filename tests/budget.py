"""How much random input the property and differential tests draw, from one knob.

`IAM_CATALOG_TEST_BUDGET` multiplies every count of random examples in the suite: Hypothesis's
`max_examples`, the random policy pairs of the oracle tests, the twin's batches. The counts in
the tests are the full run, budget 1, which CI runs (.ci/run). A contributor's `make test`
runs at 0.3 by default, three tenths of each, so that it answers within 6 minutes on a 2-core machine;
anyone chasing a rare bug raises it (`IAM_CATALOG_TEST_BUDGET=10 make test`). It never goes
below one example, and the fixed cases (golden files, named inputs) do not change with it.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

try:
    SCALE = float(os.environ.get("IAM_CATALOG_TEST_BUDGET", "0.3"))
except ValueError as exc:  # a typo must not silently run the default
    raise RuntimeError("IAM_CATALOG_TEST_BUDGET must be a number, such as 1 or 2.5") from exc
if not SCALE > 0:
    raise RuntimeError("IAM_CATALOG_TEST_BUDGET must be more than 0")


def examples(count: int) -> int:
    """`count` random examples, scaled by the budget."""
    return max(1, round(count * SCALE))


def sample(items: list[T]) -> list[T]:
    """An exhaustive list of cases, thinned by the budget: every one at 1 or more, else an even
    spread (every third one at 0.3), always the same ones."""
    step = 1 if SCALE >= 1 else round(1 / SCALE)
    return items[::step]
