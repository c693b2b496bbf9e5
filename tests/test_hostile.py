"""A catalog change is untrusted input: each layer of defence, tested on its own, with hostile input.

The layers (docs/reviewing.md, "What a catalog author can and cannot do"): the prose subset
(catalog/prose.py), escaping by construction (site/escape.py and the template engine), the
sanitizer (site/sanitize.py), the Content-Security-Policy (site/csp.py), the review report's
own escaping (review/report.py), one rule per value and the output encoders (printiam), and the
files, cache and render safeguards. A missed case in one layer is caught by the next; these tests
hold each layer to its promise without the others.
"""

from __future__ import annotations

import copy
import html.parser
import io
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import markdown
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from iam_catalog import cli
from iam_catalog.catalog import prose
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.problems import Problem
from iam_catalog.checks.loader import load_directory
from iam_catalog.commands.validate import _github
from iam_catalog.iam.access import atoms
from iam_catalog.iam.patterns import symbols
from iam_catalog.printiam.formats import hcl_string
from iam_catalog.review.diff import diff
from iam_catalog.review.report import Style, to_markdown, to_text
from iam_catalog.site.csp import inline_scripts, policy, with_policy
from iam_catalog.site.escape import code, markdown_text
from iam_catalog.site.render import site_files
from iam_catalog.site.sanitize import ATTRIBUTES, URL_SCHEMES, sanitize
from markdown_it import MarkdownIt
from mkdocs.config import load_config

from .budget import examples
from .conftest import ROOT, copy_project, mkdocs_build, serving

# Strings a hostile contributor would try, in every field: markup, script, URLs with odd
# schemes, Markdown syntax of every kind, template and CloudFormation syntax, control characters.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "</div></form><!--",
    "[click](javascript:alert(1))",
    "[data](data:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    "&#106;avascript:alert(1)",
    "{: onclick=alert(1) }",
    "{ .x onmouseover=alert(1) }",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    "`",
    "```",
    "    indented code",
    "# heading",
    "| a | b |",
    "!!! note",
    '=== "tab"',
    ":material-alert:",
    "![i](https://example.com/i.png)",
    "{{resolve:ssm:secret}}",
    "${Account}",
    "${aws:username}",
    "%{ if x }",
    "\x1b[31mred\x1b[0m",
    "\u202eevil",
    "line\nbreak",
    "\r\n\r\n",
    "\\",
    "*_~^=+-.!#&<>",
]
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=3).map(" words ".join),
    st.lists(st.sampled_from([*"<>&\"'`*_[](){}|#!:;=-\\/ \n\tx", "javascript:", "{{resolve:"]), max_size=30).map(
        "".join
    ),
)
MD = load_config(str(ROOT / "mkdocs.yml"))


def convert(text: str) -> str:
    """Markdown as this site's pages are converted: mkdocs.yml's extensions and settings."""
    return markdown.Markdown(extensions=MD.markdown_extensions, extension_configs=MD.mdx_configs).convert(text)


# --- 1. Catalog prose is a declared subset ------------------------------------------------

