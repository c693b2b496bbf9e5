"""Catalog files straight from a git revision, without a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from iam_catalog.catalog.location import MAX_FILE_BYTES, display_name


class RevisionError(Exception):
    """The revision or its catalog folder cannot be read; the message says why in one line."""


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise RevisionError(message[-1] if message else f"git {' '.join(args)} failed")
    return result.stdout


def read_revision(revision: str, folder: str = "catalog", cwd: Path | None = None) -> dict[str, bytes]:
    """The catalog folder's files at `revision`, by file name."""
    where = cwd or Path.cwd()
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], where).decode().strip()
    except RevisionError:
        raise RevisionError(f"{revision!r} is neither a catalog folder nor a git revision") from None
    # Paths from the top of the repository, wherever we run, as `git show REV:PATH` wants them.
    listing = _git(["ls-tree", "-z", "--name-only", "--full-name", commit, "--", f":(top){folder}/"], where)
    # A name that is not UTF-8 is kept as git has it (surrogate escapes): the loader reports it.
    names = [n.decode("utf-8", "surrogateescape") for n in listing.split(b"\0") if n.endswith((b".yaml", b".yml"))]
    if not names:
        raise RevisionError(f"{revision} has no {folder}/ folder with catalog files")
    return dict(zip((Path(n).name for n in names), _blobs(commit, names, where), strict=True))


def _blobs(commit: str, names: list[str], where: Path) -> list[bytes]:
    """The files' contents, read through one `git cat-file --batch` rather than a git per file."""
    for name in names:
        if "\n" in name:
            raise RevisionError(f"{display_name(name)!r}: a catalog file name cannot hold a line break")
    request = "".join(f"{commit}:{n}\n" for n in names).encode("utf-8", "surrogateescape")
    # Sizes first: a revision is anyone's, and a file past the loader's bound is never read.
    for name, line in zip(names, _git(["cat-file", "--batch-check"], where, request).splitlines(), strict=True):
        found = line.split()
        if len(found) == 3 and found[1] == b"blob" and int(found[2]) > MAX_FILE_BYTES:
            raise RevisionError(
                f"{display_name(name)} at {commit[:12]} is larger than {MAX_FILE_BYTES} bytes, far more than any"
                " catalog file"
            )
    out = _git(["cat-file", "--batch"], where, request)
    blobs, pos = [], 0
    for name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise RevisionError(f"git could not read {display_name(name)} at {commit[:12]}")
        size = int(header[2])
        blobs.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1  # the content, then one newline
    return blobs
