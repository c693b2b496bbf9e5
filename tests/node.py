"""The browser twin (iam-catalog-core.js) under Node, for differential tests without a browser.

One Node process per test session answers every call (tests/twin.cjs): thousands of requests
cost one start-up. CI must have node (.ci/run installs it); elsewhere a test without it skips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CORE = Path(__file__).parents[1] / "plugins" / "iam_catalog" / "site" / "assets" / "iam-catalog-core.js"
DRIVER = Path(__file__).parent / "twin.cjs"


def node_process(script: Path, *args: str) -> subprocess.Popen[str]:
    """A Node process running `script`, spoken to in JSON lines; without node, a skip (CI has it)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must install node (.ci/run does)")
        pytest.skip("node is not installed")
    return subprocess.Popen(
        [node, str(script), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
    )


class Twin:
    def __init__(self) -> None:
        self._process = node_process(DRIVER, str(CORE))

    def call(self, name: str, args: Any) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"call": name, "args": args}) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        assert "crash" not in reply, reply["crash"]  # a twin that throws is a failure, not a refusal
        return reply["result"]

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)