ALLOWED_PROSE = [
    "Plain text with `code <script>`, *emphasis*, **strong** and x < 3.",
    "A [link](https://docs.aws.amazon.com/IAM/) and <https://example.com/a?b=c> and [mail](mailto:a@example.com).",
    "A [page of the reference](rds.md#database-service) and [a section](#discovery-service).",
    "- a list item\n- another, with `${Account}`\n\n1. numbered",
    '```json\n<script>alert(1)</script>\n{ "in": "a block" }\n```',
    '!!! warning "A `title`"\n\n    Its text, with [a link](https://example.com).',
    "An escaped \\[bracket\\] and \\*star\\*.",
]
REFUSED_PROSE = [
    ("<b>bold</b>", "raw HTML"),
    ("a <!-- comment", "raw HTML"),
    ("[x](javascript:alert(1))", "scheme 'javascript:'"),
    ("[x](data:text/html,hi)", "scheme 'data:'"),
    ("[x](vbscript:msgbox)", "scheme 'vbscript:'"),
    ("[x](//evil.example/)", "link to '//evil.example/'"),
    ("[x](other.md)", "not a page of the reference"),
    ("[x][ref]", "must open a link"),
    ("[x]\n(https://example.com)", "must open a link"),
    ("[ref]: https://example.com", "link definitions"),
    ("text { onclick=alert(1) }", "braces"),
    ("![i](https://example.com/i.png)", "images"),
    ("&#106;", "character references"),
    ("&lt;script&gt;", "character references"),
    ("an :material-alert: icon", "emoji"),
    ("`open\nclose`", "code span"),
    ("    indented", "indented by four spaces"),
    ("# heading", "headings"),
    ("> quote", "block quotes"),
    ("| a | b |", "tables"),
    ("??? note", "admonitions"),
    ('=== "tab"', "admonitions, collapsible blocks and tabs"),
    ("!!! evil", "admonition 'evil'"),
    ("```\nnever closed", "not closed"),
    ("```\n  ```\n```", "may not start with"),
    ("---", "rules"),
    ("a\tb", "tabs"),
    ("bell \x07", "control characters"),
]


@pytest.mark.parametrize("text", ALLOWED_PROSE)
def test_prose_subset_allows(text: str) -> None:
    assert list(prose.problems(text, pages={"rds.md", "index.md"})) == []


@pytest.mark.parametrize(("text", "message"), REFUSED_PROSE)
def test_prose_subset_refuses(text: str, message: str) -> None:
    found = list(prose.problems(text, pages={"rds.md", "index.md"}))
    assert any(message in m for m in found), found


def test_inline_prose_is_one_paragraph_without_pipes() -> None:
    for text, message in [("a | b", "'|'"), ("a\n\nb", "blank lines"), ("- item", "lists"), ("```\nx\n```", "code")]:
        assert any(message in m for m in prose.problems(text, inline=True)), text


@settings(max_examples=examples(300), deadline=None)
@given(HOSTILE)
def test_prose_that_passes_converts_to_allowlisted_html(text: str) -> None:
    """Whatever the subset lets through, the site's own Markdown makes only allowed HTML of."""
    if list(prose.problems(text, pages={"rds.md"})):
        return
    assert_allowlisted(convert(text))


# --- 2. Escaping by construction ----------------------------------------------------------


def _paragraph_text(html: str) -> tuple[str, list[str]]:
    doc = html5lib.parseFragment(html, namespaceHTMLElements=False)
    elements = [e.tag for e in doc.iter() if isinstance(e.tag, str) and e.tag not in ("p", "DOCUMENT_FRAGMENT")]
    return "".join(doc.itertext()), elements


@settings(max_examples=examples(400), deadline=None)
@given(st.one_of(HOSTILE, st.text()))
def test_escaped_text_is_shown_as_written_and_makes_no_element(text: str) -> None:
    shown, elements = _paragraph_text(convert(f"x {markdown_text(text)} y"))
    assert elements == []
    assert shown == f"x {text} y".replace("\x00", "\ufffd")
    shown, elements = _paragraph_text(convert(f"x {code(text)} y"))
    assert elements == ["code"] and shown == f"x {text} y".replace("\x00", "\ufffd")


def test_templates_put_no_value_inside_markdown_syntax_of_their_own() -> None:
    """A value inside backticks written in a template would be escaped for text, not code: the
    `code` filter writes the whole element. Templates print values only through the engine."""
    templates = Path(bundled_dir()).parent / "plugins" / "iam_catalog" / "site" / "templates"
    for path in templates.glob("*.j2"):
        text = path.read_text()
        assert not re.search(r"`\{\{|\}\}`|\]\(\{\{", text), path.name
        assert "| safe" not in text and "|safe" not in text, path.name


# --- 3. The sanitizer on its own -----------------------------------------------------------


HTML_PAYLOADS = ["<a href='javascript:x'>a</a>", "<style>*{}</style>", "<td style='x:expression(1)'>", "<form action=>"]


