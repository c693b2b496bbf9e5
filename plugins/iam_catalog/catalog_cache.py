"""The CLI's fast path: a compiled catalog, cached by the content that produced it.

A catalog is read, checked and compiled once; later runs read every source file, hash it
together with this package's code, and load the compiled JSON stored under that hash. Any
edit to a catalog file or to the code gives a new hash, so a stale answer cannot be served.
Standard library only: this runs before anything heavy is imported.
"""

from __future__ import annotations

import hashlib
import json
import os

# On the CLI start-up path: importing `typing` alone costs more than a cached run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .problems import Problem

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def bundled_dir() -> str:
    """The catalog shipped with the package, or the source tree's in a development install."""
    packaged = os.path.join(_PACKAGE, "catalog")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(os.path.dirname(_PACKAGE)), "catalog")


def cache_dir() -> str:
    explicit = os.environ.get("IAM_CATALOG_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iam-catalog")


def _fingerprint(directory: str) -> str:
    digest = hashlib.sha256()
    for folder, suffixes in ((directory, (".yaml", ".yml", ".json")), (_PACKAGE, (".py",))):
        for name in sorted(os.listdir(folder)):
            if name.endswith(suffixes):
                with open(os.path.join(folder, name), "rb") as f:
                    data = f.read()
                digest.update(f"{folder}/{name}\0{len(data)}\0".encode())
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

    from .compiled import compile_catalog
    from .loader import load_directory

    loaded = load_directory(Path(directory))
    if loaded.errors or loaded.catalog is None:
        return None, loaded.errors
    compiled = compile_catalog(loaded.catalog)
    if path:
        _store(path, compiled)
    return compiled, []
