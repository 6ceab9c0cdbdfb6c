"""How a verb opens the data folder, for deskapp.cli's dispatch: bootstrap is imported only once a verb runs.

A verb picks one of these with ``set_defaults(opens=...)`` on its parser; writing verbs keep the default.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing is a noticeable part of `deskapp search`'s start-up
if TYPE_CHECKING:
    from typing import Any

WORKSPACE = "workspace"  # migrations run, queued work put back on the cache: verbs that write
READ = "read"  # the workspace without running migrations on a current cache: verbs that only read
CACHE_READER = "cache-reader"  # the cache alone, read by the bare reader: `search`, which must start at once


def open_data(opens: str, data_dir: str | None, *, verbose: bool) -> Any:
    """The workspace (or, for CACHE_READER, the bare cache reader) a verb runs on; the caller closes it."""
    from deskapp import bootstrap  # the stores and their libraries: only once a verb needs them

    if opens == CACHE_READER:
        return bootstrap.open_cache_reader(data_dir, verbose=verbose)
    return bootstrap.open_workspace(data_dir, verbose=verbose, read_only=opens == READ)
