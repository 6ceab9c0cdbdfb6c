"""Run a Chatwoot macro on one or many conversations through the outbox, for the macro palette.

The hub's own ``POST /macros/:id/execute`` is not idempotent (a replay after a lost answer would send the macro's
message twice) and cannot wait offline, so a macro is queued as the outbox items its actions amount to: a reply,
a note, labels, an assignment, a priority, a status. Each has its client id and the outbox's exactly-once
replay, and shows in the cache at once. Actions the outbox has no item for (mute, transcripts, attachments)
make the macro refuse to run, before anything is queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from deskapp.domain.automation import Action, Macro
from deskapp.domain.changes import Changes
from deskapp.services.actions import ActionError, ActionResult, ActionService
from deskapp.store import automation_rows as rows
from deskapp.store.engine import Database

_STATUS_OF = {"resolve_conversation": "resolved", "open_conversation": "open",
              "pending_conversation": "pending"}
QUEUEABLE = frozenset({"send_message", "add_private_note", "add_label", "remove_label", "assign_team",
                       "assign_agent", "change_priority", "change_status", *_STATUS_OF})


def unqueueable(macro: Macro) -> list[str]:
    """The macro's actions the app cannot queue (it runs them all or none)."""
    return [a.action_name for a in macro.actions if a.action_name not in QUEUEABLE]


class MacroRunner:
    def __init__(self, db: Database, actions: ActionService) -> None:
        self.db = db
        self.actions = actions

    def run(self, macro: Macro, conversation_ids: list[int], *, account_id: int | None = None) -> ActionResult:
        """Queue the macro's actions on each conversation (of the hub account the macro belongs to, when given),
        in the macro's order; ActionError says why not."""
        missing = unqueueable(macro)
        if missing:
            raise ActionError(f"macro {macro.name!r} has actions the app cannot queue: {', '.join(missing)}")
        if not macro.actions:
            raise ActionError(f"macro {macro.name!r} has no actions")
        with self.db.read() as conn:
            targets = [t for t in rows.macro_targets(conn, conversation_ids)
                       if account_id is None or t.account_id == account_id]
            steps = {t.conversation_id: self._steps(conn, t, macro.actions) for t in targets}
        if not targets:
            raise ActionError("none of these conversations is on the macro's hub")
        queued = [self._queue(cid, method, args) for cid, plan in steps.items() for method, args in plan]
        return ActionResult(tuple(queued), Changes.of(conversations=steps))

    def _queue(self, conversation_id: int, method: str, args: tuple[Any, ...]) -> str:
        call: Callable[..., str] = getattr(self.actions, method)
        return call(conversation_id, *args)

    def _steps(self, conn: Any, target: rows.MacroTarget,
               actions: tuple[Action, ...]) -> list[tuple[str, tuple[Any, ...]]]:
        """(ActionService method, arguments after the conversation id) for each action, labels folded as
        they accumulate so the second label action keeps the first one's labels."""
        labels = set(json.loads(target.labels or "[]"))
        assignee = target.assignee_id
        plan: list[tuple[str, tuple[Any, ...]]] = []
        for action in actions:
            name, params = action.action_name, [str(p) for p in action.action_params]
            first = params[0] if params else ""
            if name in ("send_message", "add_private_note"):
                if first.strip():
                    plan.append(("reply" if name == "send_message" else "note", (first,)))
            elif name in ("add_label", "remove_label"):
                labels = labels | set(params) if name == "add_label" else labels - set(params)
                plan.append(("set_labels", (sorted(labels),)))
            elif name == "assign_agent":
                assignee = None if first == "nil" else rows.local_id(conn, target.account_id, "agent", first)
                if assignee is None and first != "nil":
                    raise ActionError(f"the macro names agent {first}, whom the cache does not know")
                plan.append(("assign", (assignee,)))
            elif name == "assign_team":
                team = rows.local_id(conn, target.account_id, "team", first)
                if team is None:
                    raise ActionError(f"the macro names team {first}, which the cache does not know")
                plan.append(("assign", (assignee, team)))  # keeps the assignee: the item sets both
            elif name == "change_priority":
                plan.append(("set_priority", ("none" if first in ("", "nil") else first,)))
            else:
                plan.append(("set_status", (first if name == "change_status" else _STATUS_OF[name],)))
        return plan
