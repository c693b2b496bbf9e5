"""Check a node tree against `catalog/schema.json` and turn it into plain data.

The schema file is the one structural definition of a catalog file: editors read it through
the yaml-language-server modeline, and this module interprets the subset of JSON Schema it
uses, so that every violation is reported with its line. (The `jsonschema` package would
report the same violations, as a test proves, but without lines and at several times the
import cost on the CLI path.)
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iam_catalog.catalog.problems import Problems
from iam_catalog.catalog.yamlsource import Map, Node, Scalar, Seq

# The JSON Schema keywords this checker applies, and those that only annotate; a test fails
# when schema.json uses any other (tests/test_schema.py).
VALIDATING = frozenset(
    {"$ref", "type", "oneOf", "enum", "properties", "additionalProperties", "propertyNames", "required",
     "minProperties", "items", "minItems", "minLength", "pattern"}
)  # fmt: skip
ANNOTATING = frozenset({"$schema", "$id", "$defs", "title", "description", "x-hint"})

Pointer = tuple[str | int, ...]
Lines = dict[Pointer, int]


def load_schema(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _quote(where: str) -> str:
    return where if where.startswith(("the ", "name ")) else f"'{where}'"


def _kind(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    if isinstance(node.value, bool):
        return "true or false"
    if isinstance(node.value, int):
        return "a number"
    if node.value is None:
        return "empty"
    return "a string"


_EXPECTED = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a number",
}


def _fits(node: Node, type_name: str) -> bool:
    if type_name == "object":
        return isinstance(node, Map)
    if type_name == "array":
        return isinstance(node, Seq)
    if not isinstance(node, Scalar):
        return False
    if type_name == "string":
        return isinstance(node.value, str)
    if type_name == "boolean":
        return isinstance(node.value, bool)
    return type_name == "integer" and isinstance(node.value, int) and not isinstance(node.value, bool)


@dataclass
class Checker:
    root: dict[str, Any]
    path: str
    problems: Problems
    lines: Lines = field(default_factory=dict)  # of each value
    key_lines: Lines = field(default_factory=dict)  # of each mapping key, where it differs

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            target: Any = self.root
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def check(self, node: Node, schema: dict[str, Any], where: str, ptr: Pointer = ()) -> Any:
        """Return the plain value of `node`, or None where it broke the schema."""
        schema = self.resolve(schema)
        self.lines[ptr] = node.line
        if "oneOf" in schema:
            options = [self.resolve(s) for s in schema["oneOf"]]
            for option in options:
                if _fits(node, option["type"]):
                    return self.check(node, option, where, ptr)
            wanted = " or ".join(_EXPECTED[o["type"]] for o in options)
            if wanted == "a string or a list":
                wanted = "a string or a list of strings"
            return self._bad(node, f"{_quote(where)} must be {wanted}, not {_kind(node)}")
        if "enum" in schema:
            if isinstance(node, Scalar) and node.value in schema["enum"]:
                return node.value
            shown = node.value if isinstance(node, Scalar) else _kind(node)
            return self._bad(node, f"{_quote(where)} must be one of {', '.join(schema['enum'])}, not '{shown}'")
        type_name = schema["type"]
        if not _fits(node, type_name):
            return self._bad(node, f"{_quote(where)} must be {_EXPECTED[type_name]}, not {_kind(node)}")
        if isinstance(node, Map):
            return self._object(node, schema, where, ptr)
        if isinstance(node, Seq):
            if len(node.items) < schema.get("minItems", 0):
                return self._bad(node, f"{_quote(where)} must not be empty")
            items = schema.get("items", {})
            return [self.check(item, items, f"{where}[{i}]", (*ptr, i)) for i, item in enumerate(node.items)]
        return self._scalar(node, schema, where)

    def _scalar(self, node: Scalar, schema: dict[str, Any], where: str) -> Any:
        value = node.value
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                return self._bad(node, f"{_quote(where)} must not be empty")
            pattern = schema.get("pattern")
            if pattern and not re.search(pattern, value):
                hint = schema.get("x-hint", f"the pattern {pattern}")
                return self._bad(node, f"{_quote(where)} '{value}' must be {hint}")
        return value

    def _object(self, node: Map, schema: dict[str, Any], where: str, ptr: Pointer) -> Any:
        props: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        title = schema.get("title", where)
        out: dict[str, Any] = {}
        for key, value in node.items:
            name = key.value
            if not isinstance(name, str):
                self._bad(key, f"key {name!r} in {title} must be a string")
                continue
            if names and self._scalar(Scalar(name, key.line), self.resolve(names), f"name in {title}") is None:
                continue
            self.key_lines[(*ptr, name)] = key.line
            if name in props:
                out[name] = self.check(value, props[name], name, (*ptr, name))
            elif isinstance(extra, dict):
                out[name] = self.check(value, extra, name, (*ptr, name))
            elif extra is False:
                close = difflib.get_close_matches(name, props, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(props)})"
                self._bad(key, f"unknown key '{name}' in {title}{hint}")
        for name in schema.get("required", []):
            if name not in out and not any(k.value == name for k, _ in node.items):
                self._bad(node, f"{title} is missing required key '{name}'")
        if len(node.items) < schema.get("minProperties", 0):
            return self._bad(node, f"{_quote(where)} must not be empty")
        return out

    def _bad(self, node: Node, message: str) -> None:
        self.problems.error(self.path, node.line, message)
        return None


def plain_statements(data: Any, ptr: Pointer = ()) -> Iterator[tuple[Pointer, dict[str, Any]]]:
    """Every statement of schema-checked plain data, with its pointer, wherever it stands (a
    type's policies, a database user's, the shared steps' and their alternatives'), even in a
    file that broke the schema elsewhere."""
    if isinstance(data, dict):
        if ptr[-2:-1] == ("statements",):
            yield ptr, data
            return
        for key, value in data.items():
            yield from plain_statements(value, (*ptr, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from plain_statements(item, (*ptr, i))
