"""Everything the published site holds that comes from the catalog, as paths and bytes.

Pure: no mkdocs here. The plugin hands these to mkdocs as virtual files; tests and the
benchmark call the same function.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from posixpath import relpath
from typing import Any

import jinja2
from markupsafe import Markup

from iam_catalog.aws.context import (
    ACCESS_LEVELS,
    CHANGING,
    ActionEntry,
    access_counts,
    action_index,
    action_notes,
    scope_hint,
)
from iam_catalog.catalog import prose as prose_rule
from iam_catalog.catalog.compiled import choice_data, compile_catalog, rule, scope_data, variable_data
from iam_catalog.catalog.model import (
    USER_OPTION,
    Catalog,
    Change,
    Choice,
    DbType,
    Policy,
    Step,
    Variable,
)
from iam_catalog.catalog.policy import policy_document, statement_template
from iam_catalog.iam.documents import document, dumps, fill_one
from iam_catalog.site.escape import code, fence, inline_html, link, markdown_text
from iam_catalog.site.paths import ACTIONS, BUILDER, INDEX_JSON, POLICIES, REFERENCE, SCRIPTS, STYLESHEET

__all__ = ["ACTIONS", "BUILDER", "INDEX_JSON", "POLICIES", "REFERENCE", "SCRIPTS", "STYLESHEET", "site_files"]


@dataclass(frozen=True)
class Tab:
    title: str
    intro: str | None
    policy: Policy


def tabs(step: Step) -> list[Tab]:
    return [Tab(step.tab or step.policy.id, None, step.policy)] + [
        Tab(a.tab, a.intro, a.policy) for a in step.alternatives
    ]


@dataclass(frozen=True)
class Tailoring:
    """How one statement of a page's policy can be tailored, for the note under its table."""

    sid: str | None
    position: int  # from 1, for a statement without a Sid
    omit: list[Choice]  # choices that leave it out
    omit_actions: list[tuple[Choice, tuple[str, ...]]]  # choices that leave out some actions
    scope: tuple[str, ...]  # ARN templates
    scope_variables: list[str]


def tailoring(catalog: Catalog, db_type: DbType, policy: Policy) -> list[Tailoring]:
    choices, scopes = catalog.choices(db_type), catalog.scopes(db_type)
    out = []
    for i, st in enumerate(policy.statements):
        if st.choices() or st.scope:
            out.append(
                Tailoring(
                    sid=st.sid,
                    position=i + 1,
                    omit=[choices[c] for c in st.omit_when],
                    omit_actions=[(choices[c], actions) for c, actions in st.omit_actions],
                    scope=st.scope,
                    scope_variables=rule(st, scopes).get("scope_variables", []),
                )
            )
    return out


@dataclass(frozen=True)
class Exposure:
    """What some of a type's policies grant, counted by AWS access level: a row of the
    overview's matrix and a part of the type page's opening line."""

    type: DbType
    service: str | None  # the service's id, for a row of its table; None for the other policies
    label: str  # the service's title, or an optional or database-user policy's name
    anchor: str | None  # the section of the type page the numbers link to
    counts: dict[str, int]


def action_anchor(name: str) -> str:
    """The id of an action's section on the actions page: `rds:DescribeDBInstances` is
    `rds-describedbinstances`, which a type page's link and the page agree on."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def section_id(service_id: str) -> str:
    """The id of a service's section on a type page: from the service's id, which the schema
    keeps a slug, not from its title, which may hold anything."""
    return f"{service_id}-service"


def exposures(catalog: Catalog, db_type: DbType) -> tuple[list[Exposure], list[Exposure]]:
    """The type's service policies by service, and its optional and database-user policies."""
    services = []
    for service in catalog.shared.services:
        policies = [
            p for p in db_type.policies if p.kind.merged and catalog.service_of(p) == service.id and not p.optional
        ]
        if policies:
            counts = access_counts(st for p in policies for st in p.statements)
            services.append(Exposure(db_type, service.id, service.title, section_id(service.id), counts))
    user = db_type.database_user.title if db_type.database_user else None
    others = [
        Exposure(
            db_type,
            None,
            p.title or (user if p.kind.user_role else None) or p.id,
            None,
            access_counts(p.statements),
        )
        for p in db_type.own_policies()
        if p.optional or p.kind.user_role
    ]
    return services, others


