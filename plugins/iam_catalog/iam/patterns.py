"""IAM's name patterns: `*` and `?` anywhere, and our placeholders as single unknown symbols.

Small on purpose: print-iam's merge needs `covers` on its start-up path.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
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


def _chars(text: str, literal: bool) -> list[Symbol]:
    if literal:
        return list(text)
    return [STAR if c == "*" else ONE if c == "?" else c for c in text]


def covers(wide: str, narrow: str) -> bool:
    """Whether `wide` matches every name `narrow` matches.

    The two are aligned symbol by symbol: a `*` in `wide` takes any run of `narrow`'s symbols,
    a `?` one character or `?`, anything else only itself. Sound, so a merge may rely on it;
    not complete (`?*` covers `*?`, which it does not see), so a merge may keep a redundant grant.
    """
    # Quick rejection: whatever stands before `wide`'s first wildcard and after its last one
    # must stand, letter for letter, at the start and the end of `narrow`.
    first = min((k for k in (wide.find("*"), wide.find("?")) if k >= 0), default=-1)
    if first < 0:
        return wide == narrow
    last = max(wide.rfind("*"), wide.rfind("?"))
    if not narrow.startswith(wide[:first]) or not narrow.endswith(wide[last + 1 :]):
        return False
    w, n = symbols(wide), symbols(narrow)
    # fits[i][j]: w[i:] covers n[j:]
    fits = [[False] * (len(n) + 1) for _ in range(len(w) + 1)]
    fits[len(w)][len(n)] = True
    for i in range(len(w) - 1, -1, -1):
        for j in range(len(n), -1, -1):
            if w[i] is STAR:
                fits[i][j] = fits[i + 1][j] or (j < len(n) and fits[i][j + 1])
            elif j == len(n):
                fits[i][j] = False
            elif w[i] is ONE:
                symbol = n[j]
                one = symbol is ONE or (isinstance(symbol, str) and len(symbol) == 1)
                fits[i][j] = one and fits[i + 1][j + 1]
            else:
                fits[i][j] = n[j] == w[i] and fits[i + 1][j + 1]
    return fits[0][0]
