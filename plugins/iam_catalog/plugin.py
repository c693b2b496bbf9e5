"""The mkdocs adapter: load the catalog before anything is cleaned, add its files, watch it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from iam_catalog.cache import cached
from iam_catalog.site.csp import with_policy
from iam_catalog.site.paths import SCRIPTS, STYLESHEET
from iam_catalog.site.sanitize import sanitize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from iam_catalog.catalog.problems import Problem
    from iam_catalog.checks.loader import FileMemo

log = get_plugin_logger(__name__)

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


class _Rebuilds:
    """What a catalog gave, kept by its files' bytes. The first build of a process takes the
    pages from the cache that print-iam's uses (`cache.cached`) while every input is as it was:
    a build that changed nothing reads them instead of checking and rendering the catalog again.
    `mkdocs serve` builds again in the same process after every edit: a rebuild that changed no
    catalog file reuses the pages, and one that changed a file reads and checks that file alone
    (FileMemo), then the whole-catalog checks and the pages, as a first build does."""

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


_REBUILDS = _Rebuilds()


def _sources(directory: Path) -> dict[str, bytes] | None:
    """The catalog's files by name; None when the folder or an entry in it cannot be read."""
    from iam_catalog.catalog.location import NotACatalogFile, read_source, source_names

    try:
        if not directory.is_dir():
            return None
        return {name: read_source(str(directory), name) for name in source_names(str(directory))}
    except (OSError, NotACatalogFile):
        return None


class IamCatalogConfig(base.Config):  # type: ignore[no-untyped-call]
    catalog = c.Dir(exists=True, default="catalog")
    """Catalog folder, relative to `mkdocs.yml`; mkdocs makes it absolute and checks it exists."""


class IamCatalogPlugin(BasePlugin[IamCatalogConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.sources: dict[str, str] = {}
        self.directory = Path("catalog")

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # mkdocs cleans the site folder only after this event, so a rejected catalog leaves
        # an earlier site exactly as it was.
        self.directory = Path(self.config.catalog)
        errors, warnings, files, sources = _REBUILDS.build(self.directory, config.use_directory_urls)
        if warnings:
            # Info, not warning: mkdocs' --strict is for broken pages; `validate --strict` is
            # the gate for these.
            log.info("the IAM catalog has %d warnings: `iam-catalog validate` lists them", len(warnings))
        for warning in warnings:
            log.debug("%s", warning)
        if errors:
            count = len(errors)
            raise PluginError(
                f"the IAM catalog has {count} error{'s' if count > 1 else ''}:\n" + "\n".join(str(p) for p in errors)
            )
        self.files, self.sources = files, sources
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        for script in SCRIPTS:
            if script not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(script)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for path, content in self.files.items():
            generated = File.generated(config, path, content=content)
            # "Edit this page" leads to the catalog file the page is written from: edit_uri
            # points into docs_dir, and the catalog sits beside it.
            source = self.sources.get(path)
            generated.edit_uri = os.path.relpath(source, config.docs_dir).replace(os.sep, "/") if source else None
            files.append(generated)
        return files

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # Generated pages carry catalog text: whatever Markdown made of it, the allowlist decides.
        return sanitize(html) if page.file.src_uri in self.files else html

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return with_policy(output, page.content or "")

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        # Static templates such as 404.html: pages too, with no content of a page's own.
        return with_policy(output_content) if template_name.endswith(".html") else output_content

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        # mkdocs orders pages by file name ("rds-proxy" before "rds"); readers scan titles, and
        # the generated files come in the catalog's title order.
        rank = {path: i for i, path in enumerate(self.files)}

        def key(item: object) -> int:
            return rank.get(item.file.src_uri, -1) if isinstance(item, Page) else -1

        def walk(items: list[Any]) -> list[Page]:
            pages: list[Page] = []
            for item in items:
                if isinstance(item, Section):
                    if any(isinstance(c, Page) and c.file.src_uri in rank for c in item.children):
                        item.children.sort(key=key)
                    pages.extend(walk(item.children))
                elif isinstance(item, Page):
                    pages.append(item)
            return pages

        nav.pages = walk(nav.items)
        for before, after in zip(nav.pages, nav.pages[1:], strict=False):
            before.next_page, after.previous_page = after, before
        return nav

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.directory))
        return server
