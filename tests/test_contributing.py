"""docs/contributing.md's snippets for other repositories: the pre-commit hook they name exists,
and every `iam-catalog` command line in them is one the command accepts."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from iam_catalog import cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "contributing.md").read_text()
SNIPPETS: list[Any] = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", PAGE, re.DOTALL)]


def _parse(argv: list[str]) -> Any:
    assert argv[0] == "iam-catalog", argv
    return cli.parser(argv[1]).parse_args(argv[1:])


def test_the_pre_commit_snippet_names_the_published_hook_and_its_args_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # another repository, whose catalog is not in catalog/
    (config,) = [s for s in SNIPPETS if isinstance(s, dict) and "repos" in s]
    published = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (repo,) = config["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), "the snippet pins a full commit"
    for hook in repo["hooks"]:
        entry = published[hook["id"]]["entry"]
        # pre-commit runs the entry with the args after it; the last --catalog wins.
        args = _parse([*shlex.split(entry), *hook.get("args", [])])
        folder = hook["args"][hook["args"].index("--catalog") + 1]
        assert args.catalog == folder and args.strict
        (tmp_path / folder).mkdir(parents=True)
        code, err = cli.run([*shlex.split(entry)[1:], *hook["args"]], io.StringIO(), io.StringIO()), None
        assert code == 1 and err is None  # it ran on the folder: an empty one is a catalog problem, not exit 2
        assert re.match(hook["files"], f"{folder}/rds.yaml") and not re.match(hook["files"], "catalog/rds.yaml")


def test_the_workflow_snippet_runs_commands_that_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workflow,) = [s for s in SNIPPETS if isinstance(s, dict) and "jobs" in s]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iam" / "catalog").mkdir(parents=True)  # --catalog must name a folder
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    lines = [shlex.split(run) for run in runs if run.startswith("iam-catalog ")]
    assert {argv[1] for argv in lines} == {"validate", "diff"}
    for argv in lines:
        _parse(argv)
    ours = yaml.safe_load((ROOT / ".github" / "workflows" / "catalog.yml").read_text())["jobs"]["check"]["steps"]
    pinned = {s["uses"] for s in ours if "uses" in s}
    theirs = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert theirs and set(theirs) <= pinned, "the snippet pins the same actions as our own workflow"