def assert_allowlisted(html: str) -> None:
    """Only allowlisted elements and attributes, and no URL outside the allowed schemes."""
    doc = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        tag = element.tag.split("}")[-1]
        assert tag in ATTRIBUTES, tag
        for name, value in element.attrib.items():
            name = name.split("}")[-1]
            allowed = ATTRIBUTES[tag] | {"class", "id", "hidden", "title", "role"}
            assert name in allowed or name.startswith("data-"), (tag, name)
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", value)
                assert scheme is None or scheme[1].lower() in URL_SCHEMES, value


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.sampled_from([*PAYLOADS, *HTML_PAYLOADS]), max_size=5).map("".join))
def test_sanitizer_leaves_only_the_allowlist(html: str) -> None:
    cleaned = sanitize(html)
    assert_allowlisted(cleaned)
    assert "<script" not in cleaned.lower()  # as text, `<` is `&lt;`: no tag can start


# --- 4. Content-Security-Policy -------------------------------------------------------------


def test_policy_allows_other_sites_only_where_the_theme_loads_from_them() -> None:
    """A host's theme may load its fonts and scripts from elsewhere; the page's content may not
    widen the policy, nor may an odd URL in the theme write anything into it."""
    theme = (
        '<html><head><meta charset=utf-8><link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<link rel="icon" href="https://icons.example/favicon.png">'
        '<link rel="stylesheet" href="http://plain.example/x.css">'
        '<link rel="stylesheet" href="https://a.example\'; script-src *">'
        '<script src="https://cdn.example:8443/lib.js"></script></head><body>{}</body></html>'
    )
    content = '<article><script src="https://evil.example/x.js"></script><link rel=stylesheet href="https://evil.example/s.css"></article>'
    out = with_policy(theme.format(content), content)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out)
    assert csp
    directives = {d.split()[0]: d.split()[1:] for d in csp[1].split("; ")}
    assert directives["script-src"] == ["'self'", "https://cdn.example:8443"]
    assert directives["style-src"] == [
        "'self'",
        "'unsafe-inline'",
        "https://fonts.googleapis.com",
        "https://fonts.gstatic.com",
    ]
    assert directives["font-src"] == ["'self'", "data:", "https://fonts.googleapis.com", "https://fonts.gstatic.com"]
    assert "evil" not in csp[1] and "icons.example" not in csp[1] and "plain.example" not in csp[1]


def test_policy_allows_the_theme_scripts_by_hash_and_not_the_content() -> None:
    page = "<html><head><meta charset=utf-8><script>theme()</script></head><body>{}</body></html>"
    content = "<article><script>evil()</script></article>"
    out = with_policy(page.format(content), content)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out)
    assert csp and out.index("Content-Security-Policy") < out.index("<script>")
    assert csp[1] == policy(page.format(""))
    assert "unsafe-inline" not in csp[1].split("; ")[1] and "unsafe-eval" not in csp[1]
    assert "object-src 'none'" in csp[1] and "base-uri 'self'" in csp[1]
    assert len(re.findall(r"'sha256-", csp[1])) == 1  # theme() only


