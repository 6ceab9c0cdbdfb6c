"""The agent's actions on conversations for the main window: send with a 5-second undo, resolve, reopen,
snooze, assign, label, priority — single or bulk — all through the ActionService, on a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog, QWidget

from deskapp.domain.changes import Changes
from deskapp.services import drafts as draft_service
from deskapp.services.actions import ActionResult, ActionService
from deskapp.ui import icons
from deskapp.ui.inbox_page import InboxPage
from deskapp.ui.pickers import ChoiceDialog, LabelDialog
from deskapp.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
UNDO_SECONDS = 5


def snooze_choices(now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Snooze targets in local time, returned as aware UTC datetimes."""
    local = (now or datetime.now().astimezone()).astimezone()
    # 9:00 on the wall clock of that day: its offset, not today's (a clock change may fall in between)
    def nine(day: datetime) -> datetime:
        return day.replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None).astimezone()

    tomorrow = nine(local + timedelta(days=1))
    monday = nine(local + timedelta(days=(7 - local.weekday()) or 7))
    choices = [("In 1 hour", local + timedelta(hours=1)), ("In 4 hours", local + timedelta(hours=4)),
               ("Tomorrow 9:00", tomorrow), ("Next Monday 9:00", monday), ("In one week", local + timedelta(days=7))]
    return [(label, when.astimezone(UTC)) for label, when in choices]


