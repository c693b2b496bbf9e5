"""The IAM-semantics engine on a corpus of policy pairs: each rule, both directions, and rewrites.

Each tests/access/<case>.json holds a BASE and a HEAD policy, the rule it exercises and the
verdict a reviewer must get; <case>.md is the golden report, the same tables `iam-catalog
diff` prints for a policy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iam_catalog.aws import facts as awsfacts
from iam_catalog.iam.access import Comparison, Side, Undecidable, atoms, compare, evaluate, iter_witnesses, statements
from iam_catalog.iam.patterns import IAM_VARIABLE, covers, symbols
from iam_catalog.review.diff import AccessChange, action_levels, policy_access, verdict
from iam_catalog.review.report import access_sections

from .budget import examples

CORPUS = Path(__file__).parent / "access"
CASES = {p.stem: json.loads(p.read_text()) for p in sorted(CORPUS.glob("*.json"))}
PATTERN = st.lists(st.sampled_from(["a", "b", "*", "?", "${X}", ":"]), max_size=6).map("".join)


def report(changes: list[AccessChange]) -> str:
    wider = [c for c in changes if c.direction == "broadening"]
    narrower = [c for c in changes if c.direction == "narrowing"]
    levels = action_levels(c.action for c in changes)
    return "\n".join([f"Verdict: {verdict(changes)}", "", *access_sections(wider, narrower, levels)])


def test_the_corpus_covers_every_rule_both_ways_and_the_rewrites() -> None:
    assert len(CASES) >= 30
    seen = {(case["rule"], case["verdict"]) for case in CASES.values()}
    for rule in ("1 actions", "2 resources", "3 conditions", "4 effect", "6 trust", "7 boundary"):
        assert (rule, "broadening") in seen and (rule, "narrowing") in seen, rule
    assert any(verdict == "cannot prove no new access" for _, verdict in seen)
    assert sum(case["rule"] == "rewrite" for case in CASES.values()) >= 5
    assert all(case["verdict"] == "no change in access" for case in CASES.values() if case["rule"] == "rewrite")


def test_the_condition_language_cases_say_why_and_are_not_all_widenings() -> None:
    """The cases of IAM's whole condition language, set operators, principals, policy variables
    and size: each gives its reason in one line; at least half of them narrow or change nothing,
    since a review that cries wolf on those is switched off; every operator family appears."""
    from iam_catalog.iam.conditions import OPERATORS, parse

    explained = {name: case for name, case in CASES.items() if "reason" in case}
    assert len(explained) >= 40
    assert all(case["reason"].strip() and "\n" not in case["reason"] for case in explained.values())
    calm = [c for c in explained.values() if c["verdict"] in ("narrowing", "no change in access")]
    assert 2 * len(calm) >= len(explained)
    used = {
        parse(op).operator.family
        for case in explained.values()
        for side in ("base", "head")
        for statement in case[side]["Statement"]
        for op in statement.get("Condition", {})
    }
    assert used == {op.family for op in OPERATORS.values()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdict_and_report(name: str) -> None:
    case: dict[str, Any] = CASES[name]
    changes = policy_access("corpus", case["kind"], case["base"], case["head"])
    assert verdict(changes) == case["verdict"]
    text = report(changes)
    golden = CORPUS / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def _engine_verdict(case: dict[str, Any]) -> tuple[str, Comparison | None]:
    try:
        found = compare(Side.of(case["base"]), Side.of(case["head"]), awsfacts.expand)
    except Undecidable:
        return "cannot prove no new access", None
    return "broadening" if found.broadening else "narrowing" if found.narrowing else "no change in access", found


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_engine_alone_gives_each_cases_verdict_and_its_witnesses_hold(name: str) -> None:
    """The corpus against the engine itself, without the review layer: its verdict, and each
    witness, run back through the engine's own evaluation of one request, is allowed by the side
    that the direction says and not by the other (policy variables aside: a witness names their
    values in its context, which one request's evaluation does not read into the policy)."""
    case: dict[str, Any] = CASES[name]
    found_verdict, found = _engine_verdict(case)
    assert found_verdict == case["verdict"]
    if found is None or IAM_VARIABLE.search(json.dumps([case["base"], case["head"]])):
        return
    base, head = statements(case["base"]), statements(case["head"])
    for direction, witness in iter_witnesses(found):
        allows, denies = (head, base) if direction == "broadening" else (base, head)
        assert evaluate(allows, witness.request).allowed, (direction, witness)
        assert not evaluate(denies, witness.request).allowed, (direction, witness)
        assert [st.name for st in evaluate(allows, witness.request).allows] == list(witness.statements)


@pytest.mark.parametrize("name", sorted(CASES))
def test_swapping_the_sides_swaps_the_directions(name: str) -> None:
    case = CASES[name]
    if case["verdict"] == "cannot prove no new access":
        pytest.skip("no directions: the engine says why it cannot compare")
    forward = policy_access("corpus", case["kind"], case["base"], case["head"])
    backward = policy_access("corpus", case["kind"], case["head"], case["base"])

    def keys(changes: list[AccessChange], direction: str) -> set[tuple[Any, ...]]:
        return {(c.action, c.principal) for c in changes if c.direction == direction}

    assert keys(forward, "broadening") == keys(backward, "narrowing")
    assert keys(forward, "narrowing") == keys(backward, "broadening")


@settings(max_examples=examples(400), deadline=None)
@given(PATTERN, PATTERN)
def test_covers_is_sound_against_the_automata(wide: str, narrow: str) -> None:
    """patterns.covers (the merge's quick test) never claims more than the exact automata show."""
    w, n = symbols(wide), symbols(narrow)
    exact = all(wide_hit or not narrow_hit for wide_hit, narrow_hit in atoms([w, n]))
    if covers(wide, narrow):
        assert exact
    if wide == narrow or wide == "*":
        assert covers(wide, narrow)


def test_the_reviewing_page_lists_the_operator_table() -> None:
    """docs/reviewing.md's operator table is the engine's own (iam/conditions.py); `make golden`
    rewrites it."""
    from iam_catalog.iam.conditions import TABLE

    rows = ["| Operator | Family | Compares | A request's value passes when |", "| --- | --- | --- | --- |"]
    rows += [f"| `{op.name}` | {op.family} | {op.domain} | {op.meaning} |" for op in TABLE]
    page = Path(__file__).resolve().parents[1] / "docs" / "reviewing.md"
    text = page.read_text()
    start, end = "<!-- operators:start -->\n", "<!-- operators:end -->"
    block = start + "\n".join(rows) + "\n" + end
    current = text[text.index(start) : text.index(end) + len(end)]
    if os.environ.get("UPDATE_GOLDEN"):
        page.write_text(text.replace(current, block))
    assert current == block