class _ParsedScripts(html.parser.HTMLParser):
    """Inline scripts as an HTML parser finds them: the oracle for csp.inline_scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            found = dict(attrs)
            runs = (found.get("type") or "").strip().lower() in (
                "",
                "text/javascript",
                "application/javascript",
                "module",
            )
            self._open = [] if runs and "src" not in found else None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append("".join(self._open))
            self._open = None


def test_the_policys_script_finder_agrees_with_an_html_parser_on_every_page(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text()
        parser = _ParsedScripts()
        parser.feed(text)
        parser.close()
        assert inline_scripts(text) == parser.scripts, page
        assert parser.scripts, page  # the theme's own scripts are there to find


@pytest.mark.slow
def test_every_page_of_the_real_site_runs_under_its_policy(built_site: Path, browser: Any) -> None:
    """Every HTML page carries the policy; in Chromium, none logs a violation (the conftest
    fixture fails the test on any) and the builder still works."""
    pages = sorted(p for p in built_site.rglob("*.html"))
    for page in pages:
        assert 'http-equiv="Content-Security-Policy"' in page.read_text(), page
    with serving(built_site) as origin:
        context = browser.new_context()
        tab = context.new_page()
        for page in pages:
            tab.goto(f"{origin}/{page.relative_to(built_site).as_posix()}")
        tab.goto(f"{origin}/builder/")
        tab.check("input[name=type][value=rds]")
        assert json.loads(tab.text_content("#policy") or "")["Statement"]
        context.close()


# --- 5. Hostile catalogs, every string field ----------------------------------------------

REAL = {p.name: yaml.safe_load(p.read_text()) for p in sorted(Path(bundled_dir()).glob("*.yaml"))}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*path, i))
    elif isinstance(value, str):
        yield path


FIELDS = [(name, path) for name, data in REAL.items() for path in _leaves(data)]


def _plain(path: tuple[Any, ...]) -> bool:
    """A field of plain text, which the schema leaves free but for `<`, `>` and line breaks."""
    key = path[-1]
    return (
        key in ("description", "hint", "tab")
        or path in (("title",), ("database_user", "title"))
        or (path[0] == "services" and key == "title")
        or (path[0] == "variables" and key == "label")
    )


PLAIN_FIELDS = [(name, path) for name, path in FIELDS if _plain(path)]
# What a plain-text field accepts that is syntax somewhere: Markdown, HTML entities, HCL, JSON,
# CloudFormation, attribute lists, emoji, placeholders.
PASSABLE = st.one_of(
    st.sampled_from([p for p in PAYLOADS if not re.search(r"[<>\n\r]", p)]),
    st.lists(st.sampled_from([*"\"'`*_[](){}|#!:;=-+.\\/ &x~^%$@", "&#60;script&#62;", "{{resolve:"]), max_size=25).map(
        "".join
    ),
).filter(lambda text: text.strip() != "")


def _write(target: Path, changes: dict[tuple[str, tuple[Any, ...]], str]) -> Path:
    data = copy.deepcopy(REAL)
    for (name, path), text in changes.items():
        node = data[name]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = text
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, content in data.items():
        (target / name).write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=1000))
    shutil.copy(Path(bundled_dir()) / "schema.json", target / "schema.json")
    return target


REPORT = MarkdownIt("commonmark").enable("table")
REPORT_HTML = {
    "<code>",
    "</code>",
    "<details><summary>Text changes in full</summary>",
    "</details>",
    "<details><summary>",
    "</summary>",
}
# What the text report may write to a terminal besides text: its own colours, and line breaks.
COLOUR = re.compile(r"\x1b\[[0-9;]*m")
TERMINAL_UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def assert_report_structure(report: str) -> None:
    """Only the report's own HTML, every table row as wide as its header, headings of known forms."""
    tokens = REPORT.parse(report)
    widths: list[int] = []
    for i, token in enumerate(tokens):
        if token.type == "html_block":
            assert token.content.strip() in REPORT_HTML, token.content
        if token.type == "inline":
            for child in token.children or []:
                assert child.type not in ("link_open", "image", "code_inline"), child
                if child.type == "html_inline":
                    assert child.content in REPORT_HTML, child.content
        if token.type == "heading_open":
            heading = tokens[i + 1].content
            assert re.match(r"(IAM catalog changes: |Broadening: |Narrowing: |<code>)", heading), heading
        if token.type == "tr_open":
            widths.append(0)
        if token.type in ("th_open", "td_open"):
            widths[-1] += 1
        if token.type == "table_close":
            assert len(set(widths)) == 1, widths
            widths = []


