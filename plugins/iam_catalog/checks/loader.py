"""Read a catalog (a folder, or files taken from git) into a checked `Catalog`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from iam_catalog.catalog.location import (
    SHARED_FILE,
    SUFFIX,
    NotACatalogFile,
    display_name,
    read_source,
    schema_path,
    source_names,
)
from iam_catalog.catalog.model import Catalog, DbType, Shared, db_type_from_data, shared_from_data
from iam_catalog.catalog.problems import CATALOG_CHECKS, CatalogError, Problem, Problems, register
from iam_catalog.catalog.schema import Checker, load_schema
from iam_catalog.catalog.yamlsource import parse

# Each module registers its checks as it is imported: the loader runs what they declare.
from iam_catalog.checks import actions, conditions, quotas, rules, tailoring  # noqa: F401

FILES = register(
    "files", "every catalog entry is a regular file of the folder, of a sane size, with a UTF-8 name ending in .yaml"
)
YAML = register("yaml", "each file is YAML without duplicate keys, tags, anchors or aliases")
SCHEMA = register("schema", "each file keeps to catalog/schema.json: known and required keys, types and patterns")


@cache
def schema() -> dict[str, Any]:
    return load_schema(Path(schema_path()))


def read_directory(directory: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The catalog's files by name, and a problem for each entry that is not a file to read.
    Raises OSError when the folder cannot be read."""
    if not directory.is_dir():
        raise NotADirectoryError("no such folder")
    sources: dict[str, bytes] = {}
    problems: list[Problem] = []
    for name in source_names(str(directory)):
        try:
            sources[name] = read_source(str(directory), name)
        except NotACatalogFile as exc:
            problems.append(Problem(f"{directory}/{display_name(name)}", 1, f"{exc}: not read", check=FILES))
    return sources, problems


@dataclass(frozen=True)
class Loaded:
    catalog: Catalog | None  # None when there is any error
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def require(self) -> Catalog:
        if self.catalog is None or self.errors:
            raise CatalogError(self.errors)
        return self.catalog


class FileMemo:
    """What reading one file gave (its model, or the problems that stop it), by name and
    content: `diff` reads two revisions whose files are mostly the same, and reads each once."""

    def __init__(self) -> None:
        self.read: dict[tuple[str, bytes], tuple[Shared | DbType | None, list[Problem]]] = {}


def _read_file(name: str, data: bytes, path: str, root: dict[str, Any]) -> tuple[Shared | DbType | None, list[Problem]]:
    """One file on its own: its model, or None; and every problem found in it."""
    problems = Problems(check=FILES)
    if not name.endswith(SUFFIX):
        problems.error(path, 1, f"catalog files end in {SUFFIX}")
        return None, problems.items
    problems.check = YAML
    node = parse(data, path, problems)
    if node is None:
        return None, problems.items
    problems.check = SCHEMA
    file_schema = root["$defs"]["shared"] if name == SHARED_FILE else root
    checker = Checker(root, path, problems)
    plain = checker.check(node, file_schema, "the file")
    conditions.check_conditions_in(plain, checker.key_lines, path, problems)
    if problems.items:
        # A half-read file cannot become a model; its action names can still be checked,
        # so one run shows a misspelt key and a misspelt action together.
        actions.check_actions_in(plain, checker.lines, path, problems)
        return None, problems.items
    if name == SHARED_FILE:
        return shared_from_data(plain, checker.lines, path), problems.items
    return db_type_from_data(plain, checker.lines, path), problems.items


def load_sources(sources: Mapping[str, bytes], where: str, memo: FileMemo | None = None) -> Loaded:
    """Check every file and the catalog as a whole; collect every problem on the way."""
    problems = Problems(check=FILES)
    root = schema()
    shared: Shared | None = None
    types: list[DbType] = []
    if SHARED_FILE not in sources:
        problems.error(f"{where}/{SHARED_FILE}", 1, "missing: every catalog needs its shared file")
    for name, data in sorted(sources.items()):
        path = f"{where}/{display_name(name)}"
        if path != f"{where}/{name}":
            problems.error(path, 1, "the file's name is not UTF-8: rename it")
            continue
        if memo is not None and (name, data) in memo.read:
            # The same file read before, under another revision's path: the same answers there.
            model, found = memo.read[(name, data)]
            model = dataclasses.replace(model, path=path) if model is not None else None
            found = [dataclasses.replace(p, path=path) if p.path.endswith(f"/{name}") else p for p in found]
        else:
            model, found = _read_file(name, data, path, root)
            if memo is not None:
                memo.read[(name, data)] = (model, found)
        problems.items.extend(found)
        if isinstance(model, Shared):
            shared = model
        elif model is not None:
            types.append(model)
    if shared is None:
        return Loaded(None, problems.sorted())
    catalog = Catalog(shared, tuple(sorted(types, key=lambda t: (t.title.casefold(), t.id))))
    for clean, run in CATALOG_CHECKS:
        if not clean:
            run(catalog, problems)
    for clean, run in CATALOG_CHECKS:
        if clean and not problems.errors:  # the sizes of a broken catalog would mean nothing
            run(catalog, problems)
    result = problems.sorted()
    has_errors = any(p.severity == "error" for p in result)
    return Loaded(None if has_errors else catalog, result)


def load_directory(directory: Path, memo: FileMemo | None = None) -> Loaded:
    try:
        sources, unread = read_directory(directory)
    except OSError as exc:
        unreadable = Problem(str(directory), 0, f"cannot read the catalog: {exc.strerror or exc}", check=FILES)
        return Loaded(None, [unreadable])
    loaded = load_sources(sources, str(directory), memo)
    if not unread:
        return loaded
    return Loaded(None, sorted([*loaded.problems, *unread], key=lambda p: (p.path, p.line)))
