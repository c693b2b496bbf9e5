"""The site in a real browser: Debian's Chromium, driven by Playwright.

The builder must agree with `iam-catalog print-iam`, the reader's values must reach every
block and download, and no page may call another host or log an error.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from iam_catalog import cli
from iam_catalog.catalog.model import Catalog
from iam_catalog.catalog.policy import policy_document
from playwright.sync_api import Browser, Page, expect

from .conftest import from_the_keyboard, tab_to, unfold

ACCOUNT, REGION = "123456789012", "eu-west-1"


class Watched:
    """A page that records console errors and every request to another origin."""

    def __init__(self, browser: Browser, origin: str, **context: Any) -> None:
        self.context = browser.new_context(accept_downloads=True, **context)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request",
            lambda r: self.foreign.append(r.url) if not r.url.startswith((origin, "blob:", "data:")) else None,
        )

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], "console errors"
        assert self.foreign == [], "requests to another host"


@pytest.fixture()
def watched(browser: Browser, server: str) -> Iterator[Watched]:
    w = Watched(browser, server)
    yield w
    w.close()


def print_iam(*argv: str) -> dict[str, Any]:
    """print-iam's policy for the request; the builder shows what is left to fill in as its
    placeholders, so the CLI is asked for them too."""
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["print-iam", *argv, "--placeholders"], out, err) == 0, err.getvalue()
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def fresh(page: Page, url: str) -> None:
    """Open a page as a first-time reader sees it: nothing remembered from another test."""
    page.goto(url)
    page.evaluate("localStorage.clear()")
    page.reload()


def choose(page: Page, types: list[str], **fields: str) -> dict[str, Any]:
    for box in page.query_selector_all("input[name=type]"):
        box.set_checked(box.get_attribute("value") in types)
    unfold(page)
    for selector, value in fields.items():
        if selector == "partition":
            page.select_option("#partition", value)
        else:
            page.fill(f"#{selector}", value)
    result: dict[str, Any] = json.loads(page.text_content("#policy") or "")
    return result


def combinations(catalog: Catalog) -> list[list[str]]:
    ids = [t.id for t in catalog.types]
    return [[i] for i in ids] + [["rds", "rds-proxy"], ["rds", "redshift"], ids[::2], ids[1::2], ids]


@pytest.mark.slow
def test_builder_agrees_with_print_iam(watched: Watched, server: str, catalog: Catalog) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    users = {"assumes-roles": "teleport-db-user"}
    for types in combinations(catalog):
        shown = choose(page, types, account=ACCOUNT, region=REGION, role="teleport-db-service-role", **users)
        request = ("--account", ACCOUNT, "--region", REGION, "--role", "teleport-db-service-role")
        assert shown == print_iam("--types", ",".join(types), *request, "--assumes-roles", "teleport-db-user"), types
    # No database-user roles named: nothing on them, as in the CLI; a type with nothing else is refused.
    page.fill("#assumes-roles", "")
    for box in page.query_selector_all("input[name=type]"):
        box.set_checked(box.get_attribute("value") == "dynamodb")
    assert page.text_content("#policy") == ""
    said = "dynamodb: every statement is on the database-user roles: give --assumes-roles"
    assert (page.text_content("#builder-status") or "").startswith(said)
    for partition in ("aws-cn", "aws-us-gov"):
        shown = choose(page, ["rds", "elasticache", "documentdb"], partition=partition)
        assert shown == print_iam("--types", "rds,elasticache,documentdb", "--account", ACCOUNT, "--region", REGION,
                                  "--partition", partition)  # fmt: skip
    page.select_option("#partition", "aws")
    page.fill("#account", "")
    page.fill("#region", "")
    shown = choose(page, ["elasticache", "memorydb"])
    assert shown == print_iam("--types", "elasticache,memorydb")  # placeholders stay, as in the CLI
    page.check("#optional")
    assert choose(page, ["elasticache-managed-users"]) == print_iam(
        "--types", "elasticache-managed-users", "--optional"
    )


def test_builder_services_agree_with_print_iam(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    for services in (["discovery"], ["database", "discovery"]):
        for box in page.query_selector_all("input[name=service]"):
            box.set_checked(box.get_attribute("value") in services)
        shown = choose(page, ["elasticache", "rds", "dynamodb"], account=ACCOUNT)
        expected = print_iam(
            "--types", "elasticache,rds,dynamodb", "--account", ACCOUNT, "--service", ",".join(services)
        )
        assert shown == expected, services
    with page.expect_download() as info:
        page.click("#download")
    assert info.value.suggested_filename == "teleport-database-discovery-service-policy.json"
    # A type the Discovery Service cannot find, alone: print-iam's refusal, on the status line.
    page.uncheck("input[name=service][value=database]")
    for box in page.query_selector_all("input[name=type]"):
        box.set_checked(box.get_attribute("value") == "dynamodb")
    assert page.text_content("#policy") == ""
    assert (page.text_content("#builder-status") or "").startswith("dynamodb: no policy for the Discovery Service")


def test_role_arn_gives_the_account_as_in_the_cli(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    arn = "arn:aws:iam::210987654321:role/teleport-db-service-role"
    assert choose(page, ["documentdb", "rds"], role=arn) == print_iam("--types", "documentdb,rds", "--role", arn)
    choose(page, ["documentdb"], role="arn:aws-cn:iam::210987654321:role/svc")
    refused = '"arn:aws-cn:iam::210987654321:role/svc" is in partition aws-cn, not aws'
    assert page.text_content("[data-error-for=role]") == refused
    # A name print-iam --role refuses inside an ARN is refused here too, and left out.
    shown = choose(page, ["documentdb"], role="arn:aws:iam::123456789012:role/bad name!")
    assert page.text_content("[data-error-for=role]") == (
        '--role "bad name!" is not valid: expected a value matching [A-Za-z0-9+=,.@_/-]{1,512}'
    )
    assert "bad name!" not in json.dumps(shown)


def test_bad_account_is_a_field_error_not_json(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    shown = choose(page, ["documentdb"], account="12345", **{"assumes-roles": "docdb-user"})
    assert page.text_content("[data-error-for=account]") == '--account "12345" is not valid: expected 12 digits'
    assert page.get_attribute("#account", "aria-invalid") == "true"
    assert "12345" not in json.dumps(shown) and "${Account}" in json.dumps(shown)


def test_before_a_type_is_chosen_the_builder_says_what_to_do(watched: Watched, server: str) -> None:
    """No empty code block and no buttons that do nothing: a line says to tick a type; once one
    is, the policy and its buttons take its place, and unticking it brings the line back."""
    page = watched.page
    fresh(page, f"{server}/builder/")
    hint = page.locator("#builder-empty")
    assert hint.is_visible() and "Tick one or more database types" in (hint.text_content() or "")
    assert not page.locator("pre.iam-policy").is_visible()
    assert page.locator("#download").is_disabled() and page.locator("#copy").is_disabled()
    page.check("input[name=type][value=rds]")
    assert not hint.is_visible() and page.locator("pre.iam-policy").is_visible()
    assert page.locator("#download").is_enabled() and page.locator("#copy").is_enabled()
    assert json.loads(page.text_content("#policy") or "")["Statement"]
    page.uncheck("input[name=type][value=rds]")
    assert hint.is_visible() and not page.locator("pre.iam-policy").is_visible()


def test_download_saves_exactly_the_shown_policy(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    choose(page, ["rds", "redshift"], account=ACCOUNT)
    with page.expect_download() as info:
        page.click("#download")
    saved = Path(info.value.path()).read_text()
    assert saved == page.text_content("#policy")


def test_builder_works_after_instant_navigation(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/")
    page.wait_for_load_state("networkidle")  # Material intercepts links once it has the sitemap
    page.evaluate("window.__stayed = true")
    page.click("nav a[href$='builder/']")
    page.wait_for_selector("#iam-builder:not([hidden])")
    assert page.evaluate("window.__stayed === true"), "the page reloaded: instant navigation is off"
    assert choose(page, ["rds"], account=ACCOUNT) == print_iam("--types", "rds", "--account", ACCOUNT)


def _block_and_download(page: Page, key: str) -> tuple[str, str]:
    """The block's text, and what its download link saves (fetched, when in a hidden tab)."""
    link = page.locator(f"a.iam-download[data-policy='{key}']")
    block = link.locator("xpath=ancestor::p/preceding-sibling::div[contains(@class,'highlight')][1]//code")
    if not link.is_visible():
        return block.text_content() or "", link.evaluate("a => fetch(a.href).then(r => r.text())")
    with page.expect_download() as info:
        link.click()
    return block.text_content() or "", Path(info.value.path()).read_text()