@dataclass(frozen=True)
class Download:
    key: str  # type/policy: how the page's script finds the block
    name: str  # shown above the block: type/policy.json
    filename: str  # suggested by the download attribute: type-policy.json
    href: str  # relative to the page
    path: str  # in the site
    json: str


def page_path(db_type: DbType) -> str:
    return f"{REFERENCE}/{db_type.id}.md"


def download_path(db_type: DbType, policy_id: str) -> str:
    return f"{POLICIES}/{db_type.id}/{policy_id}.json"


def page_url(src: str, directory_urls: bool) -> str:
    stem = src.removesuffix(".md")
    if stem.endswith("index"):
        return stem.removesuffix("index")
    return f"{stem}/" if directory_urls else f"{stem}.html"


def downloads(catalog: Catalog, db_type: DbType) -> dict[str, Download]:
    filled = catalog.defaults(db_type)
    out = {}
    for policy in db_type.all_policies(catalog.shared):
        path = download_path(db_type, policy.id)
        out[policy.id] = Download(
            key=f"{db_type.id}/{policy.id}",
            name=f"{db_type.id}/{policy.id}.json",
            filename=f"{db_type.id}-{policy.id}.json",
            href=relpath(path, REFERENCE),
            path=path,
            json=dumps(policy_document(policy, filled)),
        )
    return out


def _cell(text: str) -> str:
    """Text for one table cell, on one line; Markup stays Markup (prose has no `|`, by its rule)."""
    joined = " ".join(text.split())
    return Markup(joined) if isinstance(text, Markup) else joined


class UnsafeProse(ValueError):
    """Prose outside the subset reached a page: `validate` refuses it, so this is a bypass."""


def _escaped(value: object) -> Markup:
    # The engine's finalize: every value a template prints is escaped unless it is already
    # Markup, which only escape.py and `prose` make. A template cannot forget it.
    return value if isinstance(value, Markup) else markdown_text(str(value))


def _prose(catalog: Catalog, defaults: dict[str, str]) -> Callable[..., Markup]:
    pages = prose_rule.pages_of(t.id for t in catalog.types)

    def prose(text: str, inline: bool = False) -> Markup:
        filled = fill_one(text, defaults).strip()
        found = list(prose_rule.problems(filled, pages=pages, inline=inline))
        if found:
            raise UnsafeProse(f"catalog prose outside the Markdown subset ({'; '.join(found)}): {filled[:80]!r}")
        return Markup(filled)

    return prose


def _counted(counts: dict[str, int]) -> Markup:
    """Counts of actions by access level, the levels that change something in bold."""
    parts = [
        Markup("**{} {}**" if level in CHANGING else "{} {}").format(counts[level], level)
        for level in ACCESS_LEVELS
        if counts.get(level)
    ]
    return Markup(", ").join(parts) if parts else Markup("no actions")


def _level_cell(count: int, level: str, href: str) -> Markup:
    if not count:
        return Markup("\u2013")  # an en dash: none
    linked = link(str(count), href)
    return Markup("**{}**").format(linked) if level in CHANGING else linked


def _download_button(download: Download) -> Markup:
    label = Markup(":material-download: Download ") + code(download.name)
    attributes = Markup('{{ .md-button .iam-download download="{}" data-policy="{}" }}').format(
        download.filename, download.key
    )
    return link(label, download.href) + attributes


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("iam_catalog.site", "templates"),
        autoescape=True,
        finalize=_escaped,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["code"] = code
    env.filters["scope_hint"] = scope_hint
    env.filters["lower_first"] = lambda text: text[:1].lower() + text[1:]
    env.filters["inline_html"] = inline_html
    env.globals.update(
        counted=_counted,
        level_cell=_level_cell,
        link=link,
        fence=fence,
        download_button=_download_button,
        heading=lambda level: Markup("#" * level),
        section_id=section_id,
        anchor=action_anchor,
    )
    return env


def _tidy(markdown: str) -> str:
    # Templates stay readable with blank lines around blocks; the output keeps at most one
    # between blocks, and every line of a fenced code block as the author wrote it.
    out: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        marker = line.lstrip()[:3]
        if marker in ("```", "~~~"):
            fence = None if fence == marker else fence or marker
        elif fence is None and not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip() + "\n"


