"""IAM's name patterns: `*` and `?` anywhere, and our placeholders as single unknown symbols.

Small on purpose: print-iam's merge needs `covers` on its start-up path.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    Symbol = str | object
    Pattern = tuple[Symbol, ...]

STAR, ONE = object(), object()  # the wildcards * and ?, distinct from the literal characters
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z][A-Za-z0-9]*\}")


def symbols(text: str, *, literal: bool = False) -> Pattern:
    """A pattern's symbols: characters, placeholders (one symbol each) and the wildcards."""
    out: list[Symbol] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        out.extend(_chars(text[pos : match.start()], literal))
        out.append(match.group(0))
        pos = match.end()
    out.extend(_chars(text[pos:], literal))
    return tuple(out)


ANY_VARIABLE = re.compile(r"\$\{[^}]*\}")  # a placeholder, a policy variable, or IAM's ${*}
IAM_VARIABLE = re.compile(r"\$\{[A-Za-z0-9-]+:[^}]+\}")
_ESCAPED = {"${*}": "*", "${?}": "?", "${$}": "$"}
_SPECIAL = re.compile("[" + re.escape("".join(_ESCAPED.values())) + "]")


def escaped(text: str) -> str:
    """Text as a policy writes it to mean those very characters: `*`, `?` and `$` as IAM's
    escapes, which policy_symbols reads back as the characters."""
    return _SPECIAL.sub(lambda c: "${" + c[0] + "}", text)


def policy_symbols(text: str, *, literal: bool = False) -> Pattern:
    """A resource or condition value as IAM reads it: `${*}`, `${?}` and `${$}` are those
    characters, and a policy variable (`${aws:username}`) is one unknown symbol, as a
    placeholder is."""
    out: list[Symbol] = []
    pos = 0
    for match in ANY_VARIABLE.finditer(text):
        word = match.group(0)
        if word in _ESCAPED or IAM_VARIABLE.fullmatch(word):
            out.extend(symbols(text[pos : match.start()], literal=literal))
            out.extend(_ESCAPED.get(word, (word,)))
            pos = match.end()
    out.extend(symbols(text[pos:], literal=literal))
    return tuple(out)


def _chars(text: str, literal: bool) -> list[Symbol]:
    if literal:
        return list(text)
    return [STAR if c == "*" else ONE if c == "?" else c for c in text]


def literal_start(pattern: str) -> str:
    """What a pattern says before its first wildcard: every name it covers starts with it."""
    cut = [k for k in (pattern.find("*"), pattern.find("?")) if k >= 0]
    return pattern[: min(cut)] if cut else pattern


def covers(wide: str, narrow: str) -> bool:
    """Whether `wide` matches every name `narrow` matches.

    The two are aligned symbol by symbol: a `*` in `wide` takes any run of `narrow`'s symbols,
    a `?` one character or `?`, anything else only itself. Sound, so a merge may rely on it;
    not complete (`?*` covers `*?`, which it does not see), so a merge may keep a redundant grant.
    """
    # Quick rejection: whatever stands before `wide`'s first wildcard and after its last one
    # must stand, letter for letter, at the start and the end of `narrow`.
    start = literal_start(wide)
    if start == wide:
        return wide == narrow
    first, last = len(start), max(wide.rfind("*"), wide.rfind("?"))
    if not narrow.startswith(start) or not narrow.endswith(wide[last + 1 :]):
        return False
    if any(part not in narrow for part in wide[first:last].split("*") if "?" not in part):
        return False  # a literal run between the wildcards must stand somewhere in `narrow`
    w, n = symbols(wide), symbols(narrow)
    # Between the stars, each segment of `wide` must meet symbols of `narrow` that it matches in
    # place; the first and last are held at the ends, every other one is taken at its leftmost
    # place, which leaves the most room for the rest.
    segments: list[list[Symbol]] = [[]]
    for symbol in w:
        if symbol is STAR:
            segments.append([])
        else:
            segments[-1].append(symbol)
    if len(segments) == 1:
        return len(w) == len(n) and _fits(w, n, 0)
    head, middle, tail = segments[0], segments[1:-1], segments[-1]
    end = len(n) - len(tail)
    if end < len(head) or not _fits(head, n, 0) or not _fits(tail, n, end):
        return False
    pos = len(head)
    for segment in middle:
        place = next((p for p in range(pos, end - len(segment) + 1) if _fits(segment, n, p)), None)
        if place is None:
            return False
        pos = place + len(segment)
    return True


def _fits(segment: Sequence[Symbol], n: Pattern, at: int) -> bool:
    """Whether a star-free `segment` covers `n` from `at` on, symbol for symbol."""
    for k, w in enumerate(segment):
        x = n[at + k]
        if w is ONE:
            if not (x is ONE or (isinstance(x, str) and len(x) == 1)):
                return False
        elif w != x:
            return False
    return True


class CoverIndex:
    """Numbered items (grants, statements) under the action and resource patterns they grant, so that a
    grant meets only the few that could cover it: by effect, by action (None for a pattern,
    which is tried for every action), and by the resource's literal start, whose every prefix
    length in use is looked up. Complete for `covers`: whatever covers a grant is a candidate.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, str | None, str], list[int]] = {}
        self._lengths: dict[tuple[str, str | None], set[int]] = {}

    def add(self, item: int, effect: str, action: str, resource: str) -> None:
        """`action` in lower case: IAM ignores the case of action names."""
        key = (effect, None if is_pattern(action) else action, literal_start(resource))
        self._items.setdefault(key, []).append(item)
        self._lengths.setdefault(key[:2], set()).add(len(key[2]))

    def candidates(self, effect: str, action: str, resource: str) -> list[int]:
        return [
            item
            for named in (action, None)
            for k in self._lengths.get((effect, named), ())
            if k <= len(resource)
            for item in self._items.get((effect, named, resource[:k]), ())
        ]


def is_pattern(text: str) -> bool:
    return "*" in text or "?" in text


def wildcard_regex(pattern: str) -> str:
    """An IAM name pattern as a regular expression's text: `*` any run, `?` one character."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def common_pattern(names: Sequence[str]) -> str:
    """One pattern that every name matches, for a reader: the name itself, or the names' longest
    common prefix and `*` (`rds:Describe*`), or `*` when they share no service."""
    if len(set(names)) == 1:
        return names[0]
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    return f"{prefix}*" if ":" in prefix else "*"
