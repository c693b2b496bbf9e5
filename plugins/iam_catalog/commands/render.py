"""`iam-catalog render`: the plugin's pages and downloads as files, for a site without the plugin."""

from __future__ import annotations

import contextlib
import os

from iam_catalog.commands._shared import PROG, Usage, catalog, catalog_option, count

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

HELP = "Write every generated page and download into DIR, for a site generator without the plugin."


def configure(sub: argparse.ArgumentParser) -> None:
    catalog_option(sub)
    sub.add_argument("directory", metavar="DIR", help="where to write them (created if missing)")
    sub.add_argument(
        "--no-directory-urls",
        action="store_true",
        help="for a site built with `use_directory_urls: false` (the links in `catalog.json` follow it)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from iam_catalog.site.render import site_files

    checked = catalog(args, err)
    if checked is None:
        return 1
    files = site_files(checked, directory_urls=not args.no_directory_urls)
    write_tree(args.directory, files)
    print(f"{PROG}: wrote {count(len(files), 'file')} into {args.directory}", file=err)
    return 0


def write_tree(target: str, files: dict[str, bytes]) -> None:
    """Write `files` under the folder `target`, and nothing else in it. Never through a link:
    every path is checked before the first byte is written, and each folder and file is then
    opened relative to its parent without following links, so a link made meanwhile fails."""
    from iam_catalog.printiam.request import shown

    where = shown(target)
    if not target:
        raise Usage("render: DIR is empty: name the folder to write into")
    if os.path.lexists(target) and not os.path.isdir(target):
        raise Usage(f"render: {where} is not a folder")
    for path in files:
        inside = target
        for part in path.split("/"):
            inside = os.path.join(inside, part)
            if os.path.islink(inside):
                raise Usage(f"render: {shown(inside)} is a symbolic link: not writing through it")
    try:
        os.makedirs(target, exist_ok=True)
        root = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise Usage(f"render: cannot create the folder {where}: {exc.strerror}") from None
    try:
        for path, content in files.items():
            *folders, name = path.split("/")
            parent = os.dup(root)
            try:
                for folder in folders:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(folder, 0o755, dir_fd=parent)
                    inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
                    os.close(parent)
                    parent = inner
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=parent)
                with os.fdopen(fd, "wb") as f:
                    f.write(content)
            except OSError as exc:
                raise Usage(f"render: cannot write {shown(os.path.join(target, path))}: {exc.strerror}") from None
            finally:
                os.close(parent)
    finally:
        os.close(root)