@pytest.mark.slow
@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.tuples(
        st.one_of(st.just({}), st.dictionaries(st.sampled_from(FIELDS), HOSTILE, min_size=1, max_size=2)),
        st.dictionaries(st.sampled_from(PLAIN_FIELDS), PASSABLE, min_size=1, max_size=8),
    ).map(lambda both: {**both[1], **both[0]})
)
def test_hostile_strings_in_any_field_are_refused_or_rendered_harmless(
    tmp_path_factory: pytest.TempPathFactory, changes: dict[tuple[str, tuple[Any, ...]], str]
) -> None:
    """Hostile strings in any string field the schema allows: the catalog is refused with
    `path:line: message` problems, or every page it makes converts to allowlisted HTML before
    the sanitizer runs, every download is JSON, and the review report keeps its structure."""
    folder = _write(tmp_path_factory.mktemp("hostile") / "catalog", changes)
    loaded = load_directory(folder)
    event("refused" if loaded.errors else "rendered")
    if loaded.errors:
        assert all(re.match(rf"{re.escape(str(folder))}/[^:]+(:\d+)?: \S", str(p)) for p in loaded.problems)
        return
    catalog = loaded.require()
    for path, content in site_files(catalog).items():
        if path.endswith(".md"):
            assert_allowlisted(convert(content.decode()))
        elif path.endswith(".json"):
            json.loads(content)
    base = load_directory(Path(bundled_dir())).require()
    report = diff(base, catalog, "before", "after")
    assert_report_structure(to_markdown(report))
    assert not TERMINAL_UNSAFE.search(COLOUR.sub("", to_text(report, Style(color=True, verbose=True))))


def test_a_hostile_catalog_builds_a_site_that_runs_no_script(tmp_path: Path, browser: Any) -> None:
    """Every plain-text field that the schema leaves free holds markup: the site builds, its
    pages show the text, and Chromium runs nothing of it (no CSP violation, no dialog)."""
    # `<` and `>` are refused in one-line fields (a theme writes titles into the page's head):
    # everything else a hostile author could try is there.
    payload = (
        "\" onmouseover=alert(1) x=' &#60;/title&#62;&#60;script&#62;alert(2)&#60;/script&#62; `x` | # *a* "
        "{: onclick=alert(3) } [b](javascript:alert(4)) :material-alert: {{resolve:ssm:x}} ${Account} \\"
    )
    changes = {(name, path): f"{payload} {path[-1]}" for name, path in PLAIN_FIELDS}
    assert len(changes) > 40
    project = copy_project(tmp_path / "project")
    _write(project.parent / "catalog", changes)
    site = tmp_path / "site"
    result = mkdocs_build(project, site)
    assert result.returncode == 0, result.stderr
    for page in site.rglob("*.html"):
        doc = html5lib.parse(page.read_text(), namespaceHTMLElements=False)
        assert not [e for e in doc.iter("script") if "alert" in (e.text or "")], page
        assert not [e for e in doc.iter() if any(a.startswith("on") for a in e.attrib)], page
        assert not [e for e in doc.iter("a") if e.get("href", "").lower().startswith("javascript:")], page
    with serving(site) as origin:
        context = browser.new_context()
        tab = context.new_page()
        dialogs: list[str] = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for page in ("reference/", "reference/rds/", "reference/redshift/", "builder/"):
            tab.goto(f"{origin}/{page}")
        tab.check("input[name=type][value=rds]")
        assert json.loads(tab.text_content("#policy") or "")["Statement"]
        context.close()
    assert dialogs == []


# --- 6. Values and output encoders --------------------------------------------------------

_HCL_ESCAPE = re.compile(r'\\(?:[nrt"\\]|u[0-9a-f]{4}|U[0-9a-f]{8})')


def _hcl_unquote(text: str) -> str:
    """HCL's own reading of a quoted string (its spec's escapes), and its $${ and %%{."""
    assert text[0] == text[-1] == '"' and all(0x20 <= ord(c) < 0x7F for c in text)
    body = text[1:-1]
    assert not re.search(r"(?<!\$)\$\{|(?<!%)%\{", body.replace("$${", "").replace("%%{", ""))
    assert _HCL_ESCAPE.sub("", body).count("\\") == 0 and '"' not in _HCL_ESCAPE.sub("", body)
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    out = _HCL_ESCAPE.sub(lambda m: simple.get(m[0][1]) or chr(int(m[0][2:], 16)), body)
    return out.replace("$${", "${").replace("%%{", "%{")


