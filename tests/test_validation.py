"""Catalog validation: example files, exact messages and lines, and hostile input."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import CHECKS, Problem
from iam_catalog.checks.loader import load_directory

from .synthetic import write_catalog

CASES = Path(__file__).parent / "cases"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
PWNED = Path("/tmp/iam-catalog-pwned")


def expectations(case: Path) -> set[str]:
    """The case's own `# expect` lines, as `file:line: message`."""
    out = set()
    for raw in case.read_bytes().decode("latin-1").splitlines():
        if raw.startswith("# expect: "):
            out.add(f"{case.name}:{raw.removeprefix('# expect: ')}")
        elif raw.startswith("# expect "):
            name, _, rest = raw.removeprefix("# expect ").partition(": ")
            out.add(f"{name}:{rest}")
    return out


def found(tmp_path: Path, case: Path) -> tuple[list[Problem], float]:
    catalog = tmp_path / "catalog"
    shutil.copytree(Path(bundled_dir()), catalog)
    shutil.copy(case, catalog / case.name)
    start = time.process_time()
    problems = load_directory(catalog).problems
    return problems, time.process_time() - start


def shown(problems: list[Problem]) -> set[str]:
    """Each problem as printed, with the file's name in place of its temporary path."""
    return {str(p).replace(p.path, Path(p.path).name, 1) for p in problems}


def test_there_are_cases() -> None:
    assert len(VALID) >= 2 and len(INVALID) >= 20
    assert all(expectations(case) for case in INVALID)


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_case_reports_exactly_its_errors(tmp_path: Path, case: Path) -> None:
    problems, seconds = found(tmp_path, case)
    assert shown([p for p in problems if p.severity == "error"]) == expectations(case)
    assert seconds < 1.0
    assert not PWNED.exists(), "a YAML tag ran a command"


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_case_has_no_errors_and_exactly_its_warnings(tmp_path: Path, case: Path) -> None:
    problems, _ = found(tmp_path, case)
    assert not [p for p in problems if p.severity == "error"]
    own = [p for p in problems if Path(p.path).name == case.name]
    assert shown(own) == expectations(case)


def test_every_problem_is_reported_once(tmp_path: Path) -> None:
    problems, _ = found(tmp_path, CASES / "invalid" / "sid-rules.yaml")
    assert len(problems) == len(set(problems))


def test_project_catalog_has_no_errors() -> None:
    loaded = load_directory(Path(bundled_dir()))
    assert not loaded.errors
    types = [p for p in Path(bundled_dir()).glob("*.yaml") if not p.name.startswith("_")]
    assert loaded.catalog is not None and len(loaded.catalog.types) == len(types) > 0


