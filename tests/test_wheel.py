"""The wheel a user installs holds the whole package and the catalog, with nothing left behind."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def _tracked(folder: str) -> set[str]:
    listing = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    return {line for line in listing.stdout.splitlines() if line}


def test_wheel_ships_every_package_file_and_the_catalog(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = {f"iam_catalog/{p.removeprefix('plugins/iam_catalog/')}" for p in _tracked("plugins/iam_catalog")}
    catalog = {f"iam_catalog/data/{Path(p).name}" for p in _tracked("catalog")}
    assert package and catalog
    assert package - names == set()
    assert catalog - names == set()
    from iam_catalog.site.render import SCRIPTS, STYLESHEET

    assert {f"iam_catalog/site/{path}" for path in (STYLESHEET, *SCRIPTS)} <= names
