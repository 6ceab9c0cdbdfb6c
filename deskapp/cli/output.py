"""How every command-line verb prints: one JSON document per line on stdout, errors as `deskapp: ...`."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing is a noticeable part of `deskapp search`'s start-up
if TYPE_CHECKING:
    from typing import Any


def print_json(value: Any) -> None:
    """One line of JSON (dates and other objects as their text), for scripts that read line by line."""
    import json  # here: most runs print text, and every millisecond of start-up shows in a pipeline

    json.dump(value, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(message: str) -> int:
    """Print a user-facing error on stderr; returns the exit code of a usage or input error (2)."""
    print(f"deskapp: {message}", file=sys.stderr)
    return 2
