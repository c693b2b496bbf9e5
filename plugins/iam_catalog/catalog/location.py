"""Where the bundled catalog lives, and what its files are called. Standard library only.

The loader always checks against the bundled schema, whichever folder it reads: the schema
belongs to this version of the code, not to a catalog folder. The CLI cache fingerprints
exactly what the loader reads, so that a cached answer can never outlive its inputs.
"""

from __future__ import annotations

import os

SHARED_FILE = "_shared.yaml"
SCHEMA_FILE = "schema.json"
SUFFIX = ".yaml"
SOURCE_SUFFIXES = (SUFFIX, ".yml")  # read, so that a misnamed file is reported, not ignored

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bundled_dir() -> str:
    """The catalog shipped with the package, or the source tree's in a development install."""
    packaged = os.path.join(PACKAGE, "data")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(os.path.dirname(PACKAGE)), "catalog")


def schema_path() -> str:
    return os.path.join(bundled_dir(), SCHEMA_FILE)


def source_names(directory: str) -> list[str]:
    """The catalog files of a folder, in a stable order. Raises OSError when it cannot be read."""
    return sorted(name for name in os.listdir(directory) if name.endswith(SOURCE_SUFFIXES))