def test_reader_values_fill_every_block_and_download(watched: Watched, server: str, catalog: Catalog) -> None:
    page = watched.page
    db_type = catalog.find("redshift")
    assert db_type is not None
    page.goto(f"{server}/reference/redshift/")
    unfold(page)
    page.fill("form.iam-values [data-variable=Account]", ACCOUNT)
    page.fill("form.iam-values [data-variable=Region]", REGION)
    page.select_option("form.iam-values [data-variable=Partition]", "aws-us-gov")
    values = {**catalog.defaults(db_type), "Account": ACCOUNT, "Region": REGION, "Partition": "aws-us-gov"}
    for policy in db_type.all_policies(catalog.shared):
        expected = policy_document(policy, values)
        shown, saved = _block_and_download(page, f"redshift/{policy.id}")
        assert json.loads(saved) == expected, policy.id
        assert json.loads(shown) == expected, policy.id

    page.goto(f"{server}/reference/dynamodb/")  # remembered on the next page
    shown, _ = _block_and_download(page, "dynamodb/database-service")
    assert f"arn:aws-us-gov:iam::{ACCOUNT}:role/dynamodb-user-role" in shown

    unfold(page)
    page.click("form.iam-values [data-action=clear]")
    shown, saved = _block_and_download(page, "dynamodb/database-service")
    assert "aws-account-id" in shown and "aws-account-id" in saved
    href = page.locator("a.iam-download[data-policy='dynamodb/database-service']").evaluate("a => a.href")
    assert href == f"{server}/policies/dynamodb/database-service.json"  # the static file again


