"""Whatever the bytes, the loader answers with problems, never with another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import CatalogError
from iam_catalog.checks.loader import load_sources

from .budget import examples

REAL = {p.name: p.read_bytes() for p in sorted(Path(bundled_dir()).glob("*.yaml"))}
NAMES = sorted(REAL)


def _load(sources: dict[str, bytes]) -> None:
    try:
        load_sources(sources, "catalog").require()
    except CatalogError as exc:
        assert exc.problems, "an error with nothing to say"
        assert all(p.message and p.line >= 0 for p in exc.problems)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_as_a_type_file(text: str) -> None:
    _load({**REAL, "fuzz.yaml": text.encode("utf-8", "surrogatepass")})


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_the_shared_file(data: bytes) -> None:
    _load({**REAL, "_shared.yaml": data})


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    lines = REAL[name].split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap", "indent", "dedent", "replace"]))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = b"  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        else:
            lines[i] = draw(st.binary(max_size=40))
    return {**REAL, name: b"\n".join(lines)}


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_catalog(sources: dict[str, bytes]) -> None:
    _load(sources)
