"""The CLI's fast path: a compiled catalog, cached by the content that produced it.

A catalog is read, checked and compiled once; later runs read every source file, hash it
together with the schema and this package's code, and load the compiled JSON stored under that hash. Any
edit to a catalog file or to the code gives a new hash, so a stale answer cannot be served.
"""

from __future__ import annotations

import hashlib
import json
import os

from iam_catalog.catalog.location import PACKAGE, bundled_dir, schema_path, source_names

# `typing` is not imported at run time: a cached run must cost little more than Python's
# start (tests/test_startup.py holds the line).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from iam_catalog.catalog.problems import Problem


def cache_dir() -> str:
    explicit = os.environ.get("IAM_CATALOG_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iam-catalog")


def _inputs(directory: str) -> list[str]:
    """Every file the loader reads for `directory`, and the code that checks and compiles it."""
    code = [
        os.path.join(folder, name) for folder, _, names in os.walk(PACKAGE) for name in names if name.endswith(".py")
    ]
    return [*(os.path.join(directory, n) for n in source_names(directory)), schema_path(), *sorted(code)]


def _fingerprint(directory: str) -> str:
    digest = hashlib.sha256()
    for path in _inputs(directory):
        with open(path, "rb") as f:
            data = f.read()
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _store(path: str, compiled: dict[str, Any]) -> None:
    import tempfile  # only on a miss: it costs more to import than a hit takes

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(compiled, f)
        os.replace(tmp, path)  # readers see the old file or the whole new one
    except OSError:
        pass  # a read-only home only costs speed


def load_compiled(directory: str | None) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The compiled catalog, or None and every problem that stops it."""
    directory = directory or bundled_dir()
    try:
        path = os.path.join(cache_dir(), _fingerprint(directory) + ".json")
    except OSError:
        path = None  # unreadable: the full load below reports it properly
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                cached: dict[str, Any] = json.load(f)
            return cached, []
        except (OSError, ValueError):
            pass
    from pathlib import Path

    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.checks.loader import load_directory

    loaded = load_directory(Path(directory))
    if loaded.errors or loaded.catalog is None:
        return None, loaded.errors
    compiled = compile_catalog(loaded.catalog)
    if path:
        _store(path, compiled)
    return compiled, []
