"""Every command's output formats, under one protocol.

A format is a name, a line of help and a reporter. A reporter turns a command's result and the
reader's options into what the command prints: its text for stdout, and for stderr. Each output
layer keeps its formats beside their reporters in one `Formats`; a command's `--format` takes its
choices, default and help from that registry (`commands._shared.format_option`), so a new format
is one entry there and nothing else.

Standard library only, and not even `typing` at run time: print-iam prints through it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

    Printed = tuple[str, str]  # stdout, stderr
    Reporter = Callable[[Any, "Options"], Printed]


class Options:
    """What the reader asked of the output beside its format."""

    __slots__ = ("color", "verbose")

    def __init__(self, *, verbose: bool = False, color: bool = False) -> None:
        self.verbose = verbose  # list every item of a group, not only the first few
        self.color = color  # a terminal that takes colour


class Format:
    __slots__ = ("help", "name", "report")

    def __init__(self, name: str, help: str, report: Reporter) -> None:
        self.name = name
        self.help = help  # what the format is, for --format's help; "" when its name says it
        self.report = report


def stdout(write: Callable[[Any], str]) -> Reporter:
    """A reporter from a function that writes the whole report for stdout, whatever the options."""
    return lambda result, _options: (write(result), "")


class Formats:
    """One command's formats, in the order its help lists them."""

    def __init__(self, *formats: Format, default: str | None) -> None:
        self.formats = {f.name: f for f in formats}
        self.default = default  # None: the command chooses (diff: text on a terminal, markdown otherwise)

    def names(self) -> list[str]:
        return list(self.formats)

    def described(self) -> dict[str, str]:
        return {name: f.help for name, f in self.formats.items()}

    def report(self, name: str, result: Any, options: Options) -> Printed:
        return self.formats[name].report(result, options)

    def show(self, name: str, result: Any, options: Options, out: TextIO, err: TextIO) -> None:
        text, errors = self.report(name, result, options)
        print(text, end="", file=out)
        print(errors, end="", file=err)
