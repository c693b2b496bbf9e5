"""Read one catalog file into a tree of nodes that remember their line.

PyYAML's own constructors are not used: they silently keep the last of two equal keys, build
Python objects from tags, and expand aliases without bound. Here the event stream is composed
by hand, so duplicate keys, tags, anchors and aliases are refused where they appear and no
document can make the reader do more work than its own length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from iam_catalog.catalog.problems import Problems

try:  # libyaml's parser is several times faster; the pure one gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Scalar:
    value: str | bool | int | None
    line: int


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]
    line: int


@dataclass(frozen=True)
class Map:
    items: tuple[tuple[Scalar, Node], ...]
    line: int

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.value == key:
                return v
        return None


Node = Scalar | Seq | Map

_INT = re.compile(r"[-+]?[0-9]+\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)


def _plain(text: str) -> str | bool | int | None:
    # YAML 1.2 core schema: `yes`/`no`/`on` stay strings, so a schema error names them.
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    return text


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 1


def _compose(events: list[yaml.Event], pos: int) -> tuple[Node, int]:
    event = events[pos]
    line = _line(event)
    if isinstance(event, yaml.AliasEvent):
        raise _Refused(line, f"alias '*{event.anchor}' is not allowed: write the value out")
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        raise _Refused(line, f"anchor '&{anchor}' is not allowed: write the value out")
    tag = getattr(event, "tag", None)
    if tag is not None and tag != "!":  # only an explicit tag reaches the event
        raise _Refused(line, f"tag '{tag}' is not allowed")
    if isinstance(event, yaml.ScalarEvent):
        value = _plain(event.value) if event.implicit[0] else event.value  # plain, not quoted
        return Scalar(value, line), pos + 1
    if isinstance(event, yaml.SequenceStartEvent):
        items: list[Node] = []
        pos += 1
        while not isinstance(events[pos], yaml.SequenceEndEvent):
            node, pos = _compose(events, pos)
            items.append(node)
        return Seq(tuple(items), line), pos + 1
    if isinstance(event, yaml.MappingStartEvent):
        pairs: list[tuple[Scalar, Node]] = []
        seen: dict[object, int] = {}
        pos += 1
        while not isinstance(events[pos], yaml.MappingEndEvent):
            key, pos = _compose(events, pos)
            if not isinstance(key, Scalar):
                raise _Refused(key.line, "a key must be a plain value, not a list or mapping")
            if key.value in seen:
                raise _Refused(
                    key.line,
                    f"duplicate key '{key.value}' (first at line {seen[key.value]}): "
                    "YAML would silently keep only the last one",
                )
            seen[key.value] = key.line
            item, pos = _compose(events, pos)
            pairs.append((key, item))
        return Map(tuple(pairs), line), pos + 1
    raise _Refused(line, f"unexpected YAML event {type(event).__name__}")  # pragma: no cover


def parse(data: bytes, path: str, problems: Problems) -> Node | None:
    """Return the document's root node, or None after recording why there is none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(path, line, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded")
        return None
    tab = _TAB_INDENT.search(text)
    if tab:
        line = text[: tab.start()].count("\n") + 1
        problems.error(path, line, "tab in indentation: YAML indents with spaces only")
        return None
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.error(path, line, f"YAML syntax: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:  # reader errors (control characters) carry no mark
        problems.error(path, 1, f"YAML: {exc}")
        return None
    docs = sum(isinstance(e, yaml.DocumentStartEvent) for e in events)
    if docs == 0:
        problems.error(path, 1, "empty file: expected a mapping")
        return None
    if docs > 1:
        second = [e for e in events if isinstance(e, yaml.DocumentStartEvent)][1]
        problems.error(path, _line(second), "more than one YAML document")
        return None
    try:
        root, _ = _compose(events, 2)  # skip StreamStart and DocumentStart
    except _Refused as exc:
        problems.error(path, exc.line, exc.message)
        return None
    if not isinstance(root, Map):
        problems.error(path, root.line, "expected a mapping at the top of the file")
        return None
    return root