def _attribute_json(data: Any) -> Markup:
    # An attribute, not a <script>: Material's instant navigation re-runs the scripts of a
    # new page as JavaScript, whatever their type. Escaped, no `<` or quote can end it.
    return Markup(html.escape(json.dumps(data, separators=(",", ":")), quote=True))


def page_data(catalog: Catalog, db_type: DbType) -> dict[str, Any]:
    """What a type page's script needs to show every policy with the reader's values."""
    return {
        "type": db_type.id,
        "variables": {v.name: variable_data(v) for v in catalog.variables(db_type).values()},
        "policies": {
            f"{db_type.id}/{p.id}": document(statement_template(st) for st in p.statements)
            for p in db_type.all_policies(catalog.shared)
        },
        "rules": {
            f"{db_type.id}/{p.id}": [rule(st, catalog.scopes(db_type)) for st in p.statements]
            for p in db_type.all_policies(catalog.shared)
        },
        "choices": {c.id: choice_data(c) for c in catalog.used_choices(db_type)},
        "scopes": {v.name: scope_data(v) for v in catalog.used_scopes(db_type)},
    }


def _owners(catalog: Catalog, types: Iterable[DbType]) -> dict[str, str]:
    """Each choice's and scope variable's services, by title, as a form labels them: a choice of
    the Discovery Service's policy changes nothing in the Database Service's."""
    found: dict[str, set[str]] = {}
    for db_type in types:
        for name, services in catalog.tailoring_services(db_type).items():
            found.setdefault(name, set()).update(services)
    titles = [(s.id, s.title) for s in catalog.shared.services]
    return {name: " and ".join(title for sid, title in titles if sid in services) for name, services in found.items()}


def render_type(catalog: Catalog, db_type: DbType, rendered: dict[str, Download] | None = None) -> str:
    defaults = catalog.defaults(db_type)
    form = (
        _environment()
        .get_template("values-form.html.j2")
        .render(
            # The user's name fills no placeholder of a page: only CloudFormation's Users.
            variables=[v for v in catalog.shared.variables if v.option != USER_OPTION],
            choices=catalog.used_choices(db_type),
            scopes=catalog.used_scopes(db_type),
            owners=_owners(catalog, [db_type]),
        )
    )
    page = (
        _environment()
        .get_template("type.md.j2")
        .render(
            type=db_type,
            services=catalog.shared.services,
            policies_of=lambda service: [p for p in db_type.policies if catalog.service_of(p) == service],
            unsupported=dict(db_type.unsupported),
            downloads=rendered if rendered is not None else downloads(catalog, db_type),
            steps=db_type.steps(catalog.shared),
            assume_role_intro=catalog.shared.assume_role_intro,
            prose=_prose(catalog, defaults),
            text=lambda text: fill_one(text, defaults),
            tailoring_of=lambda policy: tailoring(catalog, db_type, policy),
            exposure=exposures(catalog, db_type),
            cell=_cell,
            notes=action_notes,
            tabs=tabs,
            values_form=Markup(form.strip()),  # rendered by the same escaping engine
            page_data=_attribute_json(page_data(catalog, db_type)),
        )
    )
    return _tidy(page)


@dataclass(frozen=True)
class ChangeRow:
    type: DbType
    sid: str | None  # None: the whole type
    change: Change


def changes(catalog: Catalog) -> list[ChangeRow]:
    """What differs from the original reference, from the `change` notes in the catalog."""
    rows = []
    for db_type in catalog.types:
        if db_type.change:
            rows.append(ChangeRow(db_type, None, db_type.change))
        rows += [
            ChangeRow(db_type, st.sid, st.change) for p in db_type.own_policies() for st in p.statements if st.change
        ]
    return rows


def render_overview(catalog: Catalog) -> str:
    by_type = {t.id: exposures(catalog, t) for t in catalog.types}
    roles = {v.name: v.default for v in catalog.shared.variables}
    page = (
        _environment()
        .get_template("overview.md.j2")
        .render(
            overview=catalog.shared.overview,
            prose=_prose(catalog, roles),
            services=catalog.shared.services,
            roles=roles,
            types=catalog.types,
            changes=changes(catalog),
            cell=_cell,
            exposures=by_type,
            covered={
                s.id: [t.id for t in catalog.types if any(e.service == s.id for e in by_type[t.id][0])]
                for s in catalog.shared.services
            },
            levels=ACCESS_LEVELS,
        )
    )
    return _tidy(page)