@settings(max_examples=examples(500), deadline=None)
@given(st.one_of(HOSTILE, st.text()))
def test_terraform_strings_are_valid_hcl_for_any_text(text: str) -> None:
    assert _hcl_unquote(hcl_string(text)) == text


def test_cloudformation_never_carries_a_dynamic_reference(tmp_path: Path) -> None:
    # Its ARNs name the account: the database-user roles', once named.
    argv = ["print-iam", "--types", "dynamodb", "--assumes-roles", "u", "--format", "cloudformation"]
    out, err = io.StringIO(), io.StringIO()
    assert cli.run([*argv, "--account", "{{resolve:ssm:x}}"], out, err) == 2  # the rule refuses it first
    assert err.getvalue().count("\n") == 1 and out.getvalue() == ""
    # A value that only a hostile catalog's rule admits: the encoder refuses it all the same.
    folder = _write(tmp_path / "catalog", {("_shared.yaml", ("variables", "Account", "pattern")): ".*"})
    argv += ["--catalog", str(folder)]
    out, err = io.StringIO(), io.StringIO()
    assert cli.run([*argv, "--account", "{{ Resolve :ssm:x}}"], out, err) == 2
    assert err.getvalue() == (
        "iam-catalog: error: a value holds '{{resolve:', which CloudFormation would read as a dynamic reference\n"
    )
    assert out.getvalue() == ""
    out, err = io.StringIO(), io.StringIO()
    assert cli.run([*argv[:5], *argv[7:], "--account", "{{resolve:ssm:x}}"], out, err) == 0  # JSON: IAM reads text


# --- 7. Files, render, cache, git, the engine ----------------------------------------------


@pytest.fixture()
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(Path(bundled_dir()), target)
    return target


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: os.mkfifo(p), "is not a regular file: not read"),
        (lambda p: p.symlink_to("/dev/zero"), "is a link to outside the catalog folder: not read"),
        (lambda p: p.mkdir(), "is not a regular file: not read"),
        (lambda p: p.write_bytes(b"x: " + b"a" * (5 * 1024 * 1024)), "is larger than 4194304 bytes"),
    ],
    ids=["fifo", "link-to-dev-zero", "folder", "huge"],
)
def test_entries_that_are_not_catalog_files_are_refused_without_reading(
    catalog_copy: Path, make: Any, message: str
) -> None:
    make(catalog_copy / "odd.yaml")
    for command in (["validate"], ["print-iam", "--types", "rds"]):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "iam-catalog"), *command, "--catalog", str(catalog_copy)],
            capture_output=True, text=True, timeout=30, check=False,
            env={**os.environ, "IAM_CATALOG_CACHE": str(catalog_copy.parent / "cache")},
        )  # fmt: skip
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"{catalog_copy}/odd.yaml:1: {message}" in result.stdout + result.stderr


def test_a_link_inside_the_catalog_is_followed(catalog_copy: Path) -> None:
    (catalog_copy / "rds.yaml").rename(catalog_copy / "rds.source")
    (catalog_copy / "rds.yaml").symlink_to("rds.source")
    assert not load_directory(catalog_copy).errors


def test_a_file_name_that_is_not_utf8_is_named_not_a_traceback(catalog_copy: Path, tmp_path: Path) -> None:
    odd = os.fsencode(str(catalog_copy)) + b"/caf\xe9.yaml"
    with open(odd, "wb") as f:
        f.write(b"id: x\n")
    assert any("caf\\xe9.yaml:1: the file's name is not UTF-8" in str(p) for p in load_directory(catalog_copy).errors)
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.move(str(catalog_copy), repo / "catalog")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=repo, check=True)
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = cli.run(["diff", "HEAD", "HEAD"], out, err)
    finally:
        os.chdir(cwd)
    assert code == 2 and "HEAD:catalog/caf\\xe9.yaml:1: the file's name is not UTF-8" in err.getvalue()


