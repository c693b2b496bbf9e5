"""Command line interface (filled in by later work)."""


def main() -> int:
    return 0
