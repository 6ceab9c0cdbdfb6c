"""Builds the sync engine with every feature's hooks wired in: the ONE place that knows them all.

The UI and the CLI call ``build_sync_engine(ws)``; features add their apply hooks, preprocessors
and before-pull steps here with small edits.
"""

from __future__ import annotations

from typing import Any, Protocol

from deskapp.credentials import SecretStore
from deskapp.store.engine import Database
from deskapp.sync.engine import SyncEngine


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore


def build_sync_engine(ws: _Workspace, **kw: Any) -> SyncEngine:
    """A SyncEngine over the workspace's cache; ``kw`` overrides (on_event, interval, registry...)."""
    apply_hooks = list(kw.pop("apply_hooks", ()))
    preprocessors = dict(kw.pop("preprocessors", {}) or {})
    # Email: threading, deletions, flags and attachment bytes in the batch's transaction.
    from deskapp.domain import AccountKind
    from deskapp.sync.mail_threading import link_mail_attachments, preprocess_mail

    preprocessors.setdefault(AccountKind.IMAP_SMTP, preprocess_mail)
    apply_hooks.append(link_mail_attachments)  # mail attachments open from the thread like downloads
    before_pull = list(kw.pop("before_pull", ()))
    if kw.pop("triage", True):
        # Copilot: label new inbound messages and roll up to the conversation in the batch's transaction.
        from deskapp.copilot.triage_hook import triage_applied

        apply_hooks.append(triage_applied)
        if getattr(ws, "profile", None) is not None:
            # The agent's kept corrections go back on conversations pulled again (a rebuilt cache).
            from deskapp.services.triage import corrections_hook

            apply_hooks.append(corrections_hook(ws.profile))
    if kw.pop("kpi_rollups", True):
        # KPI rollups: kept current in the batch's own transaction, so dashboards never scan messages.
        from deskapp.kpi.rollup_hook import update_rollups

        apply_hooks.append(update_rollups)
    replayer, replay_options = None, kw.pop("replay_options", {})
    if getattr(ws, "paths", None) is not None and kw.pop("replay", True):
        # Offline outbox: send queued actions before pulling; re-apply the still-pending
        # ones after each pulled batch so the cache shows server state + pending outbox.
        from deskapp.services.actions import outbox_for
        from deskapp.sync.replay import Replayer, reapply_hook, wake_after_hold

        outbox = outbox_for(ws)
        replayer = Replayer(ws.db, outbox, **replay_options)
        before_pull.insert(0, replayer)
        apply_hooks.append(reapply_hook(outbox))
    engine = SyncEngine(ws.db, ws.secrets, apply_hooks=apply_hooks, preprocessors=preprocessors,
                        before_pull=before_pull, **kw)
    if replayer is not None:  # a queued action wakes the running loop once its undo window is over
        outbox.listeners.append(wake_after_hold(engine, replayer))
        replayer.on_changes = engine.note_changes  # delivery marks reach the views with the next event
    return engine
