"""iam-catalog diff: golden reports for fixture pairs, the broadening gate, git revisions."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from iam_catalog import cli
from iam_catalog.review.report import gfm

from .clirun import run

DIFF = Path(__file__).parent / "diff"
CASES = sorted(p.name for p in DIFF.iterdir() if (p / "after").is_dir())
# Broadenings that the change does not declare, which fail the gate; and those it declares.
UNDECLARED = {"added-action", "widened-to-star", "new-type", "trust-to-anyone", "marking-without-reference"}
UNDECLARED |= {"declared-elsewhere", "default-changed"}  # a marking on a statement that does not allow the witness
DECLARED = {"declared-action", "declared-new-type"}


def after_catalog(case: str, tmp_path: Path) -> Path:
    """The base catalog with the case's files laid over it."""
    target = tmp_path / "after"
    shutil.copytree(DIFF / "base", target)
    for path in (DIFF / case / "after").glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def test_cases_cover_the_kinds_of_change() -> None:
    assert set(CASES) == {
        "added-action", "removed-action", "widened-to-star", "renamed-sid", "new-type", "purpose-only", "no-change",
        "trust-to-anyone", "narrowed-from-star", "condition-added", "declared-action", "declared-new-type",
        "marking-without-reference", "declared-elsewhere", "policy-renamed", "default-changed",
    }  # fmt: skip


GOLDEN = {"markdown": "expected.md", "json": "expected.json", "text": "expected.txt"}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fmt", list(GOLDEN))
def test_report_matches_golden(case: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    after_catalog(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DIFF / "base", tmp_path / "before")
    code, out, err = run("diff", "before", "after", "--format", fmt)
    assert (code, err) == (0, "")
    golden = DIFF / case / GOLDEN[fmt]
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


@pytest.mark.parametrize("case", CASES)
def test_fail_on_gates(case: str, tmp_path: Path) -> None:
    before, after = str(DIFF / "base"), str(after_catalog(case, tmp_path))
    code, _, err = run("diff", before, after, "--fail-on", "broadening")
    assert code == (1 if case in UNDECLARED else 0)
    # The log names where each undeclared broadening's marking belongs, one line each: a new
    # default partition widens a resource and the trust policy's account root, by two requests
    # (the root itself, and the account's other identities).
    undeclared = (3 if case == "default-changed" else 1) if case in UNDECLARED else 0
    assert len(err.splitlines()) == undeclared
    assert all(re.match(rf"{re.escape(after)}/\w+\.yaml:\d+: \S+ newly allows ", line) for line in err.splitlines())
    report = json.loads(run("diff", before, after, "--format", "json")[1])
    assert report["summary"]["undeclared"] == undeclared
    assert bool(report["summary"]["broadening"]) == (case in UNDECLARED | DECLARED)
    assert all(c["declared"]["reference"] for c in report["broadening"] if case in DECLARED)
    assert run("diff", before, after, "--fail-on", "any")[0] == (0 if case == "no-change" else 1)
    assert run("diff", before, after)[0] == 0


def test_an_old_marking_does_not_declare_a_new_broadening(tmp_path: Path) -> None:
    """Only a marking that this change writes or rewrites declares: a statement marked in an
    earlier change cannot be widened again under the same words."""
    marked = (DIFF / "declared-action" / "after" / "alpha.yaml").read_text()
    base = tmp_path / "base"
    shutil.copytree(DIFF / "base", base)
    (base / "alpha.yaml").write_text(marked)
    head = tmp_path / "head"
    shutil.copytree(base, head)
    wider = marked.replace("rds:ModifyDBInstance]", "rds:ModifyDBInstance, rds:ModifyDBCluster]")
    (head / "alpha.yaml").write_text(wider)
    assert run("diff", str(base), str(head), "--fail-on", "broadening")[0] == 1
    (head / "alpha.yaml").write_text(wider.replace("reference: Teleport 18.0", "reference: Teleport 18.2"))
    assert run("diff", str(base), str(head), "--fail-on", "broadening")[0] == 0


def test_broadening_json_names_the_witness(tmp_path: Path) -> None:
    _, out, _ = run("diff", str(DIFF / "base"), str(after_catalog("widened-to-star", tmp_path)), "--format", "json")
    report = json.loads(out)
    assert report["summary"]["broadening"] == 1
    (change,) = report["broadening"]
    assert (change["type"], change["policy"], change["action"], change["statements"], change["unproven"]) == (
        "alpha", "database-service", "rds-db:connect", ["AlphaConnect"], None
    )  # fmt: skip
    assert change["resource"] != "arn:${Partition}:rds-db:us-east-1:${Account}:dbuser:db-ABC/alice"


def test_no_python_reprs_in_any_report(tmp_path: Path) -> None:
    for case in CASES:
        for fmt in GOLDEN:
            _, out, _ = run(
                "diff", str(DIFF / "base"), str(after_catalog(case, tmp_path / case / fmt)), "--format", fmt
            )
            assert "(('" not in out and "('" not in out, case


def test_invalid_side_is_exit_2_with_lines(tmp_path: Path) -> None:
    broken = after_catalog("no-change", tmp_path)
    alpha = broken / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("purpose:", "purpos:", 1))
    code, out, err = run("diff", str(DIFF / "base"), str(broken))
    assert code == 2 and out == ""
    assert f"{alpha}:12: unknown key 'purpos' in statement (did you mean 'purpose'?)" in err


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def test_git_revisions_are_read_without_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DIFF / "base", repo / "catalog")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    shutil.copy(DIFF / "added-action" / "after" / "alpha.yaml", repo / "catalog" / "alpha.yaml")
    _git(repo, "commit", "-q", "-am", "add an action")
    (repo / "catalog" / "alpha.yaml").write_text("not: [valid")  # the work tree must not matter
    monkeypatch.chdir(repo / "catalog")  # from a subfolder too
    code, out, _ = run("diff", "HEAD~1", "HEAD", "--fail-on", "broadening")
    expected = (DIFF / "added-action" / "expected.md").read_text()
    assert code == 1
    assert out == expected.replace(
        "<code>before</code> → <code>after</code>", "<code>HEAD\\~1</code> → <code>HEAD</code>"
    ).replace("<code>after\\/", "<code>HEAD\\:catalog\\/")
    code, _, err = run("diff", "no-such-rev", "HEAD")
    assert code == 2 and "'no-such-rev' is neither a catalog folder nor a git revision" in err


