"""The mkdocs adapter: load the catalog before anything is cleaned, add its files, watch it."""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any

import markupsafe
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from iam_catalog.catalog.location import bundled_dir
from iam_catalog.iam.wording import plural
from iam_catalog.rebuilds import SiteBuilds
from iam_catalog.site.csp import with_policy
from iam_catalog.site.paths import SCRIPTS, STYLESHEET
from iam_catalog.site.sanitize import sanitize

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

log = get_plugin_logger(__name__)

# The Markdown the page templates write (site/templates), as mkdocs loads it: the plugin's pages
# are rendered with these extensions whatever the host's markdown_extensions say, so that a host
# with none, or with others, gets the same pages. tests/test_embedding.py holds this repository's
# mkdocs.yml (which `iam-catalog render` output relies on) to the same list.
EXTENSIONS = [
    "toc",
    "tables",
    "fenced_code",
    "admonition",
    "attr_list",
    "pymdownx.details",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tabbed",
    "pymdownx.emoji",
]


def _extension_configs() -> dict[str, dict[str, Any]]:
    from material.extensions.emoji import to_svg, twemoji  # type: ignore[import-untyped]

    return {
        "toc": {"permalink": True},
        "pymdownx.tabbed": {"alternate_style": True},
        "pymdownx.emoji": {"emoji_index": twemoji, "emoji_generator": to_svg},
    }


class _ReferencePage(Page):
    """A page the plugin generates, rendered in its own Markdown dialect (EXTENSIONS)."""

    def render(self, config: MkDocsConfig, files: Files) -> None:
        host = config["markdown_extensions"], config["mdx_configs"]
        config["markdown_extensions"], config["mdx_configs"] = EXTENSIONS, _extension_configs()
        try:
            super().render(config, files)
        finally:
            config["markdown_extensions"], config["mdx_configs"] = host


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class _Prefix(c.Type):  # type: ignore[type-arg]
    """A folder inside the site, as a relative path: `a/b`, or "" for the site's root."""

    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        text = str(super().run_validation(value)).strip("/")
        parts = text.split("/") if text else []
        if _CONTROL.search(text):
            raise ValidationError(f"a folder name holds no control character, got {value!r}")
        if any(part in ("", ".", "..") or "\\" in part or ":" in part for part in parts):
            raise ValidationError(
                f"expected a folder inside the site such as 'aws-iam' (or '' for its root), got {value!r}"
            )
        return text


class IamCatalogConfig(base.Config):  # type: ignore[no-untyped-call]
    catalog = c.Optional(c.Dir(exists=True))
    """Catalog folder, relative to `mkdocs.yml`; none: the catalog the package ships."""
    prefix = _Prefix(default="aws-iam")
    """The folder of the site that every generated page and file goes into."""
    nav = c.Type(bool, default=True)
    """Gather the generated pages into one section of the navigation, added at its end."""
    nav_section = c.Type(str, default="AWS IAM reference")
    site_wide = c.Type(bool, default=False)
    """The site is the reference's own: the policy, script and stylesheet go on every page."""


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_THEME_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.DOTALL)
_SITEMAP_URL = re.compile(r"\s*<url>\s*<loc>([^<]*)</loc>.*?</url>", re.DOTALL)


