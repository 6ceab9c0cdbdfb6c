"""Where deskapp keeps its files (cache, outbox, profile, attachments, logs): platformdirs, overridable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

APP_NAME = "deskapp"


class AppPaths(NamedTuple):  # not a dataclass: importing dataclasses is a noticeable part of a CLI verb's start-up
    data_dir: Path

    @property
    def cache_db(self) -> Path:
        return self.data_dir / "cache.sqlite3"

    @property
    def outbox_db(self) -> Path:
        # Kept apart from the cache so rebuilding a corrupt cache never touches queued work.
        return self.data_dir / "outbox.sqlite3"

    @property
    def profile_db(self) -> Path:
        # What only the agent wrote (accounts, templates, views, drafts, corrections, settings): durable,
        # never moved aside with a damaged cache.
        return self.data_dir / "profile.sqlite3"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.attachments_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """--data-dir wins, then DESKAPP_DATA_DIR, then the OS's per-user data folder."""
    chosen = data_dir or os.environ.get("DESKAPP_DATA_DIR")
    if not chosen:
        import platformdirs  # a few milliseconds of start-up, only when no folder was named

        chosen = platformdirs.user_data_dir(APP_NAME, False)
    return AppPaths(Path(chosen).expanduser().resolve())
