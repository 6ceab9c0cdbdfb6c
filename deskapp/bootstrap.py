"""Composition root for the CLI: paths, logging, the profile and the migrated cache, secrets, the services the
window is handed, the sync engine with every feature's hooks, and (for the GUI) Qt.

Headless verbs call ``open_workspace`` (``read_only=True`` for verbs that only read: a current cache is
not migrated) or, for `deskapp search`, ``open_cache_reader``; only ``run_gui`` imports the ui package.
The stores and their libraries are imported when a workspace is opened, so that importing this module
(as the command line does) costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from deskapp.paths import AppPaths, resolve_paths

if TYPE_CHECKING:
    from deskapp.credentials import SecretStore
    from deskapp.services.actions import ActionService
    from deskapp.services.gui_services import GuiServices
    from deskapp.store.cache_reader import CacheReader
    from deskapp.store.engine import Database
    from deskapp.store.profile import ProfileStore
    from deskapp.sync.engine import SyncEngine


class Workspace:
    """Everything a use case needs: where files are, the cache, the agent's profile, and the secret store.

    A plain class, not a dataclass: importing dataclasses is a noticeable part of `deskapp search`'s start-up."""

    def __init__(self, paths: AppPaths, db: Database, secrets: SecretStore, profile: ProfileStore,
                 notice: str | None = None) -> None:
        self.paths = paths
        self.db = db
        self.secrets = secrets
        self.profile = profile
        self.notice = notice  # what start-up had to do about the cache, for the window to say

    def close(self) -> None:
        from deskapp.services.actions import close_outbox  # the outbox file opened at start-up

        close_outbox(self)
        self.db.close()
        self.profile.close()


class SyncWorkspace(Protocol):
    """What the sync engine needs of a workspace (tests hand it lighter ones); ``profile`` and ``paths``,
    when present, add the triage corrections and the outbox replay."""

    db: Database
    secrets: SecretStore


def setup_logging(log_dir: Path, *, verbose: bool = False) -> None:
    """A rotating file in the data folder; stderr only for warnings (verbs print their own output)."""
    import logging.handlers  # here: `deskapp search` starts without the logging machinery

    from deskapp.diagnostics import RedactingFormatter

    root = logging.getLogger()
    target = str(log_dir / "deskapp.log")
    ours = [h for h in root.handlers if getattr(h, "_deskapp", False)]
    if any(getattr(h, "baseFilename", None) == target for h in ours):
        return  # already logging there
    for handler in ours:  # a workspace in another data folder: follow it
        root.removeHandler(handler)
        handler.close()
    log_dir.mkdir(parents=True, exist_ok=True)
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / "deskapp.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s"))
    file_handler._deskapp = True  # type: ignore[attr-defined]
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
    stderr.setFormatter(RedactingFormatter("deskapp: %(levelname)s: %(message)s"))
    stderr._deskapp = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    root.addHandler(stderr)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def open_workspace(data_dir: str | Path | None = None, *, verbose: bool = False, read_only: bool = False) -> Workspace:
    """Resolve the data folder, start logging, open the profile and its secrets, open and migrate the cache.

    A damaged or missing cache starts afresh with the profile's accounts and settings in it; the sync
    (the GUI's, or `deskapp sync`) refills it from the servers, and ``notice`` says so.
    With ``read_only`` a cache at the current schema is opened as it is (no Alembic, no integrity scan,
    queued work not re-applied); one that is behind is opened the usual way, one that is newer is refused."""
    paths = resolve_paths(data_dir).ensure()
    setup_logging(paths.log_dir, verbose=verbose)
    if read_only:
        from deskapp.services.profile import open_stores_for_reading

        stores = open_stores_for_reading(paths)
        if stores is not None:
            return Workspace(paths=paths, db=stores.db, secrets=stores.secrets, profile=stores.profile)
    from deskapp.services.profile import open_stores

    stores = open_stores(paths)
    ws = Workspace(paths=paths, db=stores.db, secrets=stores.secrets, profile=stores.profile, notice=stores.notice)
    from deskapp.services.actions import restore_on_start  # queued work back on top of the cache

    restore_on_start(ws)
    return ws


def open_cache_reader(data_dir: str | Path | None = None, *, verbose: bool = False) -> CacheReader:
    """The cache alone, read-only over plain sqlite3 (no SQLAlchemy, no Alembic), for `deskapp search`.

    A cache that is missing or behind is first opened once as a workspace (created or migrated, as any
    verb would, with the log file); one written by a newer deskapp is refused with DatabaseTooNew and left
    untouched. Reading alone writes nothing, so the log file is opened only with ``verbose``."""
    from deskapp.store import schema_version
    from deskapp.store.cache_reader import CacheReader

    paths = resolve_paths(data_dir).ensure()
    if verbose:
        setup_logging(paths.log_dir, verbose=True)
    if schema_version.cache_state(paths.cache_db) != schema_version.CURRENT:
        open_workspace(data_dir, verbose=verbose).close()
    return CacheReader(paths.cache_db)


