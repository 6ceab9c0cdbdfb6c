"""The open workspace as the window and the use cases hold it (bootstrap.Workspace is one), for type hints.

``Database`` and ``ProfileStore`` are named here too: the window still passes these handles to the services."""

from __future__ import annotations

from typing import Protocol

from deskapp.credentials import SecretStore
from deskapp.paths import AppPaths
from deskapp.store.engine import Database as Database
from deskapp.store.profile import ProfileStore as ProfileStore


class AppWorkspace(Protocol):
    """Where the files are, the cache, the agent's profile and the secret store."""

    paths: AppPaths
    db: Database
    secrets: SecretStore
    profile: ProfileStore
    notice: str | None
