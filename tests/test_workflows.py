"""The pull-request workflows: the gate runs and fails on an undeclared broadening, the report is
written and posted whether the checks passed or not, and the job that may write never runs the
pull request's code. The gate's own script is taken from the workflow file and run in a real git
repository, so the test follows the workflow, not a copy of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
DIFF = Path(__file__).parent / "diff"


def _workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return data


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _workflow("catalog.yml")["jobs"]["check"]["steps"]
    return steps


def _gate() -> dict[str, Any]:
    (step,) = (s for s in _steps() if "iam-catalog diff" in s.get("run", ""))
    return step


def test_the_gate_fails_on_broadening_and_runs_after_failed_checks() -> None:
    steps = _steps()
    tests = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("make test"))
    gate = _gate()
    assert "--fail-on broadening" in gate["run"]
    # Every step after the tests runs whatever they said (only a cancelled run stops them), so
    # the report is written and uploaded when the tests fail.
    assert all(s.get("if") == "${{ !cancelled() }}" for s in steps[tests + 1 :]), steps[tests + 1 :]
    upload = steps[-1]
    assert upload["uses"].startswith("actions/upload-artifact@") and upload["with"]["path"] == "report/"
    # Each check's outcome reaches the report.
    for step in steps[tests:]:
        if "id" in step:
            assert f"steps.{step['id']}.outcome" in str(gate["env"]), step["id"]


def test_the_comment_is_posted_for_failed_runs_and_never_runs_the_pull_requests_code() -> None:
    job = _workflow("review-comment.yml")["jobs"]["comment"]
    assert "conclusion == 'failure'" in job["if"] and "conclusion == 'success'" in job["if"]
    assert not any("actions/checkout" in s.get("uses", "") for s in job["steps"])
    assert set(job["permissions"]) == {"actions", "pull-requests"}
    check = _workflow("catalog.yml")["jobs"]["check"]
    assert check["permissions"] == {"contents": "read"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A pull request's checkout: main's catalog at origin/main, and the project's own installed
    command where the workflow finds it (.venv/bin)."""
    repo = tmp_path / "repo"
    shutil.copytree(DIFF / "base", repo / "catalog")
    (repo / ".venv").symlink_to(Path(sys.prefix))
    (repo / ".gitignore").write_text(".venv\nreport/\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    return repo


def _run_gate(repo: Path, case: str, tests: str = "success") -> tuple[int, str]:
    shutil.copy(DIFF / case / "after" / "alpha.yaml", repo / "catalog" / "alpha.yaml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am", case)
    env = {**os.environ, "BASE_REF": "main", "PR_NUMBER": "17", "TESTS": tests, "VALIDATE": "success"}
    env["SITE"] = "skipped"
    # GitHub runs a step's script with `bash -e {0}`.
    result = subprocess.run(["bash", "-e", "-c", _gate()["run"]], cwd=repo, env=env, capture_output=True, text=True)
    assert (repo / "report" / "pr-number").read_text() == "17\n"
    return result.returncode, (repo / "report" / "diff.md").read_text()


def test_the_gate_fails_on_an_undeclared_broadening_after_writing_the_report(repo: Path) -> None:
    code, report = _run_gate(repo, "added-action", tests="failure")
    assert code == 1
    assert "not declared" in report and "rds\\:ModifyDBInstance" in report
    assert "| `make test` | failure |" in report
    assert (
        "| `iam-catalog diff --fail-on broadening` | failed: a broadening that no change: marking declares |" in report
    )


def test_the_gate_passes_a_declared_broadening(repo: Path) -> None:
    code, report = _run_gate(repo, "declared-action")
    assert code == 0
    assert "Declared broadening" in report and "Teleport 18\\.0" in report
    assert "| `iam-catalog diff --fail-on broadening` | passed |" in report
