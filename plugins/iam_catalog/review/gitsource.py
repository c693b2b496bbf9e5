"""Catalog files straight from a git revision, without a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path


class RevisionError(Exception):
    """The revision or its catalog folder cannot be read; the message says why in one line."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
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
        raise RevisionError(f"'{revision}' is neither a catalog folder nor a git revision") from None
    # Paths from the top of the repository, wherever we run, as `git show REV:PATH` wants them.
    listing = _git(["ls-tree", "-z", "--name-only", "--full-name", commit, "--", f":(top){folder}/"], where)
    names = [n.decode() for n in listing.split(b"\0") if n.endswith((b".yaml", b".yml"))]
    if not names:
        raise RevisionError(f"{revision} has no {folder}/ folder with catalog files")
    return {Path(name).name: _git(["show", f"{commit}:{name}"], where) for name in names}
