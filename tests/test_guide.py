"""docs/adding-a-database-type.md, followed literally, leaves the checks green.

In a copy of the repository (its tracked files, as they are in the work tree), the guide's own
minimal file is added as a new type, and the commands the guide names are run: `make validate`,
`make golden`, then the tests that read the shipped catalog. The copy imports its own code and
reads its own catalog (PYTHONPATH), through this checkout's installed environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .budget import SCALE

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "adding-a-database-type.md"
# The tests that read the shipped catalog, its pages and its docs: what a new type can break.
CATALOG_TESTS = [
    "tests/test_golden.py",
    "tests/test_docs.py",
    "tests/test_seed.py",
    "tests/test_validation.py",
    "tests/test_cli.py",
    "tests/test_print_iam.py",
    "tests/test_render.py",
    "tests/test_site.py",
    "tests/test_emitted_data.py",
    "tests/test_diff.py",
]
LEAVE_OUT = [] if SCALE >= 1 else ["-m", "not slow"]
# make's stamps of the installed environment, which the copy shares and must never reinstall.
STAMPS = [".venv/.installed", ".venv/.installed-test", "node_modules/.installed"]


def _example() -> tuple[str, str]:
    """The guide's minimal file, and the name it must have."""
    text = GUIDE.read_text().rsplit("```yaml\n", 1)[1].split("```", 1)[0]
    match = re.search(r"^id: ([a-z0-9-]+)$", text, re.MULTILINE)
    assert match, "the guide's last YAML block is a type file"
    return text, f"{match[1]}.yaml"


def _copy(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in listed.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    # A contributor's copy is a clone: some tests read git (which files are tracked, the date).
    who = ["-c", "user.name=guide", "-c", "user.email=guide@example.com"]
    for args in (["init", "-q"], ["add", "-A"], [*who, "commit", "-q", "-m", "the project as it is"]):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".venv" / ".installed-test").exists(), reason="needs `make test`'s environment")
def test_following_the_guide_with_its_example_type_keeps_the_checks_green(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _copy(repo)
    text, name = _example()
    assert not (repo / "catalog" / name).exists(), "the guide's example must be a new type"
    (repo / "catalog" / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(repo / "plugins"), "IAM_CATALOG_CACHE": str(tmp_path / "cache")}
    env.pop("UPDATE_GOLDEN", None)

    def make(target: str) -> subprocess.CompletedProcess[str]:
        keep = [arg for stamp in STAMPS for arg in ("-o", stamp)]
        return subprocess.run(["make", *keep, target], cwd=repo, env=env, capture_output=True, text=True)

    validated = make("validate")
    assert validated.returncode == 0, validated.stderr
    assert validated.stderr.rstrip().endswith("0 errors, 0 warnings")
    golden = make("golden")
    assert golden.returncode == 0, golden.stdout[-3000:]
    overview = (repo / "tests" / "golden" / "overview.md").read_text()
    assert name.removesuffix(".yaml") in overview, "make golden rewrote the overview with the new type"
    tests = subprocess.run(
        # Under make test's budget, not the tests marked slow: they build catalogs of their own,
        # whatever the shipped one holds, and the suite runs them anyway. CI runs them here too.
        [
            str(repo / ".venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *LEAVE_OUT,
            *CATALOG_TESTS,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout[-5000:]
