"""The one reader of operators' files: what `check` and `explain` are handed (policy JSON, AWS
CLI and Terraform output, logs, CloudTrail records) is untrusted, and may be anything.

- Size: a file past MAX_BYTES is refused before it is read whole, and stdin is read no further
  than that; a FIFO, a device or a folder is refused by its type, never read.
- Text: UTF-8, or one line that says it is not.
- JSON: duplicate keys are refused (IAM and the AWS CLI read one of the two; we will not guess
  which); nesting past MAX_DEPTH is refused; numbers keep their literal text (`Number`), so a
  5,000-digit number is data, not Python's int-string limit; `NaN` and `Infinity`, which are
  not JSON, are refused. Lone surrogates stay data: the outputs escape them.

Every refusal is an `InputError` of one line that names the file.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from iam_catalog.printiam.request import shown

MAX_BYTES = 64 * 1024 * 1024  # far past any account's authorization details or a plan's JSON
MAX_DEPTH = 64  # a policy is 5 deep, a plan's modules a few more: this is only input built to hurt
T = TypeVar("T")
TOO_DEEP = f"nested more than {MAX_DEPTH} deep: not a policy, log or plan"


class InputError(Exception):
    """An operator's file that cannot be read: one line, `file: what is wrong`."""


class NotJSON(InputError):
    """Text that is not JSON at all: a reader of logs may read it as text instead."""


class Number(str):
    """A JSON number, as its literal text: IAM reads a number in a condition as that text."""


def string(value: Any) -> str | None:
    """`value` if it was a JSON string in the file (not a number, which is a `Number`), else None."""
    return value if type(value) is str else None


# A CloudTrail log is a list of records, often far past MAX_BYTES: read one record at a time,
# each within MAX_RECORD, so memory holds one chunk and one record whatever the file's size.
CHUNK = 1024 * 1024
MAX_RECORD = 4 * 1024 * 1024  # a CloudTrail record is a few kilobytes
_RECORDS = re.compile(r'\s*(?:\{\s*"Records"\s*:\s*)?\[')
_SPACE = re.compile(r"[ \t\n\r]*")
_HEAD = 256  # bytes: the opening of a list of records, white space and all
_NUMBER_TAIL = re.compile(r"[0-9eE.+-]*")


class Opened:
    """An operator's file (or stdin), opened and not yet read past its first chunk."""

    def __init__(self, name: str) -> None:
        self.where = "stdin" if name == "-" else shown(name)
        self.size: int | None = None
        if name == "-":
            self.file: BinaryIO = sys.stdin.buffer
        else:
            # O_NONBLOCK: opening a FIFO with no writer must not hang before its type is known.
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, FIFO or socket)"
                    raise InputError(f"{self.where}: {kind}: give a file")
            except BaseException:
                os.close(fd)
                raise
            self.size = info.st_size
            self.file = os.fdopen(fd, "rb")
        self.head = self.file.read(CHUNK)
        while 0 < len(self.head) < _HEAD:  # enough to tell a list of records from anything else
            more = self.file.read(CHUNK)
            if not more:
                break
            self.head += more

    def close(self) -> None:
        if self.file is not sys.stdin.buffer:
            self.file.close()

    def text(self) -> str:
        """The whole text, within MAX_BYTES."""
        too_large = InputError(f"{self.where}: larger than {MAX_BYTES // 2**20} MiB: not a policy, log or plan")
        if self.size is not None and self.size > MAX_BYTES:
            raise too_large
        data = self.head + self.file.read(MAX_BYTES + 1 - len(self.head))
        if len(data) > MAX_BYTES:
            raise too_large
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.where}: not UTF-8 text (byte {exc.start})") from None

    def lists_records(self) -> bool:
        """Whether the file is a JSON list of records, or CloudTrail's `{"Records": [...]}`."""
        return _RECORDS.match(self.head.decode("utf-8", "ignore")) is not None

    def records(self) -> Iterator[Any]:
        """Each record of a list (`lists_records`), read as `loads` reads JSON, one at a time."""
        text = _Text(self)
        start = _RECORDS.match(text.text)
        assert start is not None, "records() of a file that lists_records() says is no list"
        text.pos, wrapped = start.end(), start[0].lstrip().startswith("{")
        first = True
        while True:
            text.skip_space()
            if text.next() == "]":
                text.pos += 1
                break
            if not first:
                if text.next() != ",":
                    raise NotJSON(f"{self.where}: not JSON: expected , or ] after a record")
                text.pos += 1
                text.skip_space()
            yield text.value()
            first = False
        text.skip_space()
        if wrapped and text.next() == "}":
            text.pos += 1
            text.skip_space()
        if text.next():
            raise NotJSON(f"{self.where}: not JSON: more after the list of records")


