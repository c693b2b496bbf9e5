"""Tailoring never widens: a tailored policy allows nothing the full one does not, and a choice
removes exactly what declares it.

The IAM-semantics engine compares each tailored policy with the full one for the same request;
moto's evaluator, written by other people, is asked the same on requests sampled from what the
tailored policy names. What a choice should remove is computed from the model, apart from the
compiled rules that print-iam reads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from iam_catalog.aws import facts as awsfacts
from iam_catalog.catalog.compiled import compile_catalog
from iam_catalog.catalog.kinds import SERVICE
from iam_catalog.catalog.location import bundled_dir
from iam_catalog.catalog.policy import statement_template
from iam_catalog.checks.loader import load_directory
from iam_catalog.iam.access import Side, compare
from iam_catalog.iam.documents import fill_statement, full_match
from iam_catalog.iam.merge import grants
from iam_catalog.iam.tailor import used
from iam_catalog.printiam.request import Request, RequestError, answer
from parliament import analyze_policy_string

from .budget import examples
from .oracles import moto_allows

CATALOG = load_directory(Path(bundled_dir())).require()
COMPILED = compile_catalog(CATALOG)
IDS = [t["id"] for t in COMPILED["types"]]
SERVICE_IDS = [s["id"] for s in COMPILED["services"]]
VALUES = {"account": "123456789012", "region": "eu-west-1", "role": "teleport-role", "assumes_roles": ["user-role"]}
# Letters moto reads as themselves (it turns a pattern into a regular expression unescaped),
# with IAM's `*`, and `?` for the engine: values with `?` are not asked of moto.
SCOPE_TEXT = st.from_regex(r"[a-z0-9*?-]{1,10}", fullmatch=True)


def _request(ids: list[str], services: list[str], **tailoring: Any) -> Request:
    return Request(ids, services=services, optional=True, **VALUES, **tailoring)


def _applicable(ids: list[str], services: list[str]) -> tuple[list[str], list[str]]:
    policies = [p for t in COMPILED["types"] if t["id"] in ids for p in t["policies"] if p["service"] in services]
    return used(rule for policy in policies for rule in policy["rules"])


@st.composite
def tailored_requests(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], dict[str, list[str]]]:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True))
    services = draw(st.lists(st.sampled_from(SERVICE_IDS), min_size=1, unique=True))
    choices, scopes = _applicable(ids, services)
    without = draw(st.lists(st.sampled_from(choices), unique=True)) if choices else []
    names = draw(st.lists(st.sampled_from(scopes), max_size=3, unique=True)) if scopes else []
    given = {
        name: draw(
            st.lists(
                SCOPE_TEXT.filter(lambda v, n=name: full_match(COMPILED["scopes"][n]["pattern"], v)),
                min_size=1,
                max_size=2,
            )
        )
        for name in names
    }
    return ids, services, without, given


def _values(db_type: Any) -> dict[str, str]:
    """What print-iam fills in for VALUES, from the model: the given values, a default that is
    not an example, and the placeholder itself for the rest."""
    values = {n: v.default if not v.example else f"${{{n}}}" for n, v in CATALOG.variables(db_type).items()}
    values.update({"Account": VALUES["account"], "Region": VALUES["region"]})
    values.update({v.name: VALUES["assumes_roles"][0] for v in db_type.variables if v.option == "assumes-roles"})
    values.update({s.identity: VALUES["role"] for s in CATALOG.shared.services})
    return values


def _full(ids: list[str], services: list[str]) -> dict[str, Any]:
    """Every statement of the chosen types' policies for these services, from the model and
    filled apart from print-iam: what tailoring must stay within."""
    out = []
    for db_type in CATALOG.types:
        if db_type.id in ids:
            for policy in db_type.policies:
                if policy.attach == SERVICE and CATALOG.service_of(policy) in services:
                    out += [fill_statement(statement_template(st_), _values(db_type)) for st_ in policy.statements]
    return {"Version": "2012-10-17", "Statement": out}


def _sample(resource: str, draw: st.DrawFn) -> str:
    """A name the pattern matches: each wildcard becomes some text."""
    return re.sub(r"[*?]", lambda m: draw(st.sampled_from(["x", "prod-1", "alice"])) if m[0] == "*" else "q", resource)


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None)
@given(tailored_requests(), st.data())
def test_a_tailored_policy_allows_nothing_the_full_one_does_not(
    request: tuple[list[str], list[str], list[str], dict[str, list[str]]], data: st.DataObject
) -> None:
    ids, services, without, scopes = request
    full = _full(ids, services)
    assume(full["Statement"])  # some type has a policy for these services
    try:
        tailored = answer(COMPILED, _request(ids, services, without=without, scopes=scopes)).document
    except RequestError as exc:
        assert exc.option == "without"  # every statement left out: nothing to compare
        return
    result = compare(Side.of(full), Side.of(tailored), awsfacts.expand)
    assert not result.broadening, [w.as_dict() for w in result.broadening]
    if "?" in json.dumps(tailored):
        return
    named = [(g[1], g[2]) for st_ in tailored["Statement"] for g in grants(st_)]
    for _ in range(20):
        action, resource = data.draw(st.sampled_from(named))
        concrete = awsfacts.expand(action)[0] if "*" in action else action
        asked = _sample(resource, data.draw)
        if moto_allows(tailored, concrete, asked, {}):
            assert moto_allows(full, concrete, asked, {}), (concrete, asked)


def _model_grants(type_id: str, service: str, choice: str | None) -> set[tuple[str, str, str, str]]:
    """The grants of a type's policies for a service, from the model: a statement that declares
    the choice is left out, or loses the actions the choice names."""
    db_type = CATALOG.find(type_id)
    assert db_type is not None
    values = _values(db_type)
    out: set[tuple[str, str, str, str]] = set()
    for policy in db_type.policies:
        if policy.attach != SERVICE or CATALOG.service_of(policy) != service:
            continue
        for st_ in policy.statements:
            if choice in st_.omit_when:
                continue
            dropped = {a.lower() for c, actions in st_.omit_actions if c == choice for a in actions}
            for g in grants(fill_statement(statement_template(st_), values)):
                if g[1].lower() not in dropped:
                    out.add(g)
    return out


CHOICE_CASES = [
    (t.id, service.id, choice)
    for t in CATALOG.types
    for service in CATALOG.shared.services
    for choice in _applicable([t.id], [service.id])[0]
]


def test_every_choice_changes_some_type() -> None:
    assert {choice for _, _, choice in CHOICE_CASES} == set(COMPILED["choices"])


@pytest.mark.parametrize(("type_id", "service", "choice"), CHOICE_CASES, ids=lambda x: str(x))
def test_a_choice_removes_exactly_what_declares_it(type_id: str, service: str, choice: str) -> None:
    def printed(without: list[str]) -> set[tuple[str, str, str, str]]:
        try:
            document = answer(COMPILED, _request([type_id], [service], without=without)).document
        except RequestError:
            return set()
        return {g for st_ in document["Statement"] for g in grants(st_)}

    full, tailored = printed([]), printed([choice])
    assert full == _model_grants(type_id, service, None)
    assert tailored == _model_grants(type_id, service, choice)
    assert tailored < full  # it removes something, and adds nothing


SCOPED_TYPES = [t for t in CATALOG.types if CATALOG.used_scopes(t)]


@pytest.mark.parametrize("db_type", SCOPED_TYPES, ids=lambda t: t.id)
def test_a_fully_scoped_policy_leaves_parliament_no_resource_star_to_find(db_type: Any) -> None:
    scoped_actions = {a.lower() for p in db_type.policies for st_ in p.statements if st_.scope for a in st_.actions}
    everything = {v.name: [v.example] for v in CATALOG.used_scopes(db_type)}

    def star_actions(scopes: dict[str, list[str]]) -> set[str]:
        document = answer(COMPILED, _request([db_type.id], SERVICE_IDS, scopes=scopes)).document
        findings = analyze_policy_string(json.dumps(document)).findings
        assert {f.issue for f in findings} <= {"RESOURCE_STAR"}
        return {a.lower() for f in findings for a in f.detail}

    assert scoped_actions <= star_actions({})  # unscoped, parliament sees them: the test can fail
    assert not scoped_actions & star_actions(everything)