def test_every_catalog_file_starts_with_the_schema_modeline() -> None:
    for path in sorted(Path(bundled_dir()).glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=schema.json"), path


def test_unreadable_folder_is_one_problem(tmp_path: Path) -> None:
    problems = load_directory(tmp_path / "missing").problems
    assert [str(p) for p in problems] == [f"{tmp_path / 'missing'}: cannot read the catalog: no such folder"]


def test_a_catalog_twenty_times_larger_loads_in_seconds(tmp_path: Path) -> None:
    """A guard, not a benchmark (bench/ measures): a quadratic slip once made this take 27 s."""
    catalog = write_catalog(tmp_path / "catalog", 228)
    start = time.process_time()
    loaded = load_directory(catalog)
    assert not loaded.errors
    assert time.process_time() - start < 5.0


CLI_DOC = Path(__file__).parents[1] / "docs" / "cli.md"


def codes_of(case: Path) -> set[str]:
    """The case's own `# codes:` line: the checks whose errors it must produce, exactly."""
    lines = [raw for raw in case.read_text(errors="replace").splitlines() if raw.startswith("# codes: ")]
    assert len(lines) == 1, f"{case.name} states its codes once"
    return set(lines[0].removeprefix("# codes: ").split(", "))


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_every_problem_names_the_check_that_found_it(tmp_path: Path, case: Path) -> None:
    """Each error carries a registered code, and a case's errors carry exactly the codes it states."""
    problems, _ = found(tmp_path, case)
    assert all(p.check in CHECKS for p in problems), [p for p in problems if p.check not in CHECKS]
    assert {p.check for p in problems if p.severity == "error"} == codes_of(case)


def checks_table() -> str:
    rows = [f"| `{code}` | {CHECKS[code]} |" for code in sorted(CHECKS)]
    return "\n".join(["<!-- checks -->", "| Check | What it checks |", "| --- | --- |", *rows, "<!-- /checks -->"])


def test_docs_list_every_registered_check() -> None:
    """docs/cli.md's table is the registry; `UPDATE_GOLDEN=1` writes it."""
    text = CLI_DOC.read_text()
    written = re.search(r"<!-- checks -->.*?<!-- /checks -->", text, re.DOTALL)
    assert written
    if os.environ.get("UPDATE_GOLDEN"):
        CLI_DOC.write_text(text.replace(written[0], checks_table()))
    else:
        assert written[0] == checks_table()
    assert len(CHECKS) >= 18 and all(CHECKS.values())


def test_a_copied_type_file_is_told_of_every_collision_in_itself_and_in_the_original(tmp_path: Path) -> None:
    """The guide's first step copies the closest file: the copy's author must see each clash in the
    copy, and each message names the other place as `file:line`."""
    catalog = tmp_path / "catalog"
    shutil.copytree(Path(bundled_dir()), catalog)
    original = next(p for p in sorted(catalog.glob("*.yaml")) if not p.name.startswith("_"))
    shutil.copy(original, catalog / "copy.yaml")
    errors = load_directory(catalog).errors
    collisions = [p for p in errors if " also " in p.message]
    in_copy = [p for p in collisions if Path(p.path).name == "copy.yaml"]
    in_original = [p for p in collisions if Path(p.path).name == original.name]
    assert in_copy and len(in_copy) == len(in_original)
    for problem in in_copy:
        assert re.search(rf"at {re.escape(original.name)}:\d+", problem.message), problem
    for problem in in_original:
        assert re.search(r"at copy\.yaml:\d+", problem.message), problem
    assert any(p.message.startswith("id ") for p in in_copy)  # the type's id too, not only Sids


def test_a_check_that_crashes_is_a_problem_at_the_file_it_was_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside a check (here AWS's facts failing on one action, and the quotas
    check's compiler failing outright) is an error at the file and line the check was reading,
    with the check's code, and every other check still runs: the run never ends in a traceback."""
    import json

    from iam_catalog.aws import facts
    from iam_catalog.checks import quotas

    expand = facts.expand

    def failing(action: str) -> list[str]:
        if action == "rds-db:connect":
            raise RuntimeError("the AWS data broke")
        return expand(action)

    monkeypatch.setattr(facts, "expand", failing)
    loaded = load_directory(Path(bundled_dir()))
    crashed = [p for p in loaded.errors if "stopped on an internal error (RuntimeError)" in p.message]
    assert crashed and {p.check for p in crashed} == {"actions"}, loaded.errors
    assert all(p.path.endswith(".yaml") and p.line > 1 for p in crashed), crashed
    assert loaded.catalog is None  # an unchecked catalog is no catalog

    monkeypatch.setattr(facts, "expand", expand)
    monkeypatch.setattr(quotas, "compile_catalog", lambda *_: 1 / 0)
    import io

    from iam_catalog import cli

    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["validate", "--format", "json"], out, err) == 1
    report = json.loads(out.getvalue())
    found = [p for p in report["problems"] if "ZeroDivisionError" in p["message"]]
    assert [(p["check"], Path(p["path"]).name) for p in found] == [("quotas", "_shared.yaml")], report
    assert "Traceback" not in err.getvalue()