def open_actions(ws: Workspace) -> ActionService | None:
    """The action service over the durable outbox, its optimistic state restored; None if the outbox cannot
    open (the window stays read-only)."""
    import logging

    from deskapp.services.actions import ActionService, outbox_for

    log = logging.getLogger("deskapp")
    try:
        actions = ActionService(ws.db, outbox_for(ws), ws.profile)  # the outbox the sync's replayer uses too
    except Exception:
        log.exception("the action service could not start; actions are disabled")
        return None
    try:
        actions.restore()
    except Exception:
        log.exception("restoring the outbox's optimistic state failed")
    return actions


def build_services(ws: Workspace) -> GuiServices:
    """Everything the window uses, built once: actions, reports, suggestions and the sync engine's factory."""
    from functools import partial

    from deskapp.services.collision import CollisionService
    from deskapp.services.floor import FloorService
    from deskapp.services.gui_services import GuiServices
    from deskapp.services.hub_link import HubLink
    from deskapp.services.presence import PresenceBoard
    from deskapp.services.reports import ReportService
    from deskapp.services.suggestions import SuggestionService
    from deskapp.services.typing_status import TypingSender

    actions = open_actions(ws)
    link = HubLink(ws.db, lambda: ws.secrets)  # the live socket's events feed services.floor.board.on_event
    return GuiServices(reports=ReportService(ws.db, outbox=actions.outbox if actions is not None else None),
                       suggestions=SuggestionService(ws.db, ws.profile, ws.secrets), actions=actions,
                       sync_engine=partial(build_sync_engine, ws, hub_lists=True),
                       floor=FloorService(ws.db, PresenceBoard(), actions=actions, link=link),
                       collision=CollisionService(ws.db, link), typing=TypingSender(link))


def build_sync_engine(ws: SyncWorkspace, **kw: Any) -> SyncEngine:
    """A SyncEngine over the workspace's cache with every feature's hooks wired in (the one place that knows
    them all: features add their apply hooks, preprocessors and before-pull steps here); ``kw`` overrides
    (on_event, interval, registry...)."""
    apply_hooks = list(kw.pop("apply_hooks", ()))
    preprocessors = dict(kw.pop("preprocessors", {}) or {})
    # Email: threading, deletions, flags and attachment bytes in the batch's transaction.
    from deskapp.domain import AccountKind
    from deskapp.sync.engine import SyncEngine
    from deskapp.sync.mail_threading import link_mail_attachments, preprocess_mail

    preprocessors.setdefault(AccountKind.IMAP_SMTP, preprocess_mail)
    apply_hooks.append(link_mail_attachments)  # mail attachments open from the thread like downloads
    before_pull = list(kw.pop("before_pull", ()))
    if kw.pop("hub_lists", False):
        # Automation: the hubs' rules, macros and pickers kept in the cache for the Rules screen and macros.
        from deskapp.services.automation import HubListsSync

        before_pull.append(HubListsSync(ws.db))
    if kw.pop("triage", True):
        # Copilot: label new inbound messages and roll up to the conversation in the batch's transaction.
        from deskapp.copilot.triage_hook import triage_applied

        apply_hooks.append(triage_applied)
        profile = getattr(ws, "profile", None)
        if profile is not None:
            # The agent's kept corrections go back on conversations pulled again (a rebuilt cache).
            from deskapp.services.triage import corrections_hook

            apply_hooks.append(corrections_hook(profile))
    if kw.pop("kpi_rollups", True):
        # KPI rollups: kept current in the batch's own transaction, so dashboards never scan messages.
        from deskapp.kpi.rollup_hook import update_rollups

        apply_hooks.append(update_rollups)
    if kw.pop("help_center", True):
        # Knowledge base: the hub's help-center articles, refreshed now and then before an account's pulls.
        from deskapp.services.knowledge import HelpCenterSync

        before_pull.append(HelpCenterSync(ws.db))
    replayer, replay_options = None, kw.pop("replay_options", {})
    paths = getattr(ws, "paths", None)
    if paths is not None and kw.pop("replay", True):
        # Offline outbox: send queued actions before pulling; re-apply the still-pending
        # ones after each pulled batch so the cache shows server state + pending outbox.
        from deskapp.services.actions import outbox_at
        from deskapp.sync.replay import Replayer, reapply_hook, wake_after_hold

        outbox = outbox_at(paths.outbox_db)
        replayer = Replayer(ws.db, outbox, **replay_options)
        before_pull.insert(0, replayer)
        apply_hooks.append(reapply_hook(outbox))
    engine = SyncEngine(ws.db, ws.secrets, apply_hooks=apply_hooks, preprocessors=preprocessors,
                        before_pull=before_pull, **kw)
    if replayer is not None:  # a queued action wakes the running loop once its undo window is over
        outbox.listeners.append(wake_after_hold(engine, replayer))
        replayer.on_changes = engine.note_changes  # delivery marks reach the views with the next event
    return engine


def run_gui(workspace: Workspace, options: dict) -> int:
    """Start Qt and the main window; returns the process exit code."""
    from deskapp.ui.app import run  # Qt is imported only when a window is wanted

    return run(workspace, build_services(workspace), options)
