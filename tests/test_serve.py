"""`mkdocs serve` rebuilds once when a catalog file changes, and never loops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import copy_project
from .synthetic import write_catalog


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(log: Path, text: str, count: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.read_text().count(text) >= count:
            return True
        time.sleep(0.2)
    return False


def _settled(log: Path) -> int:
    """The number of builds once it has stayed the same for two seconds."""
    count = -1
    while count != (count := log.read_text().count("Documentation built")):
        time.sleep(2)
    return count


@pytest.mark.slow
def test_catalog_edit_rebuilds_once(tmp_path: Path) -> None:
    config = copy_project(tmp_path / "project")
    log = tmp_path / "serve.log"
    address = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", address]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        assert _wait_for(log, "Serving on", 1, 60), log.read_text()
        built = _settled(log)
        rds = tmp_path / "project" / "catalog" / "rds.yaml"
        before = rds.read_text()
        rds.write_text(
            before.replace("purpose: Connect to a database with IAM", "purpose: Connect to a database with AWS IAM")
        )
        assert rds.read_text() != before, "the edit must change the file"
        assert _wait_for(log, "Documentation built", built + 1, 30), log.read_text()
        time.sleep(4)  # a loop would rebuild again within the watcher's interval
        assert log.read_text().count("Documentation built") == built + 1, log.read_text()
    finally:
        server.terminate()
        server.wait(10)


def test_a_rebuild_reuses_what_an_unchanged_catalog_gave_and_rereads_only_an_edited_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iam_catalog.checks import loader
    from iam_catalog.rebuilds import SiteBuilds

    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))
    catalog = write_catalog(tmp_path / "catalog", 0)
    rebuilds = SiteBuilds()
    read: list[str] = []
    real = loader._read_file
    monkeypatch.setattr(loader, "_read_file", lambda name, *args: read.append(name) or real(name, *args))
    first = rebuilds.build(catalog, True)
    assert len(read) == len(list(catalog.glob("*.yaml"))) and not first[0]
    assert rebuilds.build(catalog, True) is first and len(read) == len(list(catalog.glob("*.yaml")))
    # Another process (the next `mkdocs build`) takes the same pages from the cache, reading no file.
    read.clear()
    again = SiteBuilds().build(catalog, True)
    assert read == [] and again[1:] == first[1:]
    rebuilds.build(catalog, True)
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("Connect to a database with IAM", "Connect to a database with AWS IAM"))
    errors, _, files, _ = rebuilds.build(catalog, True)
    assert read == ["rds.yaml"] and not errors
    assert b"Connect to a database with AWS IAM" in files["reference/rds.md"]
    read.clear()
    fresh = SiteBuilds().build(catalog, True)  # the edit made the cache entry stale
    assert len(read) == len(list(catalog.glob("*.yaml"))) and fresh[2] == files
    rds.write_text(rds.read_text().replace("purpose:", "purpos:", 1))
    broken, _, files, _ = rebuilds.build(catalog, True)
    assert broken and files == {}  # the plugin refuses the build; the last site stays
    assert SiteBuilds().build(catalog, True)[0]  # and no cache entry stands for the broken catalog
    assert rebuilds.build(catalog, False)[0]  # and is not taken for a good one later
