"""Every command shown in docs/cli.md runs and prints exactly what the page says."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest
from iam_catalog import cli

ROOT = Path(__file__).resolve().parents[1]
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    out = []
    for block in CONSOLE.findall((ROOT / "docs" / "cli.md").read_text()):
        command, _, shown = block.partition("\n")
        out.append((command.removeprefix("$ "), shown))
    return out


def test_every_command_has_an_example() -> None:
    commands = {shlex.split(command)[1] for command, _ in examples()}
    assert commands == {"list-types", "print-iam", "validate"}


@pytest.mark.parametrize(("command", "shown"), examples(), ids=lambda x: x[:60])
def test_example_prints_what_the_page_shows(
    command: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path))
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == "iam-catalog"
    out, err = io.StringIO(), io.StringIO()
    cli.run(argv[1:], out, err)
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
    assert [str(p) for p in loaded.errors] == []
    assert loaded.catalog is not None and loaded.catalog.find("example") is not None