@pytest.mark.parametrize("target", ["", "a-file", "missing-parent/x"])
def test_render_refuses_a_bad_folder_in_one_line(tmp_path: Path, target: str) -> None:
    (tmp_path / "a-file").write_text("mine")
    (tmp_path / "missing-parent").write_text("a file where a folder would go")
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert cli.run(["render", target], out, err) == 2
    finally:
        os.chdir(cwd)
    assert err.getvalue().startswith("iam-catalog: error: render: ") and err.getvalue().count("\n") == 1
    assert (tmp_path / "a-file").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "missing-parent"]


def test_render_never_writes_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    out_dir = tmp_path / "out"
    (out_dir / "reference").mkdir(parents=True)
    (out_dir / "catalog.json").symlink_to(victim / "catalog.json")
    (out_dir / "reference" / "rds.md").symlink_to(victim / "rds.md")
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["render", str(out_dir)], out, err) == 2
    assert "is a symbolic link: not writing through it" in err.getvalue()
    assert list(victim.iterdir()) == [] and not (out_dir / "builder").exists()


@pytest.fixture()
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(folder))
    return folder


def _print_iam() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["print-iam", "--types", "rds"], out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_cache_folder_is_private_and_a_shared_one_is_not_used(cached: Path) -> None:
    code, expected, _ = _print_iam()
    assert code == 0 and (cached.stat().st_mode & 0o777) == 0o700
    entry = next(cached.glob("*.marshal"))
    assert entry.stat().st_mode & 0o077 == 0
    cached.chmod(0o777)
    code, out, err = _print_iam()
    assert (code, out) == (0, expected)
    assert err.count("not using the cache") == 1 and "can be written by other users" in err


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_an_entry_of_another_user_is_not_used(cached: Path) -> None:
    _, expected, _ = _print_iam()
    entry = next(cached.glob("*.marshal"))
    entry.write_bytes(marshal.dumps({"inputs": [], "compiled": {}}))
    os.chown(entry, 65534, 65534)
    assert _print_iam()[:2] == (0, expected)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 64, os.urandom(256), marshal.dumps([1, 2]), marshal.dumps({"inputs": "x", "compiled": 1})],
    ids=["empty", "zeros", "random", "a-list", "wrong-shape"],
)
def test_a_malformed_entry_is_a_miss(cached: Path, content: bytes) -> None:
    _, expected, _ = _print_iam()
    next(cached.glob("*.marshal")).write_bytes(content)
    assert _print_iam() == (0, expected, "")


def test_a_title_cannot_drive_the_terminal_that_lists_it(tmp_path: Path) -> None:
    """list-types prints titles as they are: a one-line field refuses control characters."""
    folder = _write(tmp_path / "catalog", {("rds.yaml", ("title",)): "RDS\x1b[2J\x1b]0;owned\x07"})
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["list-types", "--catalog", str(folder)], out, err) == 1
    assert out.getvalue() == "" and "\x1b" not in err.getvalue() and "rds.yaml:" in err.getvalue()


def test_a_problem_prints_on_one_line_without_control_characters() -> None:
    problem = Problem("a.yaml", 3, "title 'x\x1b[2J\u202ey\nz'", check="schema")
    assert str(problem) == "a.yaml:3: title 'x\\x1b[2J\\u202ey\\nz'"
    # The same in a workflow command, which a CI log shows as it is.
    assert _github(problem) == "::error file=a.yaml,line=3,title=iam-catalog schema::title 'x\\x1b[2J\\u202ey%0Az'"


def test_the_engine_finds_a_symbol_no_pattern_uses() -> None:
    """Patterns that use every readable character the engine would try first."""
    used = "xyzqXYZQ0123456789_"
    patterns = [symbols(used + "*"), symbols("*" + used[::-1])]
    found = atoms(patterns)
    assert (True, True) in found and (False, False) in found


def test_a_type_of_6000_statements_validates_in_seconds(catalog_copy: Path) -> None:
    import time

    from .synthetic import large_type

    (catalog_copy / "large.yaml").write_text(large_type(6000))
    start = time.process_time()  # the loader's own CPU seconds: a busy machine does not count
    loaded = load_directory(catalog_copy)
    assert time.process_time() - start < 5.0
    assert not [p for p in loaded.problems if p.check == "covered-statement"]
