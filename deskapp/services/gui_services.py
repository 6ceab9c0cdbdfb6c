"""The use cases the main window is handed, as one value: deskapp.bootstrap builds it, tests build their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deskapp.services.actions import ActionService
from deskapp.services.collision import CollisionService
from deskapp.services.floor import FloorService
from deskapp.services.reports import ReportService
from deskapp.services.suggestions import SuggestionService
from deskapp.services.typing_status import TypingSender
from deskapp.store.outbox import OutboxStore
from deskapp.sync.engine import FEED_LIVE as FEED_LIVE  # the status bar tells live from polled hubs
from deskapp.sync.engine import FEED_POLLING as FEED_POLLING
from deskapp.sync.engine import SyncEngine as SyncEngine  # named for the window, which holds the engine
from deskapp.sync.hooks import SyncEvent as SyncEvent  # and takes its events


@dataclass
class GuiServices:
    reports: ReportService
    suggestions: SuggestionService
    actions: ActionService | None = None  # None: the outbox could not open; the window stays read-only
    # Builds the sync engine once the window can take its events: (on_event=..., apply_hooks=...) -> engine.
    sync_engine: Callable[..., SyncEngine] | None = None
    # Live collaboration: the supervisor's floor, the reply-collision check, the agent's typing status.
    floor: FloorService | None = None
    collision: CollisionService | None = None
    typing: TypingSender | None = None

    @property
    def outbox(self) -> OutboxStore | None:
        return self.actions.outbox if self.actions is not None else None

    def start_sync(self, **kw: Any) -> SyncEngine | None:
        """A started sync engine (kw: on_event, apply_hooks), or None when this session has none."""
        if self.sync_engine is None:
            return None
        engine = self.sync_engine(**kw)
        engine.start()
        return engine
