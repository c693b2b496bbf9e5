"""Patterns as automata: whether a pattern matches a text, and one text for every combination of
patterns that some text matches exactly (the "atoms" that resources and text-like condition
values are cut into).

`*` and `?` may stand anywhere. A placeholder such as `${Account}`, or an IAM policy variable
such as `${aws:username}`, is one unknown symbol, the same on both sides of a comparison: only
`*` or the same placeholder matches it.
"""

from __future__ import annotations

import itertools
from collections import deque
from functools import lru_cache

from iam_catalog.iam import conditions as ops
from iam_catalog.iam.access.model import Undecidable
from iam_catalog.iam.patterns import ONE, STAR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    Symbol = str | object
    Pattern = tuple[Symbol, ...]

MAX_STATES = 20000  # of one automaton walk: far above any real catalog's, well below a hang


def _step(pattern: Pattern, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
    out: set[int] = set()
    for i in states:
        if i == len(pattern):
            continue
        p = pattern[i]
        if p is STAR or (p is ops.SEGMENT and symbol != ":"):
            out.add(i)
        elif (p is ONE and len(symbol) == 1) or p == symbol or (isinstance(p, frozenset) and symbol in p):  # type: ignore[arg-type]
            out.add(i + 1)
    return _closure(pattern, out)


def _closure(pattern: Pattern, states: Iterable[int]) -> frozenset[int]:
    out = set(states)
    todo = list(out)
    while todo:
        i = todo.pop()
        if i < len(pattern) and (pattern[i] is STAR or pattern[i] is ops.SEGMENT) and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    # What follows a `*` at j includes what follows any earlier position (the `*` takes in
    # whatever the text between them matched): only the last `*` and the positions after it
    # can still decide a match. Keeping just those makes states that accept alike one state,
    # so a walk over many `*` patterns at once stays small.
    stars = [i for i in out if i < len(pattern) and pattern[i] is STAR]
    if stars:
        last = max(stars)
        out = {i for i in out if i >= last}
    return frozenset(out)


@lru_cache(maxsize=1 << 16)
def matches(pattern: Pattern, text: tuple[Symbol, ...]) -> bool:
    """Whether `pattern` matches `text`. Worked out once per pair: a search tests the same few
    values against the same conditions' patterns in many branches."""
    states = _closure(pattern, [0])
    for symbol in text:
        states = _step(pattern, states, symbol)
        if not states:
            return False
    return len(pattern) in states


def atoms(
    patterns: Sequence[Pattern], seeds: Iterable[Sequence[Symbol]] = ()
) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """One string for every combination of the patterns that some string matches exactly."""
    return group_atoms([(p,) for p in patterns], seeds)


_ANY, _NONE = "any", "none"  # a group's state once it matches every string that follows, or none


def group_atoms(
    groups: Sequence[Sequence[Pattern]], seeds: Iterable[Sequence[Symbol]] = ()
) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    """One string for every combination of the groups that some string matches exactly; a
    group matches a string when one of its patterns does (a statement's resources).

    Readable seeds are tried first (the patterns with their wildcards filled in); the rest
    comes from a breadth-first walk of the patterns' automata together, over the symbols the
    patterns use and one they do not. A group whose patterns already match whatever follows,
    or can no longer match, is one state: what its patterns do apart no longer counts.
    """
    found: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
    for seed in seeds:
        key = tuple(any(matches(p, seed) for p in group) for group in groups)
        found.setdefault(key, tuple(seed))
    every = [p for group in groups for p in group]
    literals = {s for p in every for s in p if isinstance(s, str)}
    literals.update(c for p in every for s in p if isinstance(s, frozenset) for c in s)
    # A symbol no pattern names: readable ones first, then as many others as the literals need.
    supply = itertools.chain("xyzqXYZQ0123456789_", map(chr, itertools.count(0x100)))
    fresh = next(c for c in supply if c not in literals)
    alphabet: list[Symbol] = [*sorted(literals, key=str), fresh]
    # Groups whose patterns cannot match one string alike (their literal starts or ends differ)
    # are walked apart: a string that one matches no other can, so the walk's size is their
    # sum, not their product. A group with a bare `*` matches every string.
    always = [any(all(s is STAR for s in p) for p in group) for group in groups]
    parts = _apart([i for i, a in enumerate(always) if not a], groups)
    nothing = (fresh,)
    if len(parts) > 1 and not any(matches(p, nothing) for p in every if not all(s is STAR for s in p)):
        for part in parts:
            for hits, text in _walk([groups[i] for i in part], alphabet).items():
                if any(hits):
                    combined = list(always)
                    for i, hit in zip(part, hits, strict=True):
                        combined[i] = hit
                    found.setdefault(tuple(combined), text)
        found.setdefault(tuple(always), nothing)
        return found
    for hits, text in _walk(list(groups), alphabet).items():
        found.setdefault(hits, text)
    return found


def _literal_ends(pattern: Pattern) -> tuple[tuple[Symbol, ...], tuple[Symbol, ...]]:
    """The literal symbols a pattern starts with, and those it ends with."""
    plain = [isinstance(s, str) for s in pattern]
    start = plain.index(False) if False in plain else len(pattern)
    end = plain[::-1].index(False) if False in plain else len(pattern)
    return tuple(pattern[:start]), tuple(pattern[len(pattern) - end :])


def _may_meet(a: Pattern, b: Pattern) -> bool:
    """False when no string can match both: their literal starts or ends disagree."""
    (a_start, a_end), (b_start, b_end) = _literal_ends(a), _literal_ends(b)
    n, m = min(len(a_start), len(b_start)), min(len(a_end), len(b_end))
    return a_start[:n] == b_start[:n] and a_end[len(a_end) - m :] == b_end[len(b_end) - m :]


def _apart(indices: list[int], groups: Sequence[Sequence[Pattern]]) -> list[list[int]]:
    """The groups (by index) in parts that no string can match across."""
    parent = {i: i for i in indices}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for x, i in enumerate(indices):
        for j in indices[x + 1 :]:
            if root(i) != root(j) and any(_may_meet(p, q) for p in groups[i] for q in groups[j]):
                parent[root(j)] = root(i)
    parts: dict[int, list[int]] = {}
    for i in indices:
        parts.setdefault(root(i), []).append(i)
    return list(parts.values())


GroupState = tuple[tuple[int, frozenset[int]], ...]  # a group's live patterns, each with its positions


class _Product:
    """A breadth-first walk of the groups' automata together: a string for each combination.

    A group's state holds only its live patterns, each with its positions. From a state, only
    the symbols that some live position reads can lead apart: every other one-character symbol
    leads where the first of them in the alphabet does, so that one alone is tried. The walk
    visits the states it did with every symbol, in the same order, at a fraction of the steps.
    One pattern's part of a state, and one group's, recur in many states of the product: each
    of their steps, moves and reads is worked out once.
    """

    def __init__(self, groups: Sequence[Sequence[Pattern]], alphabet: list[Symbol]) -> None:
        self.groups = groups
        self.alphabet = alphabet
        self.patterns = [p for group in groups for p in group]
        # From this position on, only `*`: a pattern there matches every string that follows.
        self.tails = [
            next((j for j in range(len(p)) if all(s is STAR for s in p[j:])), len(p) + 1) for p in self.patterns
        ]
        self.rank = {s: i for i, s in enumerate(alphabet)}
        self.long = [s for s in alphabet if len(s) != 1]  # type: ignore[arg-type]  # a placeholder is one symbol; `?` does not read it
        self.steps: dict[tuple[int, frozenset[int], Symbol], frozenset[int]] = {}
        self.moves: dict[tuple[GroupState, Symbol], Any] = {}
        self.reads: dict[GroupState, frozenset[Symbol]] = {}

    def settle(self, live: GroupState) -> Any:
        if any(self.tails[m] <= i < len(self.patterns[m]) for m, s in live for i in s):
            return _ANY
        return live or _NONE

    def accepting(self, state: Any) -> bool:
        if state is _ANY or state is _NONE:
            return state is _ANY
        return any(len(self.patterns[m]) in s for m, s in state)

    def step(self, m: int, states: frozenset[int], symbol: Symbol) -> frozenset[int]:
        key = (m, states, symbol)
        if key not in self.steps:
            self.steps[key] = _step(self.patterns[m], states, symbol)
        return self.steps[key]

    def move(self, live: GroupState, symbol: Symbol) -> Any:
        key = (live, symbol)
        if key not in self.moves:
            self.moves[key] = self.settle(tuple((m, t) for m, s in live if (t := self.step(m, s, symbol))))
        return self.moves[key]

    def read(self, live: GroupState) -> frozenset[Symbol]:
        if live not in self.reads:
            out: set[Symbol] = set()
            for m, s in live:
                p = self.patterns[m]
                for x in (p[i] for i in s if i < len(p)):
                    if isinstance(x, str):
                        out.add(x)
                    elif isinstance(x, frozenset):
                        out.update(x)
                    elif x is ops.SEGMENT:
                        out.add(":")
            self.reads[live] = frozenset(out)
        return self.reads[live]

    def symbols(self, state: tuple[Any, ...]) -> list[Symbol]:
        wanted: set[Symbol] = set(self.long)
        for g in state:
            if g is not _ANY and g is not _NONE:
                wanted |= self.read(g)
        other = next(s for s in self.alphabet if len(s) == 1 and s not in wanted)  # type: ignore[arg-type]
        wanted.add(other)
        return sorted(wanted, key=self.rank.__getitem__)

    def start(self) -> tuple[Any, ...]:
        out, k = [], 0
        for group in self.groups:
            out.append(self.settle(tuple((m, _closure(self.patterns[m], [0])) for m in range(k, k + len(group)))))
            k += len(group)
        return tuple(out)

    def walk(self) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
        found: dict[tuple[bool, ...], tuple[Symbol, ...]] = {}
        start = self.start()
        seen: dict[tuple[Any, ...], tuple[Symbol, ...]] = {start: ()}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            text = seen[state]
            found.setdefault(tuple(self.accepting(g) for g in state), text)
            for symbol in self.symbols(state):
                nxt = tuple(g if g is _ANY or g is _NONE else self.move(g, symbol) for g in state)
                if nxt not in seen:
                    if len(seen) >= MAX_STATES:
                        raise Undecidable(f"the patterns need more than {MAX_STATES} automaton states")
                    seen[nxt] = (*text, symbol)
                    queue.append(nxt)
        return found


def _walk(groups: Sequence[Sequence[Pattern]], alphabet: list[Symbol]) -> dict[tuple[bool, ...], tuple[Symbol, ...]]:
    return _Product(groups, alphabet).walk()


def text_of(value: Sequence[Symbol]) -> str:
    return "".join(s for s in value if isinstance(s, str))


def filled(pattern: Pattern, filler: str) -> tuple[Symbol, ...]:
    return tuple(
        filler if s is STAR or s is ONE or s is ops.SEGMENT else min(s) if isinstance(s, frozenset) else s
        for s in pattern
    )
