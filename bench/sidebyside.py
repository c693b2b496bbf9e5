"""Timing two commands side by side: alternated run by run, so noise hits both alike."""

from __future__ import annotations

import statistics
import subprocess
import time


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def medians(first: list[str], second: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median seconds of each command, after one untimed run of each."""
    times: dict[int, list[float]] = {0: [], 1: []}
    commands = {0: first, 1: second}
    for which in commands:
        seconds(commands[which], env)
    for i in range(runs):
        for which in (0, 1) if i % 2 == 0 else (1, 0):
            times[which].append(seconds(commands[which], env))
    return statistics.median(times[0]), statistics.median(times[1])


def report(what: str, ratio: float, budget: float, runs: int) -> bool:
    """Print one measurement with its ratio and whether it is within budget; return that."""
    within = ratio <= budget
    print(f"{what}  ratio {ratio:4.2f}  ({'within' if within else 'OVER'} the {budget} budget, median of {runs})")
    return within


def real_types() -> int:
    from iam_catalog.catalog.location import bundled_dir, source_names

    return len([n for n in source_names(bundled_dir()) if not n.startswith("_")])


def twenty_times() -> int:
    """How many generated types make the catalog 20 times its size."""
    return 19 * real_types()


def label(extra_types: int) -> str:
    real = real_types()
    size = f"{(real + extra_types) // real}x catalog" if extra_types else "catalog"
    return f"{size} ({real + extra_types} types)"
