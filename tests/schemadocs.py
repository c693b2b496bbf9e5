"""Documents drawn from a JSON Schema's own keywords, for property tests: the catalog's schema
(tests/test_schema.py) and IAM's policy grammar (tests/test_operator_files.py).

hypothesis-jsonschema does this in general, but its release breaks on the Hypothesis this
project pins; this covers the keywords the two schemas use: $ref, oneOf, enum, and the types
boolean, number, string (with pattern and minLength), array (items, minItems) and object
(properties, required, additionalProperties, propertyNames, minProperties).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def documents(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents valid under `schema`, a part of `root` (which its `$ref`s point into)."""
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "oneOf" in schema:
        return st.one_of([documents(option, root) for option in schema["oneOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema["type"]
    if kind == "boolean":
        return st.booleans()
    if kind == "number":
        return st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "string":
        text = st.from_regex(schema["pattern"]) if "pattern" in schema else st.text(max_size=12)
        return text.filter(lambda t: len(t) >= schema.get("minLength", 0))
    if kind == "array":
        return st.lists(
            documents(schema.get("items", {"type": "string"}), root), min_size=schema.get("minItems", 0), max_size=3
        )
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    optional = [k for k in properties if k not in required]
    extra = schema.get("additionalProperties")
    fixed = st.fixed_dictionaries(
        {k: documents(properties[k], root) for k in required},
        optional={k: documents(properties[k], root) for k in optional},
    )
    if isinstance(extra, dict):
        names = documents({"type": "string", **schema.get("propertyNames", {})}, root)
        more = st.dictionaries(names, documents(extra, root), max_size=3)
        fixed = st.tuples(fixed, more).map(lambda both: {**both[1], **both[0]})
    return fixed.filter(lambda d: len(d) >= schema.get("minProperties", 0))