@pytest.mark.parametrize("case", ["widened-to-star", "declared-action"])
def test_reviewing_page_shows_a_real_report(case: str) -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "reviewing.md").read_text()
    assert "````markdown\n" + (DIFF / case / "expected.md").read_text() + "````" in page


def test_a_file_both_sides_share_is_read_once_and_reported_under_each_side(tmp_path: Path) -> None:
    """diff reads a file that both sides hold once (checks.loader.FileMemo); its problems are
    still each side's own, at each side's path."""
    from iam_catalog.checks.loader import FileMemo, load_directory

    sides = []
    for name in ("base", "head"):
        catalog = tmp_path / name
        shutil.copytree(DIFF / "base", catalog)
        alpha = catalog / "alpha.yaml"
        alpha.write_text(alpha.read_text().replace("purpose:", "purpos:", 1))
        sides.append(catalog)
    memo = FileMemo()
    first, second = (load_directory(side, memo) for side in sides)
    assert any(str(sides[0]) in str(p) for p in first.problems)
    assert [str(p) for p in second.problems] == [str(p) for p in load_directory(sides[1]).problems]
    assert len(memo.read) == len(list(sides[0].glob("*.yaml")))  # the second side read nothing anew
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["diff", str(sides[0]), str(sides[1])], out, err) == 2
    assert f"{sides[0]}/alpha.yaml" in err.getvalue() and f"{sides[1]}/alpha.yaml" in err.getvalue()