def test_bad_value_on_a_type_page_keeps_the_default(watched: Watched, server: str) -> None:
    page = watched.page
    fresh(page, f"{server}/reference/rds-proxy/")
    unfold(page)
    page.fill("form.iam-values [data-variable=Region]", "not a region")
    assert page.text_content("form.iam-values [data-error-for=Region]") == "Expected a region name such as us-east-2."


def test_without_javascript_pages_show_the_defaults(browser: Browser, server: str) -> None:
    w = Watched(browser, server, java_script_enabled=False)
    w.page.goto(f"{server}/reference/documentdb/")
    assert w.page.get_attribute("form.iam-values", "hidden") is not None
    assert "arn:aws:iam::aws-account-id:role/documentdb-user-role" in (w.page.text_content(".highlight code") or "")
    w.close()


# --- tailoring: choices and scopes ------------------------------------------------------------

TAILORED = [
    # (types, services, choices, scopes): each as print-iam takes them
    (
        ["rds"],
        ["database"],
        ["auto-enable-iam-auth", "fetch-metadata"],
        {"DbiResourceId": ["db-ABC"], "DbUserName": ["alice", "bob*"]},
    ),
    (
        ["rds", "redshift"],
        ["database"],
        ["fetch-metadata", "connect-as-iam-role"],
        {"DbUserName": ["alice"], "RedshiftCluster": ["prod"]},
    ),
    (
        ["elasticache", "memorydb", "elasticache-serverless"],
        ["database"],
        [],
        {"ElastiCacheUserId": ["u?"], "MemoryDBCluster": ["m*"]},
    ),
    (["rds", "documentdb"], ["discovery"], ["aurora-discovery"], {}),
    (
        ["dynamodb", "rds", "keyspaces"],
        ["database", "discovery"],
        ["assume-role", "session-tags"],
        {"DbUserName": ["x"]},
    ),
]


def _cli_text(types: list[str], services: list[str], without: list[str], scopes: dict[str, list[str]]) -> str:
    argv = ["print-iam", "--types", ",".join(types), "--service", ",".join(services), "--account", ACCOUNT]
    argv += ["--region", REGION, *(["--without", ",".join(without)] if without else [])]
    argv += [f"--scope={name}={value}" for name, values in scopes.items() for value in values]
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(argv, out, err) == 0, err.getvalue()
    return out.getvalue()


