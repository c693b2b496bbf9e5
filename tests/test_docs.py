"""Every command shown in docs/cli.md runs and prints exactly what the page says."""

from __future__ import annotations

import argparse
import io
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from iam_catalog import cli
from iam_catalog.commands import names
from iam_catalog.commands._shared import REQUEST

ROOT = Path(__file__).resolve().parents[1]
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def examples() -> list[tuple[str, str]]:
    out = []
    for block in CONSOLE.findall((ROOT / "docs" / "cli.md").read_text()):
        command, _, shown = block.partition("\n")
        out.append((command.removeprefix("$ "), shown))
    return out


def test_every_command_has_an_example() -> None:
    commands = {shlex.split(command)[1] for command, _ in examples()}
    assert commands == set(names()) - {"render"}  # render writes files: its section shows a shell session


@pytest.mark.parametrize(("command", "shown"), examples(), ids=lambda x: x[:60])
def test_example_prints_what_the_page_shows(
    command: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")  # a terminal, as a reader runs it, in print
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == "iam-catalog"
    out, err = _Terminal(), io.StringIO()
    cli.run(argv[1:], out, err)
    if os.environ.get("UPDATE_GOLDEN") and out.getvalue() + err.getvalue() != shown:
        page = ROOT / "docs" / "cli.md"
        block = f"$ {command}\n{shown}```"
        assert page.read_text().count(block) == 1, "an example shown twice: make it unique"
        page.write_text(page.read_text().replace(block, f"$ {command}\n{out.getvalue()}{err.getvalue()}```"))
        return
    assert out.getvalue() + err.getvalue() == shown


def test_the_example_type_on_the_adding_page_validates(tmp_path: Path) -> None:
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    page = (ROOT / "docs" / "adding-a-database-type.md").read_text()
    example = page.rsplit("```yaml\n", 1)[1].split("```", 1)[0]
    catalog = tmp_path / "catalog"
    shutil.copytree(Path(bundled_dir()), catalog)
    (catalog / "example.yaml").write_text(example)
    loaded = load_directory(catalog)
    assert [str(p) for p in loaded.problems] == []  # not a warning either: the catalog stays silent
    assert loaded.catalog is not None and loaded.catalog.find("example") is not None


def _sections() -> dict[str, str]:
    """docs/cli.md by command: the introduction and the text under the command's heading."""
    page = (ROOT / "docs" / "cli.md").read_text()
    parts = re.split(r"^## `iam-catalog ([a-z-]+)`$", page, flags=re.MULTILINE)
    # The introduction, before the first command, holds the options that every command shares.
    return {name: parts[0] + text for name, text in zip(parts[1::2], parts[2::2], strict=True)}


@pytest.mark.parametrize("command", names())
def test_every_option_of_every_command_is_documented_in_its_section(command: str) -> None:
    options = [o for a in _command_parser(command)._actions for o in a.option_strings if o.startswith("--")]
    section = _sections()[command]
    assert options, command
    missing = [o for o in options if o != "--help" and f"`{o}" not in section]
    assert not missing, f"docs/cli.md's section on {command} does not mention {missing}"


def _command_parser(command: str) -> argparse.ArgumentParser:
    top = cli.parser(command)
    (sub,) = (a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = sub.choices[command]
    return parser


def _cell(text: str) -> str:
    """A table cell's Markdown: a `|` would end the cell, in a code span too."""
    return text.replace("|", "\\|")


def _row(action: argparse.Action) -> str:
    if not action.option_strings:
        shown = str(action.metavar or action.dest)
    else:
        value = action.metavar or ("|".join(action.choices) if action.choices else None)
        takes = action.nargs != 0
        shown = action.option_strings[-1] + (f" {value or action.dest.upper()}" if takes else "")
    return f"| `{_cell(shown)}` | {_cell(action.help or '')} |"


def option_tables() -> dict[str, str]:
    """docs/cli.md's option tables, from the registry: each command's own arguments (--catalog,
    which every command reading a catalog takes, is in the introduction), each further argument
    group it has under `COMMAND / GROUP`, and print-iam's request options once, as `request`."""
    tables: dict[str, list[argparse.Action]] = {}
    for command in names():
        parser = _command_parser(command)
        for group in parser._action_groups:
            actions = [a for a in group._group_actions if a.dest not in ("help", "catalog")]
            if group.title == REQUEST:
                key = REQUEST if command == "print-iam" else ""
            elif group in (parser._positionals, parser._optionals):
                key = command
            else:
                key = f"{command} / {str(group.title).split(' (')[0]}"
            if key and actions:
                tables.setdefault(key, []).extend(actions)
    header = ["| option | meaning |", "| --- | --- |"]
    return {key: "".join(f"{row}\n" for row in [*header, *map(_row, actions)]) for key, actions in tables.items()}


OPTION_TABLE = re.compile(r"<!-- options: ([^>\n]+?) -->\n((?:\|.*\n)*)<!-- /options -->")


def test_every_option_table_is_the_registrys() -> None:
    """Each command's table in docs/cli.md is generated from its module's arguments and help;
    `UPDATE_GOLDEN=1` writes them. Every command and group has its table, once."""
    page = ROOT / "docs" / "cli.md"
    text = page.read_text()
    tables = option_tables()
    written = {m[1]: m for m in OPTION_TABLE.finditer(text)}
    assert len(written) == len(OPTION_TABLE.findall(text)), "a table shown twice"
    if os.environ.get("UPDATE_GOLDEN"):
        for key, match in written.items():
            if key in tables:
                text = text.replace(match[0], f"<!-- options: {key} -->\n{tables[key]}<!-- /options -->")
        page.write_text(text)
        written = {m[1]: m for m in OPTION_TABLE.finditer(text)}
    assert sorted(written) == sorted(tables), "docs/cli.md needs an `<!-- options: KEY -->` block for each"
    for key, match in written.items():
        assert match[2] == tables[key], key


def test_every_choice_is_named_in_its_help() -> None:
    """An option with choices says what each is, so that its table row and --help do."""
    for command in names():
        for action in _command_parser(command)._actions:
            for choice in action.choices or ():
                assert f"`{choice}`" in (action.help or ""), (command, action.dest, choice)


# A sentence ends at a full stop before a space (`rds.yaml:17` does not end one) or at a table cell.
CLAIM = re.compile(
    r"`(?:iam-catalog )?validate`(?:[^.|]|\.(?=\S))*?\b(?:checks?|holds|reports|warns|refuses|names)\b"
    r"(?:[^.|]|\.(?=\S))*\.(?=\s|$)"
)


def test_every_claim_that_validate_checks_something_names_the_check() -> None:
    from iam_catalog.catalog.problems import CHECKS
    from iam_catalog.checks import loader  # noqa: F401  (registers every check)

    claims = 0
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        flat = " ".join(page.read_text().split())
        for claim in CLAIM.finditer(flat):
            named = re.findall(r"\bchecks? ((?:`[a-z-]+`(?:,? (?:and )?)?)+)", claim[0])
            codes = [code for group in named for code in re.findall(r"`([a-z-]+)`", group)]
            assert codes, f"{page.name}: a claim about validate names no check: {claim[0]}"
            assert set(codes) <= set(CHECKS), f"{page.name}: {set(codes) - set(CHECKS)} are not checks"
            claims += 1
    assert claims >= 5