def test_a_policy_moved_to_another_service_is_judged_by_each_role() -> None:
    """Moving a type's policy from the first service to the second widens the second service's
    role and narrows the first's, and the witnesses name the role; renaming it changes nothing."""
    from dataclasses import replace

    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory
    from iam_catalog.review.diff import diff

    catalog = load_directory(Path(bundled_dir())).require()
    first, second = catalog.shared.services[:2]
    moved_any = False

    def with_policies(db_type: Any, policies: Any) -> Any:
        types = tuple(replace(t, policies=policies) if t is db_type else t for t in catalog.types)
        return replace(catalog, types=types)

    for db_type in catalog.types[:4]:
        own = [p for p in db_type.policies if p.attach == "service" and catalog.service_of(p) == first.id]
        if not own:
            continue
        policies = tuple(replace(p, service=second.id) if p is own[0] else p for p in db_type.policies)
        report = diff(catalog, with_policies(db_type, policies), "base", "head")
        assert {c.identity for c in report.broadening} <= {f"{second.title}'s role"}
        assert {c.identity for c in report.narrowing} == {f"{first.title}'s role"}
        moved_any = moved_any or bool(report.broadening)
        renamed = tuple(replace(p, id=p.id + "-renamed") if p is own[0] else p for p in db_type.policies)
        report = diff(catalog, with_policies(db_type, renamed), "base", "head")
        assert not report.broadening and not report.narrowing
    assert moved_any


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _describe_star(tmp_path: Path) -> Path:
    """The base with one statement's `rds:DescribeDBInstances` widened to `rds:Describe*`."""
    head = after_catalog("no-change", tmp_path)
    alpha = head / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("[rds:DescribeDBInstances,", "[rds:Describe*,"))
    return head


def test_one_statements_widening_is_one_row_per_access_level(tmp_path: Path) -> None:
    """A reviewer reads one row per statement and access level, with the count and the
    pattern; the list is folded (Markdown) or shortened (text, whole with --verbose); JSON
    has every request."""
    base, head = str(DIFF / "base"), str(_describe_star(tmp_path))
    every = json.loads(run("diff", base, head, "--format", "json")[1])["broadening"]
    by_level: dict[str, list[str]] = {}
    for change in every:
        by_level.setdefault(change["access_level"], []).append(change["action"])
    assert len(every) > 20 and all(change["action"].startswith("rds:Describe") for change in every)
    markdown = run("diff", base, head, "--format", "markdown")[1]
    table = markdown.split("#### Broadening", 1)[1].split("\n\n")[1].splitlines()[2:]
    assert len(table) == len(by_level)
    for row, (level, actions) in zip(table, by_level.items(), strict=True):
        assert f"{len(actions)} actions</summary>" in row if len(actions) > 1 else "<details>" not in row
        assert f"| {level} |" in row and all(gfm(a) in row for a in actions)
    short, whole = (
        run("diff", base, head, "--format", "text")[1],
        run("diff", base, head, "--format", "text", "--verbose")[1],
    )
    largest = max(by_level.values(), key=len)
    assert f"{len(largest)} actions (rds:Describe*)" in short
    assert f"and {len(largest) - 3} more (--verbose lists them)" in short and "more (--verbose" not in whole
    assert all(a in whole for a in largest) and sum(a in short for a in largest) == 3
    log = run("diff", base, head, "--fail-on", "broadening")[2].splitlines()
    assert len(log) == len(by_level) and f"newly allows {len(largest)} actions (rds:Describe*) on *" in "".join(log)


def test_the_default_format_is_text_on_a_terminal_coloured_unless_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, head = str(DIFF / "base"), str(_describe_star(tmp_path))
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = _Terminal()
    assert cli.run(["diff", base, head], coloured, io.StringIO()) == 0
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    cli.run(["diff", base, head], plain, io.StringIO())
    piped = io.StringIO()
    cli.run(["diff", base, head], piped, io.StringIO())
    assert (
        coloured.getvalue().startswith("\x1b[1mIAM catalog changes:") and "\x1b[1;31mBroadening" in coloured.getvalue()
    )
    assert "\x1b" not in plain.getvalue() and re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == plain.getvalue()
    assert plain.getvalue() == run("diff", base, head, "--format", "text")[1]
    assert piped.getvalue().startswith("### IAM catalog changes:")
    for text in (plain.getvalue(), coloured.getvalue()):
        assert "<code>" not in text and "\\:" not in text and "<details>" not in text
    # A pipe never gets colour, even asked for text.
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b" not in run("diff", base, head, "--format", "text")[1]


def test_a_revisions_file_past_the_loaders_bound_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A revision is anyone's: a catalog file in it larger than any catalog file is refused by
    its size, which git states, before its content is read."""
    from iam_catalog.catalog.location import MAX_FILE_BYTES

    repo = tmp_path / "repo"
    shutil.copytree(DIFF / "base", repo / "catalog")
    (repo / "catalog" / "huge.yaml").write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "huge")
    monkeypatch.chdir(repo)
    code, out, err = run("diff", "HEAD", str(DIFF / "base"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "huge.yaml at " in err and f"larger than {MAX_FILE_BYTES} bytes" in err, err
