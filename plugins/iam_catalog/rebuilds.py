"""The site's pages, kept between builds: the cache layer's memo for the mkdocs adapter.

The first build of a process takes the pages from the cache that print-iam's uses
(`cache.cached`) while every input is as it was: a build that changed nothing reads them
instead of checking and rendering the catalog again. `mkdocs serve` builds again in the same
process after every edit, with the same plugin (its `on_startup` keeps it): a rebuild that
changed no catalog file reuses the pages, and one that changed a file reads and checks that
file alone (FileMemo), then the whole-catalog checks and the pages, as a first build does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iam_catalog.cache import cached

TYPE_CHECKING = False
if TYPE_CHECKING:
    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import FileMemo

# A build's result: the catalog's errors (none, or no pages), its warnings as text, the
# generated files by path, and the catalog file each page is written from.
Built = tuple[list["Problem"], list[str], dict[str, bytes], dict[str, str]]


def _site_shape(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("files"), dict)
        and all(isinstance(k, str) and isinstance(v, bytes) for k, v in value["files"].items())
        and isinstance(value.get("sources"), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value["sources"].items())
        and isinstance(value.get("warnings"), list)
        and all(isinstance(w, str) for w in value["warnings"])
    )


class SiteBuilds:
    """What a catalog gave, kept by its files' bytes (the module's docstring says when)."""

    def __init__(self) -> None:
        self.memo: FileMemo | None = None
        self.key: tuple[str, bool, tuple[tuple[str, bytes], ...]] | None = None
        self.built: Built | None = None

    def build(self, directory: Path, directory_urls: bool) -> Built:
        sources = _sources(directory)
        if sources is None:  # the loader says why, as path:line problems
            from iam_catalog.checks.loader import load_directory

            return load_directory(directory).errors, [], {}, {}
        key = (str(directory.resolve()), directory_urls, tuple(sorted(sources.items())))
        if key == self.key and self.built is not None:
            return self.built

        def fresh() -> tuple[dict[str, Any] | None, list[Problem]]:
            # The loader and the renderer only when the cache cannot give the pages.
            from iam_catalog.checks.loader import FileMemo, load_sources
            from iam_catalog.site.render import page_sources, site_files

            memo = self.memo = self.memo or FileMemo()

            memo.read = {k: v for k, v in memo.read.items() if k in sources.items()}  # no stale files
            loaded = load_sources(sources, str(directory), memo)  # the bytes just read, not read again
            if loaded.errors or loaded.catalog is None:
                return None, loaded.errors
            return {
                "files": site_files(loaded.catalog, directory_urls=directory_urls),
                "sources": page_sources(loaded.catalog),
                "warnings": [str(p) for p in loaded.problems if p.severity == "warning"],
            }, []

        kind = "site" if directory_urls else "site-flat"
        value, errors = cached(str(directory), kind, fresh, _site_shape) if self.key is None else fresh()
        if value is None:
            return errors, [], {}, {}
        built: Built = ([], value["warnings"], value["files"], value["sources"])
        self.key, self.built = key, built
        return built


def _sources(directory: Path) -> dict[str, bytes] | None:
    """The catalog's files by name; None when the folder or an entry in it cannot be read."""
    from iam_catalog.catalog.location import NotACatalogFile, read_source, source_names

    try:
        if not directory.is_dir():
            return None
        return {name: read_source(str(directory), name) for name in source_names(str(directory))}
    except (OSError, NotACatalogFile):
        return None
