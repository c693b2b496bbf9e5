"""The iam-catalog command as scripts and people use it: list-types and validate (print-iam has
tests/test_print_iam.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.checks.loader import load_directory
from iam_catalog.commands.validate import _github

from .clirun import run
from .synthetic import write_catalog

CATALOG = load_directory(Path(bundled_dir())).require()


pytestmark = pytest.mark.usefixtures("own_cache")  # a compiled-catalog cache of each test's own


def test_every_format_option_is_its_commands_registry_of_reporters() -> None:
    """Each command's --format is made from one registry of formats (reporting.Formats): its
    choices are the registry's, its help names each format's own help, and each format runs its
    reporter; no command writes --format by hand."""
    import argparse

    from iam_catalog.cli import parser
    from iam_catalog.commands import names
    from iam_catalog.reporting import Formats

    seen = 0
    for name in names():
        top = parser(name)
        sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
        for action in sub._actions:
            if "--format" in action.option_strings:
                formats = getattr(action, "formats", None)
                assert isinstance(formats, Formats), name
                assert action.choices == formats.names() and action.default == formats.default
                assert all(f"`{n}`" in action.help and h in action.help for n, h in formats.described().items())
                seen += 1
    assert seen >= 7  # validate, list-types, print-iam, diff, check, explain, stack


def test_list_types_text_and_json() -> None:
    code, out, _ = run("list-types")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(CATALOG.types)
    assert lines[0].split()[0] == "documentdb" and "(also: docdb)" in lines[0]
    code, out, _ = run("list-types", "--format", "json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [line.split()[0] for line in lines]
    assert {"id", "title", "aliases", "summary", "services", "choices", "scopes"} == set(rows[0])
    assert rows[0]["services"] == [s.id for s in CATALOG.shared.services]  # DocumentDB has a policy for each
    for row, db_type in zip(rows, CATALOG.types, strict=True):
        # The model's view, computed apart from the compiled rules that list-types reads.
        assert {c["id"]: (c["label"], c["when"]) for c in row["choices"]} == {
            c.id: (c.label, c.when) for c in CATALOG.used_choices(db_type)
        }
        assert {v["name"]: (v["pattern"], v["example"]) for v in row["scopes"]} == {
            v.name: (v.pattern, v.example) for v in CATALOG.used_scopes(db_type)
        }
    assert any(row["choices"] for row in rows) and any(row["scopes"] for row in rows)
    # Each choice names the services whose policy it changes: print-iam --service selects them.
    for row, db_type in zip(rows, CATALOG.types, strict=True):
        owners: dict[str, set[str]] = {}
        for policy in db_type.own_policies():
            for st in policy.statements if policy.attach == SERVICE else ():
                for choice in st.choices():
                    owners.setdefault(choice, set()).add(CATALOG.service_of(policy))
        assert {c["id"]: set(c["services"]) for c in row["choices"]} == owners, row["id"]
    assert len({s for row in rows for c in row["choices"] for s in c["services"]}) > 1


def test_validate_reports_and_exits(tmp_path: Path) -> None:
    # The shipped catalog is silent: a warning that is always there teaches maintainers to ignore warnings.
    code, _, err = run("validate")
    assert (code, err) == (0, f"{bundled_dir()}: {len(CATALOG.types)} types, 0 errors, 0 warnings\n")
    assert run("validate", "--strict")[0] == 0
    catalog = tmp_path / "catalog"
    write_catalog(catalog, 0)
    rds = catalog / "rds.yaml"
    rds.write_text(re.sub(r"\n +unscoped: >-\n( {10}.*\n)+", "\n", rds.read_text(), count=1))
    code, _, err = run("validate", "--catalog", str(catalog), "--strict")
    assert code == 1 and "0 errors, 1 warning\n" in err and "say why not in unscoped" in err
    (catalog / "rds.yaml").write_text((catalog / "rds.yaml").read_text().replace("purpose:", "purpos:"))
    code, _, err = run("validate", "--catalog", str(catalog))
    first = next(n for n, line in enumerate((catalog / "rds.yaml").read_text().splitlines(), 1) if "purpos:" in line)
    assert code == 1 and f"{catalog}/rds.yaml:{first}: unknown key 'purpos'" in err


def _broken_catalog(tmp_path: Path) -> Path:
    catalog = tmp_path / "catalog"
    write_catalog(catalog, 0)
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("purpose:", "purpos:", 1).replace("rds-db:connect", "rds-db:conect, x"))
    return catalog


def test_validate_json_reports_every_problem_with_its_check(tmp_path: Path) -> None:
    catalog = _broken_catalog(tmp_path)
    code, out, err = run("validate", "--catalog", str(catalog), "--format", "json")
    report = json.loads(out)
    assert code == 1 and err == ""
    texts = {p.message for p in load_directory(catalog).problems}
    assert {p["message"] for p in report["problems"]} == texts
    assert report["errors"] == sum(p["severity"] == "error" for p in report["problems"]) >= 2
    by_message = {p["message"].split(" (")[0]: p["check"] for p in report["problems"]}
    assert by_message["unknown key 'purpos' in statement"] == "schema"
    assert set(report) == {"catalog", "types", "errors", "warnings", "problems"} and report["types"] is None


def test_validate_github_prints_a_workflow_command_per_problem(tmp_path: Path) -> None:
    catalog = _broken_catalog(tmp_path)
    code, out, err = run("validate", "--catalog", str(catalog), "--format", "github")
    problems = load_directory(catalog).problems
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(problems)
    first = problems[0]
    path = str(first.path).replace(":", "%3A").replace(",", "%2C")
    assert (
        lines[0] == f"::{first.severity} file={path},line={first.line},title=iam-catalog {first.check}::{first.message}"
    )
    assert all(re.fullmatch(r"::(error|warning) file=[^,]+,line=\d+,title=iam-catalog \w+::.+", line) for line in lines)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    assert err == f"{catalog}: {errors} errors, {warnings} warnings\n"  # stdout holds only the commands


def test_github_commands_escape_what_would_end_them() -> None:
    from iam_catalog.catalog.problems import Problem

    problem = Problem("dir,a:b/rds.yaml", 7, "100% sure:\nsecond line", "warning", "rules")
    assert _github(problem) == (
        "::warning file=dir%2Ca%3Ab/rds.yaml,line=7,title=iam-catalog rules::100%25 sure:%0Asecond line"
    )


def test_version_is_the_installed_packages_on_stdout() -> None:
    from importlib import metadata

    done = subprocess.run(
        [sys.executable, "-m", "iam_catalog.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"iam-catalog {metadata.version('iam-catalog')}\n", "")
    helped = subprocess.run(
        [sys.executable, "-m", "iam_catalog.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert "--version" in helped.stdout