class _Text:
    """An opened file's text, decoded a chunk at a time: `text[pos:]` is what is still unread,
    and nothing before the record being read is kept."""

    def __init__(self, source: Opened) -> None:
        self.source, self.decoder = source, codecs.getincrementaldecoder("utf-8")()
        self.offset, self.more = 0, True
        self.text, self.pos = self._decode(source.head), 0

    def _decode(self, data: bytes) -> str:
        try:
            text = self.decoder.decode(data, not data)
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.source.where}: not UTF-8 text (byte {self.offset + exc.start})") from None
        self.offset += len(data)
        return text

    def fill(self) -> bool:
        """One more chunk after what is unread; False at the end of the file."""
        if not self.more:
            return False
        chunk = self.source.file.read(CHUNK)
        self.more = bool(chunk)
        self.text, self.pos = self.text[self.pos :] + self._decode(chunk), 0
        return self.more

    def skip_space(self) -> None:
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or not self.fill():
                return

    def next(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def value(self) -> Any:
        """The JSON value at `pos`, within MAX_RECORD."""
        while True:
            try:
                value, end = _decoded(self.source.where, lambda: _DECODER.raw_decode(self.text, self.pos))
            except json.JSONDecodeError as exc:
                message = exc.msg
            else:
                # A number at the end of what is read may go on in the next chunk (`1.5e` is
                # read as 1.5 until its exponent comes).
                if not self.more or not (isinstance(value, Number) and _NUMBER_TAIL.fullmatch(self.text, end)):
                    self.pos = end
                    return value
                message = ""
            if len(self.text) - self.pos > MAX_RECORD:
                raise InputError(f"{self.source.where}: a record past {MAX_RECORD // 2**20} MiB: not CloudTrail's")
            if not self.fill():
                raise NotJSON(f"{self.source.where}: not JSON: {message or 'it ends inside a record'}")


def opened(name: str) -> Opened:
    """`name` opened by the one reader; an InputError when it cannot be."""
    try:
        return Opened(name)
    except OSError as exc:
        raise InputError(f"{'stdin' if name == '-' else shown(name)}: {exc.strerror}") from None


def read_text(name: str) -> str:
    """The text of the file `name`, or of stdin for `-`, within MAX_BYTES."""
    source = opened(name)
    try:
        return source.text()
    except OSError as exc:
        raise InputError(f"{source.where}: {exc.strerror}") from None
    finally:
        source.close()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"the key {json.dumps(key)} appears twice in one object: keep one")
        out[key] = value
    return out


class _Refused(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


def _depth(value: Any) -> int:
    """How deep containers nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=Number, parse_float=Number, parse_constant=_constant)


def _decoded(where: str, decode: Callable[[], T]) -> T:
    """What `decode` makes of an operator's JSON (the value, or the value and where it ends),
    with what the reader refuses as an InputError; a syntax error is left to the caller."""
    try:
        decoded = decode()
    except _Refused as exc:
        raise InputError(f"{where}: {exc}") from None
    except RecursionError:
        raise InputError(f"{where}: {TOO_DEEP}") from None
    value = decoded[0] if isinstance(decoded, tuple) else decoded
    if _depth(value) > MAX_DEPTH:
        raise InputError(f"{where}: {TOO_DEEP}")
    return decoded


def loads(text: str, source: str) -> Any:
    """JSON from an operator's file, as the module docstring says, or an InputError."""
    try:
        return _decoded(source, lambda: _DECODER.decode(text))
    except json.JSONDecodeError as exc:
        raise NotJSON(f"{source}: line {exc.lineno}: not JSON: {exc.msg}") from None
