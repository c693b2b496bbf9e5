"""Catalog validation: example files, exact messages and lines, and hostile input."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import Problem
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
    start = time.perf_counter()
    problems = load_directory(catalog).problems
    return problems, time.perf_counter() - start


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
    assert loaded.catalog is not None and len(loaded.catalog.types) == 13


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
    start = time.perf_counter()
    loaded = load_directory(catalog)
    assert not loaded.errors
    assert time.perf_counter() - start < 5.0


CODES = {"files", "yaml", "schema", "actions", "resources", "sids", "names", "services", "variables", "prose"}
CODES |= {"statement-shape", "covered-statement", "type", "quotas", "rules"}
CODES |= {"tailoring-declarations", "tailoring-statement", "tailoring-use"}


def test_every_problem_names_the_check_that_found_it(tmp_path: Path) -> None:
    """docs/cli.md lists these codes; each invalid case's problems carry one, and the right one."""
    seen: dict[str, set[str]] = {}
    for case in INVALID:
        problems, _ = found(tmp_path / case.stem, case)
        for p in problems:
            seen.setdefault(p.check, set()).add(p.message)
    assert set(seen) <= CODES
    assert any("sids are unique" in m for m in seen["sids"])
    assert any("is not declared here" in m for m in seen["tailoring-statement"])
    assert any("unknown action" in m for m in seen["actions"])
    assert all(f"`{code}`" in (Path(__file__).parents[1] / "docs" / "cli.md").read_text() for code in CODES)