class ConversationActions(QObject):
    """Owns the pending-send undo and runs every action for ``page``'s current or selected conversations."""

    status_reported = Signal(str)  # status text for the window
    action_done = Signal(str, object)  # action name, affected ids

    def __init__(self, page: InboxPage, tasks: TaskRunner, actions: ActionService | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.page, self.tasks, self.actions, self.window = page, tasks, actions, parent
        self.db = page.db
        self.last_send: tuple[str, int, str, bool] | None = None  # client id, conversation, text, note
        self._undo_left = 0
        self._undo_timer = QTimer(self)
        self._undo_timer.setInterval(1000)
        self._undo_timer.timeout.connect(self._tick)
        page.composer.send_requested.connect(self.send)
        page.composer.undo_requested.connect(self.undo_send)
        self.just_assigned_to_me: set[int] = set()
        self.guard: Any = None  # a deskapp.ui.collision_guard.CollisionGuard, when the window has one

    def _service(self) -> ActionService | None:
        """The action service; None (and the status bar says why) when the outbox could not be opened."""
        if self.actions is None:
            self.status_reported.emit("Actions are unavailable: the outbox could not be opened")
        return self.actions

    def _run(self, name: str, fn: Callable[..., ActionResult], *args: object, ids: list[int], done_text: str,
             **kwargs: object) -> None:
        def finished(result: ActionResult) -> None:
            self.status_reported.emit(done_text)
            self.page.refresh(result.changes)
            self.action_done.emit(name, ids)

        self.tasks.submit(partial(fn, *args, **kwargs), on_done=finished,
                          on_error=lambda m: self.status_reported.emit(f"{name} failed: {m}"))

    # --- send with undo ---------------------------------------------------------------------------

    def send(self, text: str, is_note: bool) -> None:
        cid = self.page.current_id
        if cid is None or (actions := self._service()) is None:
            return
        if self.guard is not None and not is_note:  # a reply: first, did someone else answer meanwhile?
            self.guard.before_send(cid, lambda: self._queue_send(actions, cid, text, is_note))
            return
        self._queue_send(actions, cid, text, is_note)

    def _queue_send(self, actions: ActionService, cid: int, text: str, is_note: bool) -> None:
        composer = self.page.composer
        composer.load("", is_note)

        def queued(result: ActionResult) -> None:
            self.last_send = (result.client_ids[0], cid, text, is_note)
            self._undo_left = UNDO_SECONDS
            composer.show_pending(self._undo_left)
            self._undo_timer.start()
            self.tasks.submit(draft_service.discard, self.db, self.page.profile_store, cid)
            self.page.model.drafts.discard(cid)
            self.page.refresh(result.changes)
            self.action_done.emit("note" if is_note else "reply", [cid])

        def failed(message: str) -> None:
            composer.load(text, is_note)  # nothing is lost: the text goes back where it was
            self.status_reported.emit(f"Not sent: {message}")

        self.tasks.submit(actions.on_each, [cid], "note" if is_note else "reply", text, on_done=queued,
                          on_error=failed)

    def _tick(self) -> None:
        self._undo_left -= 1
        if self._undo_left <= 0:
            self._undo_timer.stop()
            note = self.last_send[3] if self.last_send else False
            self.page.composer.show_status("Note added" if note else "Queued for sending ✓")
            self.last_send = None
        else:
            self.page.composer.show_pending(self._undo_left)

    def undo_send(self) -> None:
        if self.last_send is None or self.actions is None:
            return
        client_id, cid, text, is_note = self.last_send
        self._undo_timer.stop()
        self.last_send = None

        def undone(ok: bool) -> None:
            if ok:
                if self.page.current_id == cid:
                    self.page.composer.load(text, is_note)
                    self.page.composer.editor.setFocus()
                self.tasks.submit(draft_service.save, self.db, self.page.profile_store, cid, text, is_note=is_note)
                self.page.composer.show_status("Sending undone — the text is back in the composer")
                self.page.refresh(Changes.of(conversations=[cid]))
            else:
                self.page.composer.show_status("Too late to undo: it is already on its way")

        self.tasks.submit(self.actions.undo, client_id, on_done=undone,
                          on_error=lambda m: self.page.composer.show_status(f"Undo failed: {m}"))

    # --- conversation actions ---------------------------------------------------------------------

    def resolve(self) -> None:
        ids = self.page.selected_ids()
        if ids and (actions := self._service()) is not None:
            self.page.advance_from.update(ids)
            self._run("resolve", actions.on_each, ids, "resolve", ids=ids,
                      done_text=f"Resolved {len(ids)} conversation(s)")

    def reopen(self) -> None:
        ids = self.page.selected_ids()
        if ids and (actions := self._service()) is not None:
            self._run("reopen", actions.on_each, ids, "reopen", ids=ids,
                      done_text=f"Reopened {len(ids)} conversation(s)")

    def snooze(self, until: datetime | None = None) -> None:
        ids = self.page.selected_ids()
        if not ids or (actions := self._service()) is None:
            return
        if until is None:
            dialog = ChoiceDialog("Snooze until", [(label, when) for label, when in snooze_choices()],
                                  parent=self.window)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
                return
            until = dialog.chosen
        self.page.advance_from.update(ids)
        self._run("snooze", actions.on_each, ids, "snooze", until, ids=ids,
                  done_text=f"Snoozed {len(ids)} conversation(s) until {until.astimezone():%a %d %b %H:%M}")

    def assign(self, agent_id: int | str | None = "ask", team_id: int | None = None) -> None:
        ids = self.page.selected_ids()
        if not ids or (actions := self._service()) is None:
            return
        if agent_id == "ask":
            head = self.page.opened.thread.header if self.page.opened else None
            account = head.account_id if head else None
            known = self.page.directory
            agents = [a for a in known.agents if account is None or a["account_id"] == account]
            teams = [t for t in known.teams if account is None or t["account_id"] == account]
            items: list[tuple[str, Any]] = []
            for a in agents:
                items.append((f"{a['name']} (me)" if a["is_me"] else a["name"], ("agent", a["id"])))
            for t in teams:
                items.append((f"Team: {t['name']}", ("team", t["id"])))
            items.append(("Unassign", ("agent", None)))
            dialog = ChoiceDialog("Assign to", items, parent=self.window)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
                return
            kind, value = dialog.chosen
            if kind == "team":
                agent_id = head.assignee_id if head else None
                team_id = value
            else:
                agent_id = value
        if agent_id is not None and agent_id in self.page.directory.me:
            self.just_assigned_to_me.update(ids)
        self._run("assign", actions.on_each, ids, "assign", agent_id, team_id, ids=ids,
                  done_text=f"Assigned {len(ids)} conversation(s)")

    def assign_to_me(self) -> None:
        head = self.page.opened.thread.header if self.page.opened else None
        mine = [a for a in self.page.directory.agents
                if a["is_me"] and (head is None or a["account_id"] == head.account_id)]
        if not mine:
            self.status_reported.emit("Your own agent profile has not been synced yet")
            return
        self.assign(mine[0]["id"])

    def label(self, labels: list[str] | None = None) -> None:
        ids = self.page.selected_ids()
        if not ids or (actions := self._service()) is None:
            return
        exact = len(ids) == 1
        if labels is None:
            head = self.page.opened.thread.header if self.page.opened else None
            current = head.labels if head is not None and exact and head.id == ids[0] else []
            dialog = LabelDialog(current, list(self.page.directory.labels), parent=self.window)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            labels = dialog.labels()
        self._run("label", actions.add_labels, ids, labels, exact=exact, ids=ids,
                  done_text=f"Labels set on {len(ids)} conversation(s)")

    def priority(self, value: str | None = None) -> None:
        ids = self.page.selected_ids()
        if not ids or (actions := self._service()) is None:
            return
        if value is None:
            items = [(p.capitalize(), p) for p in ("urgent", "high", "medium", "low", "none")]
            dialog = ChoiceDialog("Priority", items, parent=self.window, icons={"Urgent": icons.icon("urgent")})
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
                return
            value = dialog.chosen
        self._run("priority", actions.on_each, ids, "set_priority", value, ids=ids,
                  done_text=f"Priority {value} on {len(ids)} conversation(s)")
