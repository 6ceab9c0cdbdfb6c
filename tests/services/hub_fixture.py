"""A workspace whose Chatwoot account is the demo hub on loopback (pinned clock), synced once into the cache."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.demo.conftest import PINNED_NOW


@dataclass
class Hub:
    ws: Any
    demo: Any  # deskapp.services.demo_workspace.DemoWorkspace
    account_id: int

    @property
    def state(self) -> Any:
        return self.demo.server.state


def start_hub(ws: Any, role: str = "agent") -> Hub:
    from deskapp.bootstrap import build_sync_engine
    from deskapp.services import demo_workspace

    demo = demo_workspace.start_demo(ws, live=False, now=PINNED_NOW, role=role)
    build_sync_engine(ws).sync_account_once(demo.chatwoot_account_id)
    return Hub(ws, demo, demo.chatwoot_account_id)


@pytest.fixture
def hub_ws(data_dir, db, profile):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store

    return Workspace(paths=resolve_paths(data_dir).ensure(), db=db, secrets=secret_store(profile), profile=profile)


@pytest.fixture
def hub(hub_ws) -> Iterator[Hub]:
    found = start_hub(hub_ws)
    yield found
    found.demo.stop()


@pytest.fixture
def supervisor_hub(hub_ws) -> Iterator[Hub]:
    found = start_hub(hub_ws, role="supervisor")
    yield found
    found.demo.stop()
