"""iam-catalog in the test's own process, as a user runs it: its exit status, stdout and stderr."""

from __future__ import annotations

import io

from iam_catalog import cli


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()
