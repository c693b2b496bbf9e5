"""catalog/schema.json: a valid JSON Schema that agrees with the loader and with the model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from iam_catalog.catalog import model
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import Problems
from iam_catalog.catalog.schema import Checker
from iam_catalog.catalog.yamlsource import parse

SCHEMA: dict[str, Any] = json.loads((Path(bundled_dir()) / "schema.json").read_text())
CASES = sorted((Path(__file__).parent / "cases").glob("*/*.yaml"))
FILES = sorted(Path(bundled_dir()).glob("*.yaml"))


def _schema_for(name: str) -> dict[str, Any]:
    if name == "_shared.yaml":
        return {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/shared"}
    return SCHEMA


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def _parsed(path: Path) -> Any:
    return parse(path.read_bytes(), str(path), Problems())


# Files our reader refuses (tags, aliases, bad bytes) never reach a schema, ours or jsonschema's.
SCHEMA_VISIBLE = [p for p in FILES + CASES if _parsed(p) is not None]


def test_most_cases_reach_the_schema() -> None:
    assert len(SCHEMA_VISIBLE) >= len(FILES) + 12


@pytest.mark.parametrize("path", SCHEMA_VISIBLE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_loader_and_jsonschema_agree(path: Path) -> None:
    """Both find schema errors in a file, or neither does."""
    problems = Problems()
    node = _parsed(path)
    file_schema = SCHEMA["$defs"]["shared"] if path.name == "_shared.yaml" else SCHEMA
    Checker(SCHEMA, str(path), problems).check(node, file_schema, "the file")
    data = yaml.safe_load(path.read_text())
    validator = jsonschema.Draft202012Validator(_schema_for(path.name))
    assert bool(list(validator.iter_errors(data))) == bool(problems.errors)


FIELDS_OF = {
    "#/$defs/statement": model.Statement,
    "#/$defs/policy": model.Policy,
    "#/$defs/variable": model.Variable,
    "#/$defs/databaseUser": model.DatabaseUser,
    "#/$defs/step": model.Step,
    "#/$defs/alternative": model.Alternative,
    "#": model.DbType,
}


@pytest.mark.parametrize("pointer", sorted(FIELDS_OF))
def test_every_schema_key_is_a_model_field(pointer: str) -> None:
    node = SCHEMA
    for part in pointer.removeprefix("#").strip("/").split("/"):
        if part:
            node = node[part]
    fields = {f.name for f in dataclasses.fields(FIELDS_OF[pointer])}
    assert set(node["properties"]) <= fields