class IamCatalogPlugin(BasePlugin[IamCatalogConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.builds = SiteBuilds()
        self.files: dict[str, bytes] = {}
        self.sources: dict[str, str] = {}
        self.directory = Path("catalog")
        self.generated: dict[str, File] = {}  # every file it adds, by its path in the site

    def _path(self, path: str) -> str:
        return posixpath.join(self.config.prefix, path)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this event keeps one plugin for every build of `mkdocs serve`: its SiteBuilds
        # memo is what makes a rebuild after an edit cheap.
        self.builds = SiteBuilds()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # mkdocs cleans the site folder only after this event, so a rejected catalog leaves
        # an earlier site exactly as it was.
        self.directory = Path(self.config.catalog or bundled_dir())
        errors, warnings, files, sources = self.builds.build(self.directory, config.use_directory_urls)
        if warnings:
            # Info, not warning: mkdocs' --strict is for broken pages; `validate --strict` is
            # the gate for these.
            log.info("the IAM catalog has %d warnings: `iam-catalog validate` lists them", len(warnings))
        for warning in warnings:
            log.debug("%s", warning)
        if errors:
            count = len(errors)
            raise PluginError(f"the IAM catalog has {plural(count, 'error')}:\n" + "\n".join(str(p) for p in errors))
        self.files = {self._path(path): content for path, content in files.items()}
        # "Edit this page" leads to the catalog file a page is written from, when the site has
        # its own catalog: edit_uri points into docs_dir, and the catalog sits beside it.
        self.sources = {self._path(path): source for path, source in sources.items()} if self.config.catalog else {}
        if self.config.site_wide:
            if self._path(STYLESHEET) not in config.extra_css:
                config.extra_css.append(self._path(STYLESHEET))
            for script in map(self._path, SCRIPTS):
                if script not in [str(s) for s in config.extra_javascript]:
                    config.extra_javascript.append(script)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        in_the_way = [path for path in self.files if files.get_file_from_path(path) is not None]
        if in_the_way:
            raise PluginError(
                "the IAM catalog writes these pages and files, which the site already has; move them, or set"
                " the plugin's `prefix` to another folder:\n"
                + "\n".join(os.path.join(config.docs_dir, path) for path in in_the_way)
            )
        self.generated = {}
        for path, content in self.files.items():
            generated = File.generated(config, path, content=content)
            source = self.sources.get(path)
            generated.edit_uri = os.path.relpath(source, config.docs_dir).replace(os.sep, "/") if source else None
            files.append(generated)
            if generated.is_documentation_page():
                _ReferencePage(None, generated, config)
            self.generated[path] = generated
        return files

    @property
    def pages(self) -> list[File]:
        """The reference's pages, in the catalog's order."""
        return [file for file in self.generated.values() if file.is_documentation_page()]

    def _url(self, asset: str, page: Page) -> str:
        """Where one of the plugin's assets (site/paths) is, from a page."""
        return self.generated[self._path(asset)].url_relative_to(page.file)

    def _ours(self, page: Page) -> bool:
        return page.file.src_uri in self.files

    def on_page_content(self, content: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if not self._ours(page):
            return content
        # Generated pages carry catalog text: whatever Markdown made of it, the allowlist decides.
        content = sanitize(content)
        if self.config.site_wide:
            return content
        # The page's own scripts, after its content (added after the allowlist, which drops
        # every script): on this page only, not on the host's.
        return content + "".join(f'<script src="{_attribute(self._url(s, page))}"></script>' for s in SCRIPTS)

    # The policy hashes the page's inline scripts as they are finally written: after every other
    # plugin's change to them (mkdocs' convention: -100 runs last).
    @event_priority(-100)
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.config.site_wide:
            return with_policy(output, page.content or "")
        if not self._ours(page):
            return output
        head = _HEAD_END.search(output)
        if head is not None:
            link = f'<link rel="stylesheet" href="{_attribute(self._url(STYLESHEET, page))}">'
            output = output[: head.start()] + link + output[head.start() :]
        return with_policy(_without_instant(output), page.content or "")

    @event_priority(-100)
    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        if self.config.site_wide:
            # Static templates such as 404.html: pages too, with no content of a page's own.
            return with_policy(output_content) if template_name.endswith(".html") else output_content
        if template_name == "sitemap.xml":
            return self._without_our_pages(output_content)
        return output_content

    def _without_our_pages(self, sitemap: str) -> str:
        """Material's instant navigation follows only the links its sitemap lists: left out, a
        reference page is always loaded whole, so its policy never outlives it in a host page."""
        urls = {page.page.canonical_url or page.page.abs_url for page in self.pages if page.page is not None}
        return _SITEMAP_URL.sub(lambda found: "" if html.unescape(found[1]) in urls else found[0], sitemap)

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if self.config.nav:
            ours = [file.page for file in self.pages if isinstance(file.page, Page)]
            # The theme prints a section's title as it is (mkdocs' own templates do not escape
            # it): the option is text, so it goes in escaped, as Markup that a theme which does
            # escape leaves as it is.
            section = Section(markupsafe.escape(self.config.nav_section), list(ours))
            for page in ours:
                page.parent = section
            nav.items = [*_without(nav.items, set(map(id, ours))), section]
        else:
            _in_catalog_order(nav.items, {path: i for i, path in enumerate(self.files)})
        nav.pages = _pages(nav.items)
        for before, after in zip(nav.pages, nav.pages[1:], strict=False):
            before.next_page, after.previous_page = after, before
        return nav

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.catalog:
            server.watch(str(self.directory))
        return server


def _attribute(url: str) -> str:
    """A URL as an HTML attribute's value: the prefix is the site owner's text."""
    return html.escape(url, quote=True)


def _without_instant(page_html: str) -> str:
    """The page with Material's instant navigation turned off: a link from it loads the next
    page whole, which drops this page's policy (a policy, once read, binds the document)."""

    def features(found: re.Match[str]) -> str:
        settings = json.loads(found[2])
        settings["features"] = [f for f in settings.get("features", []) if not f.startswith("navigation.instant")]
        return found[1] + json.dumps(settings).replace("<", "\\u003c") + found[3]

    return _THEME_CONFIG.sub(features, page_html, count=1)


def _without(items: list[Any], pages: set[int]) -> list[Any]:
    """The navigation without these pages, and without the sections they leave empty."""
    kept = []
    for item in items:
        if isinstance(item, Section):
            item.children = _without(item.children, pages)
            if item.children:
                kept.append(item)
        elif id(item) not in pages:
            kept.append(item)
    return kept


def _in_catalog_order(items: list[Any], rank: dict[str, int]) -> None:
    # mkdocs orders pages by file name ("rds-proxy" before "rds"); readers scan titles, and
    # the generated files come in the catalog's title order.
    def key(item: object) -> int:
        return rank.get(item.file.src_uri, -1) if isinstance(item, Page) else -1

    for item in items:
        if isinstance(item, Section):
            if any(isinstance(child, Page) and child.file.src_uri in rank for child in item.children):
                item.children.sort(key=key)
            _in_catalog_order(item.children, rank)


def _pages(items: list[Any]) -> list[Page]:
    pages: list[Page] = []
    for item in items:
        if isinstance(item, Section):
            pages.extend(_pages(item.children))
        elif isinstance(item, Page):
            pages.append(item)
    return pages
