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

import json
import os
import stat
import sys
from typing import Any

from iam_catalog.printiam.request import shown

MAX_BYTES = 64 * 1024 * 1024  # far past any account's authorization details or a plan's JSON
MAX_DEPTH = 64  # a policy is 5 deep, a plan's modules a few more: this is only input built to hurt


class InputError(Exception):
    """An operator's file that cannot be read: one line, `file: what is wrong`."""


class NotJSON(InputError):
    """Text that is not JSON at all: a reader of logs may read it as text instead."""


class Number(str):
    """A JSON number, as its literal text: IAM reads a number in a condition as that text."""


def string(value: Any) -> str | None:
    """`value` if it was a JSON string in the file (not a number, which is a `Number`), else None."""
    return value if type(value) is str else None


def read_text(name: str) -> str:
    """The text of the file `name`, or of stdin for `-`, within MAX_BYTES."""
    where = "stdin" if name == "-" else shown(name)
    too_large = f"{where}: larger than {MAX_BYTES // 2**20} MiB: not a policy, log or plan"
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            # O_NONBLOCK: opening a FIFO with no writer must not hang before its type is known.
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, FIFO or socket)"
                    raise InputError(f"{where}: {kind}: give a file")
                if info.st_size > MAX_BYTES:
                    raise InputError(too_large)
            except BaseException:
                os.close(fd)
                raise
            with os.fdopen(fd, "rb") as f:
                data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{where}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise InputError(too_large)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (byte {exc.start})") from None


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


def loads(text: str, source: str) -> Any:
    """JSON from an operator's file, as the module docstring says, or an InputError."""
    try:
        data = json.loads(
            text, object_pairs_hook=_object, parse_int=Number, parse_float=Number, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise NotJSON(f"{source}: line {exc.lineno}: not JSON: {exc.msg}") from None
    except _Refused as exc:
        raise InputError(f"{source}: {exc}") from None
    except RecursionError:
        raise InputError(f"{source}: nested more than {MAX_DEPTH} deep: not a policy, log or plan") from None
    if _depth(data) > MAX_DEPTH:
        raise InputError(f"{source}: nested more than {MAX_DEPTH} deep: not a policy, log or plan")
    return data
