"""The registry of commands: each module of this package whose name does not start with `_`
is one command, named by its module (`print_iam` is `print-iam`).

A command module holds everything of its command and nothing else:

- `HELP`: one line for `iam-catalog --help`; `DESCRIPTION` (optional) for the command's own help;
- `configure(parser)`: its arguments, with the help text that docs/cli.md's option tables are
  generated from (tests/test_docs.py);
- `run(args, out, err) -> int`: its exit status.

Only the command that runs is imported, since print-iam runs in loops and each module imports
what its command needs; what commands share lives in `_shared`.
"""

from __future__ import annotations

import os

# No `typing` at run time: it costs more than a cached print-iam (tests/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType


def names() -> list[str]:
    """Every command, in alphabetical order: the modules of this folder."""
    folder = os.path.dirname(__file__)
    modules = (entry[:-3] for entry in os.listdir(folder) if entry.endswith(".py"))
    return sorted(module.replace("_", "-") for module in modules if not module.startswith("_"))


def command(name: str) -> ModuleType:
    """The module of the command `name`, one of names()."""
    # __import__ rather than importlib.import_module: importing importlib costs print-iam 1 ms.
    module: ModuleType = __import__(f"{__name__}.{name.replace('-', '_')}", fromlist=["run"])
    return module
