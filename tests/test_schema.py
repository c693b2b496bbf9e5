"""catalog/schema.json: a valid JSON Schema that agrees with the loader and with the model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import strategies as st
from iam_catalog.catalog import model
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import Problems
from iam_catalog.catalog.schema import Checker
from iam_catalog.catalog.yamlsource import parse

from .budget import examples
from .schemadocs import documents

SCHEMA: dict[str, Any] = json.loads((Path(bundled_dir()) / "schema.json").read_text())
CASES = sorted((Path(__file__).parent / "cases").glob("*/*.yaml"))
FILES = sorted(Path(bundled_dir()).glob("*.yaml"))


def _schema_for(name: str) -> dict[str, Any]:
    if name == "_shared.yaml":
        return {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/shared"}
    return SCHEMA


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_attach_kinds_are_the_kinds_table() -> None:
    """`attach:` takes exactly the kinds that catalog/kinds.py gives a row: a new kind is a row
    there and a word here, and nothing else decides what a kind does."""
    from iam_catalog.catalog.kinds import KINDS

    enum = SCHEMA["$defs"]["policy"]["properties"]["attach"]["enum"]
    assert enum == list(KINDS)
    assert all(kind.name == name for name, kind in KINDS.items())


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


def _keywords(schema: Any, in_properties: bool = False) -> set[str]:
    """Every keyword the schema uses, wherever it stands (not the names of properties)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if in_properties:
                found |= _keywords(value)
                continue
            found.add(key)
            if key in ("properties", "$defs"):
                found |= _keywords(value, in_properties=True)
            elif key in ("items", "additionalProperties", "propertyNames"):
                found |= _keywords(value)
            elif key in ("oneOf", "anyOf", "allOf"):
                for option in value:
                    found |= _keywords(option)
    return found


def test_the_checker_implements_every_keyword_the_schema_uses() -> None:
    """A keyword the checker skipped would pass files that editors and jsonschema refuse."""
    from iam_catalog.catalog.schema import ANNOTATING, VALIDATING

    assert _keywords(SCHEMA) <= VALIDATING | ANNOTATING
    assert _keywords({"minProperties": 1, "properties": {"x": {"maxLength": 2}}}) == {
        "minProperties", "properties", "maxLength"
    }  # fmt: skip


class _Quoted(yaml.SafeDumper):
    """Every string double-quoted: PyYAML reads YAML 1.1, the catalog's reader YAML 1.2, and a
    plain `0o17` or `1e5` is a string to the first and a number to the second."""


_Quoted.add_representer(str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"'))


def _yaml(data: Any) -> bytes:
    return yaml.dump(data, Dumper=_Quoted, allow_unicode=True).encode()


def _checker_errors(data: Any, name: str) -> list[str]:
    problems = Problems()
    node = parse(_yaml(data), name, problems)
    if node is None:  # YAML our reader refuses (none that _yaml writes): not the schema's
        return ["unreadable"]
    file_schema = SCHEMA["$defs"]["shared"] if name == "_shared.yaml" else SCHEMA
    Checker(SCHEMA, name, problems).check(node, file_schema, "the file")
    return [p.message for p in problems.errors]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*path, i))
    return out


MUTATIONS = st.sampled_from(["delete", {}, [], "", " ", 7, True, None, "x\ny", "<b>", "unknown-key"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["type.yaml", "_shared.yaml"])
def test_loader_and_jsonschema_agree_on_generated_documents(name: str) -> None:
    """Documents drawn from schema.json itself, and mutations of them: the checker and jsonschema
    agree on validity for each, and the whole loader reports problems, never raises."""
    from hypothesis import HealthCheck, given, settings
    from iam_catalog.checks.loader import FileMemo, load_sources

    schema = _schema_for(name)
    validator = jsonschema.Draft202012Validator(schema)
    real = {p.name: p.read_bytes() for p in FILES}
    memo = FileMemo()  # the real files are checked once; each example's own file every time

    @settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
    @given(documents(schema, SCHEMA), st.data())
    def agree(document: Any, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(_paths(document)))
        mutation = data.draw(MUTATIONS)
        if path and mutation != "unknown-key":
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            if mutation == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = mutation
        elif mutation == "unknown-key" and isinstance(document, dict):
            document["unknown-key"] = "x"
        assert bool(_checker_errors(document, name)) == bool(list(validator.iter_errors(document)))
        sources = {**real, (name if name == "_shared.yaml" else "generated.yaml"): _yaml(document)}
        load_sources(sources, "catalog", memo)  # raises nothing: every problem is reported

    agree()


def test_generated_documents_reach_the_reader_with_their_strings_still_strings() -> None:
    """The harness's own YAML: a string that YAML 1.2 would read as a number stays a string
    (the property test once blamed the checker for PyYAML's YAML 1.1 writing `0o17` plain)."""
    problems = Problems()
    node = parse(_yaml({"sid": "0o17", "note": "1e5", "count": 7}), "x.yaml", problems)
    assert node is not None and not problems.items
    assert yaml.safe_load(_yaml({"sid": "0o17"})) == {"sid": "0o17"}
    assert b'"0o17"' in _yaml({"sid": "0o17"}) and b"7" in _yaml({"count": 7})
