"""Where the bundled catalog lives, and what its files are called. Standard library only.

The loader always checks against the bundled schema, whichever folder it reads: the schema
belongs to this version of the code, not to a catalog folder. The CLI cache fingerprints
exactly what the loader reads, so that a cached answer can never outlive its inputs.
"""

from __future__ import annotations

import os
import stat

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


# Far above any real catalog file (the largest is a few kilobytes): a bound, not a budget.
MAX_FILE_BYTES = 4 * 1024 * 1024


class NotACatalogFile(Exception):
    """A catalog entry that is not a file to read; the message says why, in one line."""


def read_source(directory: str, name: str) -> bytes:
    """One catalog file's bytes. Only a regular file inside the folder is read (a link is
    followed only to one), and only up to MAX_FILE_BYTES: a FIFO, a device, a folder named
    `*.yaml` or a link to /dev/zero is refused before a byte is read, never hung on."""
    root = os.path.realpath(directory)
    real = os.path.realpath(os.path.join(directory, name))
    if os.path.commonpath([root, real]) != root:
        raise NotACatalogFile("is a link to outside the catalog folder")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise NotACatalogFile(f"cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotACatalogFile("is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise NotACatalogFile(f"is larger than {MAX_FILE_BYTES} bytes, far more than any catalog file")
        chunks, left = [], MAX_FILE_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:  # grew while it was read
        raise NotACatalogFile(f"is larger than {MAX_FILE_BYTES} bytes, far more than any catalog file")
    return data


def display_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 shown as escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