def render_actions(catalog: Catalog, entries: list[ActionEntry] | None = None) -> str:
    page = (
        _environment()
        .get_template("actions.md.j2")
        .render(
            entries=action_index(catalog) if entries is None else entries,
            cell=_cell,
            prose=_prose(catalog, {v.name: v.default for v in catalog.shared.variables}),
        )
    )
    return _tidy(page)


def _external_id(catalog: Catalog) -> Variable | None:
    """The variable that the stack's external ID sets, for the builder's field."""
    deploy = catalog.shared.deploy
    return next((v for v in catalog.shared.variables if deploy and v.name == deploy.external_id_variable), None)


def render_builder(catalog: Catalog) -> str:
    page = (
        _environment()
        .get_template("builder.md.j2")
        .render(
            types=catalog.types,
            services=catalog.shared.services,
            roles={v.name: v.default for v in catalog.shared.variables},
            variables=catalog.shared.variables,
            choices=[*catalog.shared.choices, *(c for t in catalog.types for c in t.choices)],
            scopes=[*catalog.shared.scopes, *(v for t in catalog.types for v in t.scopes)],
            owners=_owners(catalog, catalog.types),
            compiled=_attribute_json(compile_catalog(catalog)),
            deploy=catalog.shared.deploy,
            external_id=_external_id(catalog),
        )
    )
    return _tidy(page)


def _index(
    catalog: Catalog, files: dict[str, bytes], directory_urls: bool, actions: list[ActionEntry]
) -> dict[str, Any]:
    return {
        "types": [
            {
                "id": t.id,
                "title": t.title,
                "aliases": list(t.aliases),
                "page": page_url(page_path(t), directory_urls),
                "policies": [
                    {
                        "id": p.id,
                        "attach": p.attach,
                        **({"service": catalog.service_of(p)} if p.kind.merged else {}),
                        "optional": p.optional,
                        "path": download_path(t, p.id),
                        "sha256": hashlib.sha256(files[download_path(t, p.id)]).hexdigest(),
                    }
                    for p in t.all_policies(catalog.shared)
                ],
            }
            for t in catalog.types
        ],
        "actions": [
            {
                "name": entry.name,
                "access_level": entry.access_level,
                "description": entry.description,
                "page": page_url(ACTIONS, directory_urls) + "#" + action_anchor(entry.name),
                "uses": [
                    {
                        "type": use.type.id if use.type else None,
                        "policy": use.policy.id,
                        **({"service": use.service} if use.service else {}),
                        "sid": use.statement.sid,
                        "purpose": use.statement.purpose,
                        "choices": [c.id for c in use.choices],
                    }
                    for use in entry.uses
                ],
            }
            for entry in actions
        ],
    }


def page_sources(catalog: Catalog) -> dict[str, str]:
    """The catalog file each generated page is written from, for its "Edit this page" link."""
    return {f"{REFERENCE}/index.md": catalog.shared.path, **{page_path(t): t.path for t in catalog.types}}


def site_files(catalog: Catalog, *, directory_urls: bool = True) -> dict[str, bytes]:
    """Every generated file of the site by its path, in a stable order."""
    files: dict[str, bytes] = {f"{REFERENCE}/index.md": render_overview(catalog).encode()}
    for db_type in catalog.types:
        own = downloads(catalog, db_type)
        files[page_path(db_type)] = render_type(catalog, db_type, own).encode()
        for download in own.values():
            files[download.path] = download.json.encode()
    actions = action_index(catalog)
    files[ACTIONS] = render_actions(catalog, actions).encode()
    index = _index(catalog, files, directory_urls, actions)
    files[INDEX_JSON] = (json.dumps(index, indent=2) + "\n").encode()
    files[BUILDER] = render_builder(catalog).encode()
    assets = resources.files("iam_catalog.site") / "assets"
    for path in (STYLESHEET, *SCRIPTS):
        files[path] = (assets / path.removeprefix("assets/")).read_bytes()
    return files