def _tailor_builder(
    page: Page, types: list[str], services: list[str], without: list[str], scopes: dict[str, Any]
) -> str:
    for box in page.query_selector_all("input[name=service]"):
        box.set_checked(box.get_attribute("value") in services)
    for box in page.query_selector_all("input[name=type]"):
        box.set_checked(box.get_attribute("value") in types)
    unfold(page)
    page.fill("#account", ACCOUNT)
    page.fill("#region", REGION)
    for box in page.query_selector_all("[data-for-choice]:not([hidden]) input[name=without]"):
        box.set_checked(box.get_attribute("value") in without)
    for field in page.query_selector_all("[data-for-scope]:not([hidden]) [data-scope]"):
        field.fill(", ".join(scopes.get(field.get_attribute("data-scope") or "", [])))
    return page.text_content("#policy") or ""


def test_builder_tailoring_is_print_iam_byte_for_byte(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    for types, services, without, scopes in TAILORED:
        assert _tailor_builder(page, types, services, without, scopes) == _cli_text(types, services, without, scopes)
    # Only the choices and fields of the types chosen are offered.
    _tailor_builder(page, ["dynamodb"], ["database"], [], {})
    offered = [b.get_attribute("value") for b in page.query_selector_all("[data-for-choice]:not([hidden]) input")]
    assert offered == ["assume-role", "session-tags"]
    assert page.is_hidden(".iam-scopes")


def test_builder_bad_scope_value_is_shown_and_left_out(watched: Watched, server: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    shown = _tailor_builder(
        page, ["rds"], ["database"], [], {"DbUserName": ["alice", "bad!"], "DbiResourceId": ["db-1"]}
    )
    assert page.text_content("[data-error-for=scope-DbUserName]") == (
        '--scope DbUserName "bad!" is not valid: expected a database user name such as alice; '
        "* and ? match any characters"
    )
    assert shown == _cli_text(["rds"], ["database"], [], {"DbiResourceId": ["db-1"]})
    # Every statement left out: print-iam's refusal, on the status line.
    _tailor_builder(page, ["keyspaces"], ["database"], ["assume-role"], {})
    assert page.text_content("#policy") == ""
    assert (page.text_content("#builder-status") or "").startswith("--without leaves out every statement")


@pytest.mark.parametrize(
    ("type_id", "without", "scopes", "user_role"),
    [
        (
            "rds",
            ["auto-enable-iam-auth", "aurora-discovery"],
            {"DbiResourceId": ["db-ABC"], "DbUserName": ["a", "b?"]},
            None,
        ),
        ("redshift", ["connect-as-iam-role", "fetch-metadata"], {"RedshiftDatabase": ["dev"]}, "redshift-user-role"),
        ("elasticache", [], {"ReplicationGroupId": ["r1", "r2"]}, None),
    ],
)
def test_type_page_tailoring_is_print_iam_byte_for_byte(
    watched: Watched, server: str, catalog: Catalog, type_id: str, without: list[str], scopes: dict[str, Any],
    user_role: str | None,
) -> None:  # fmt: skip
    page = watched.page
    fresh(page, f"{server}/reference/{type_id}/")
    unfold(page)
    page.fill("form.iam-values [data-variable=Account]", ACCOUNT)
    page.fill("form.iam-values [data-variable=Region]", REGION)
    for choice in without:
        page.check(f"form.iam-values [data-choice={choice}]")
    for name, values in scopes.items():
        page.fill(f"form.iam-values [data-scope={name}]", ", ".join(values))
    db_type = catalog.find(type_id)
    assert db_type is not None

    def expected(service: str) -> str:
        """print-iam for this type and service, with the choices and scopes that apply to it."""
        argv = ["print-iam", "--types", type_id, "--service", service, "--account", ACCOUNT, "--region", REGION]
        argv += [*(["--assumes-roles", user_role] if user_role else [])]
        argv += [f"--without={c}" for c in without if _applies(type_id, service, c)]
        argv += [f"--scope={n}={v}" for n, vs in scopes.items() if _declares(type_id, service, n) for v in vs]
        out, err = io.StringIO(), io.StringIO()
        assert cli.run(argv, out, err) == 0, err.getvalue()
        return out.getvalue()

    for policy in db_type.policies:
        service = catalog.service_of(policy)
        shown, saved = _block_and_download(page, f"{type_id}/{policy.id}")
        assert shown == saved == expected(service), policy.id

    page.reload()  # remembered
    assert page.is_checked(f"form.iam-values [data-choice={without[0]}]") if without else True
    for name, values in scopes.items():
        assert page.input_value(f"form.iam-values [data-scope={name}]") == ", ".join(values)


@functools.cache
def _compiled() -> dict[str, Any]:
    from iam_catalog.catalog.compiled import compile_catalog
    from iam_catalog.catalog.location import bundled_dir
    from iam_catalog.checks.loader import load_directory

    return compile_catalog(load_directory(Path(bundled_dir())).require())


def _compiled_rules(type_id: str, service: str) -> list[dict[str, Any]]:
    compiled = _compiled()
    return [r for t in compiled["types"] if t["id"] == type_id for p in t["policies"] if p["service"] == service
            for r in p["rules"]]  # fmt: skip


def _applies(type_id: str, service: str, choice: str) -> bool:
    from iam_catalog.iam.tailor import used

    return choice in used(_compiled_rules(type_id, service))[0]


def _declares(type_id: str, service: str, name: str) -> bool:
    from iam_catalog.iam.tailor import used

    return name in used(_compiled_rules(type_id, service))[1]


def test_bad_scope_value_on_a_type_page_is_shown_and_left_out(watched: Watched, server: str) -> None:
    page = watched.page
    fresh(page, f"{server}/reference/rds/")
    unfold(page)
    page.fill("form.iam-values [data-scope=DbUserName]", "alice, bad!")
    assert page.text_content("form.iam-values [data-error-for=scope-DbUserName]") == (
        "'bad!': expected a database user name such as alice; * and ? match any characters."
    )
    shown, _ = _block_and_download(page, "rds/database-service")
    assert '"Resource": "*"' in shown and "alice" not in shown


def test_without_javascript_a_type_page_shows_the_full_policy(browser: Browser, server: str) -> None:
    w = Watched(browser, server, java_script_enabled=False)
    w.page.goto(f"{server}/reference/rds/")
    assert w.page.is_hidden("form.iam-values")
    shown = w.page.text_content(".highlight code") or ""
    assert "RDSAutoEnableIAMAuth" in shown and "RDSFetchMetadata" in shown and '"Resource": "*"' in shown
    w.close()


@pytest.mark.parametrize(("fmt", "suffix"), [("terraform", ".tf"), ("cloudformation", ".cloudformation.json")])
def test_builder_formats_are_print_iam_byte_for_byte(watched: Watched, server: str, fmt: str, suffix: str) -> None:
    page = watched.page
    page.goto(f"{server}/builder/")
    page.select_option("#format", fmt)
    for services, role in ((["database"], "teleport-db-service-role"), (["database", "discovery"], "")):
        for box in page.query_selector_all("input[name=service]"):
            box.set_checked(box.get_attribute("value") in services)
        choose_text = _tailor_builder(page, ["rds", "dynamodb"], services, ["fetch-metadata"], {"DbUserName": ["a"]})
        page.fill("#role", role)
        shown = page.text_content("#policy") or ""
        argv = ["print-iam", "--types", "rds,dynamodb", "--service", ",".join(services), "--account", ACCOUNT]
        argv += ["--region", REGION, "--without", "fetch-metadata", "--scope", "DbUserName=a", "--format", fmt]
        argv += ["--role", role] if role else []
        out, err = io.StringIO(), io.StringIO()
        assert cli.run(argv, out, err) == 0, err.getvalue()
        assert shown == out.getvalue() and choose_text, (fmt, services)
    with page.expect_download() as info:
        page.click("#download")
    assert info.value.suggested_filename == f"teleport-database-discovery-service-policy{suffix}"
    assert Path(info.value.path()).read_text() == page.text_content("#policy")


def test_the_builder_works_from_the_keyboard_alone(browser: Browser, server: str) -> None:
    w = Watched(browser, server)
    w.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = w.page
    from_the_keyboard(page, f"{server}/builder/", "#iam-builder:not([hidden])")
    tab_to(page, "input[name=type][value=rds]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=type][value=redshift]")
    page.keyboard.press("Space")
    tab_to(page, ".iam-fold > summary")  # the folded forms open from the keyboard too
    page.keyboard.press("Enter")
    tab_to(page, "[data-for-choice=fetch-metadata] input")
    page.keyboard.press("Space")
    tab_to(page, "[data-scope=DbUserName]")
    page.keyboard.type("alice")
    tab_to(page, "#account")
    page.keyboard.type(ACCOUNT)
    tab_to(page, "#format")
    page.keyboard.press("ArrowDown")  # Terraform
    argv = ["print-iam", "--types", "rds,redshift", "--account", ACCOUNT, "--without", "fetch-metadata"]
    argv += ["--scope", "DbUserName=alice", "--format", "terraform", "--placeholders"]  # the builder shows ${Region}
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(argv, out, err) == 0, err.getvalue()
    assert page.text_content("#policy") == out.getvalue()
    tab_to(page, "#download")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert Path(info.value.path()).read_text() == out.getvalue()
    assert info.value.suggested_filename.endswith(".tf")
    tab_to(page, "#copy")
    page.keyboard.press("Enter")
    # Polled from the test's side: wait_for_function would poll with `new Function`, which the
    # page's Content-Security-Policy refuses (no 'unsafe-eval'), as it should.
    expect(page.locator("#builder-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == out.getvalue()
    w.close()


@pytest.mark.parametrize(("fmt", "suffix"), [("terraform", ".tf"), ("cloudformation", ".cloudformation.json")])
def test_builder_stack_is_iam_catalog_stack_byte_for_byte(watched: Watched, server: str, fmt: str, suffix: str) -> None:
    """The stack in the page, for each trust, with an external ID, as the command writes it."""
    page = watched.page
    page.goto(f"{server}/builder/")
    assert page.is_hidden(".iam-stack")
    page.select_option("#format", f"stack-{fmt}")
    assert page.is_visible(".iam-stack")
    trusts = {
        "ec2": {},
        "principal": {"trusted-principal": f"arn:aws:iam::{ACCOUNT}:role/teleport-host"},
        "eks": {"oidc-provider": "oidc.eks.us-east-1.amazonaws.com/id/X1", "namespace": "tele"},
    }
    for trust, values in trusts.items():
        _tailor_builder(page, ["rds", "dynamodb"], ["database"], ["fetch-metadata"], {"DbUserName": ["a"]})
        page.fill("#role", "teleport-db")
        page.fill("#assumes-roles", "db-user")
        page.select_option("#trust", trust)
        for option, value in values.items():
            page.fill(f"#{option}", value)
        page.fill("#external-id", "ext-id-1")
        shown = page.text_content("#policy") or ""
        # The form's order of types, and its partition, which the page always gives.
        argv = ["stack", "--types", "dynamodb,rds", "--service", "database", "--account", ACCOUNT, "--region", REGION]
        argv += ["--partition", "aws"]
        argv += ["--without", "fetch-metadata", "--scope", "DbUserName=a", "--role-name", "teleport-db"]
        argv += ["--assumes-roles", "db-user", "--trust", trust, "--external-id", "ext-id-1", "--format", fmt]
        argv += [arg for option, value in values.items() for arg in (f"--{option}", value)]
        out, err = io.StringIO(), io.StringIO()
        assert cli.run(argv, out, err) == 0, err.getvalue()
        assert shown == out.getvalue(), trust
        for option in values:
            page.fill(f"#{option}", "")
    # A value the stack refuses is shown beside its field and left out.
    page.select_option("#trust", "principal")
    page.fill("#trusted-principal", "not an arn")
    assert page.text_content("[data-error-for=trusted-principal]", timeout=5000).startswith(
        '--trusted-principal "not an arn"'
    )
    page.fill("#trusted-principal", f"arn:aws:iam::{ACCOUNT}:role/teleport-host")
    with page.expect_download() as info:
        page.click("#download")
    assert info.value.suggested_filename == f"teleport-database-stack{suffix}"
    assert Path(info.value.path()).read_text() == page.text_content("#policy")
