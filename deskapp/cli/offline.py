"""The `act` and `outbox` verbs of the command line (registered by deskapp.cli.entry), for scripts.

`act` goes through the same ActionService as the UI: the action is queued durably and applied to the
cache; the next `deskapp sync` (or the running app) sends it. `outbox` lists the queue and lets a
script settle failed/conflicting items and flip the "work offline" switch.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from deskapp.cli.output import fail, print_json

if TYPE_CHECKING:
    from datetime import datetime

ACT_VERBS = ("reply", "note", "resolve", "reopen", "assign", "label", "priority", "snooze")
_DURATION = re.compile(r"^(\d+)([mhdw])$")


def parse_until(value: str, *, now: datetime | None = None) -> datetime:
    """'2h', '3d', '1w', '30m' from now, or an ISO time (UTC when it has no zone)."""
    from datetime import UTC, datetime, timedelta

    now = now or datetime.now(UTC)
    match = _DURATION.match(value.strip().lower())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return now + timedelta(**{unit: int(match.group(1))})
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"snooze: {value!r} is not a time; write 30m, 2h, 3d, 1w or an ISO time"
                         " such as 2026-11-24T09:00") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _cmd_act(ws, args: argparse.Namespace) -> int:
    from deskapp.services.actions import ActionError, StorageError, action_service
    from deskapp.services.assignees import assignee_id

    service = action_service(ws, undoable=False)  # a script cannot undo: the next sync may send it
    cid, verb, rest = args.id, args.action, list(args.args)
    try:
        if verb in ("reply", "note"):
            body = " ".join(rest) if rest else sys.stdin.read()
            client_id = getattr(service, verb)(cid, body)
        elif verb in ("resolve", "reopen"):
            client_id = getattr(service, verb)(cid)
        elif verb == "assign":
            if not rest:
                return fail("assign needs an agent (id, external id, email, name, 'me' or 'none')")
            team = assignee_id(ws.db, cid, args.team, "team") if args.team else None
            client_id = service.assign(cid, assignee_id(ws.db, cid, rest[0]), team)
        elif verb == "label":
            labels = [label for part in rest for label in part.split(",")]
            client_id = service.set_labels(cid, labels)
        elif verb == "priority":
            if len(rest) != 1:
                return fail("priority needs one of none, low, medium, high, urgent")
            client_id = service.set_priority(cid, rest[0])
        else:  # snooze
            if len(rest) != 1:
                return fail("snooze needs a time: 2h, 3d, 1w or an ISO time")
            client_id = service.snooze(cid, parse_until(rest[0]))
    except (ActionError, ValueError) as exc:
        return fail(str(exc))
    except StorageError as exc:
        return fail(str(exc))
    row = service.outbox.get(client_id)
    if args.json:
        print_json(row.to_json() if row else {"client_id": client_id})
    else:
        print(client_id)
    return 0


def _cmd_outbox(ws, args: argparse.Namespace) -> int:
    from deskapp.services.actions import StorageError, action_service, is_work_offline
    from deskapp.services.profile import set_work_offline

    service = action_service(ws)
    try:
        if args.work_offline is not None:
            set_work_offline(ws.db, ws.profile, args.work_offline == "on")
        for decision, client_id in (("retry", args.retry), ("discard", args.discard),
                                    ("keep_as_draft", args.keep_draft)):
            if client_id and not getattr(service, decision)(client_id):
                return fail(f"cannot {decision.replace('_', ' ')} {client_id}: not a failed or conflicting item")
    except StorageError as exc:
        return fail(str(exc))
    rows = service.items(tuple(args.state) if args.state else None)
    if args.json:
        print_json({"work_offline": is_work_offline(ws.db), "counts": service.outbox.counts(),
                   "items": [r.to_json() for r in rows]})
        return 0
    if is_work_offline(ws.db):
        print("working offline: nothing is sent until `deskapp outbox --work-offline off`")
    for r in rows:
        detail = r.conflict or r.last_error or ""
        print(f"{r.client_id}  {r.state:<8} {r.kind:<8} conv {r.conversation_external_id:<8} "
              f"tries {r.attempts}  {detail}")
    counts = service.outbox.counts()
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("act", help="queue an action on a conversation (sent by the next sync)")
    p.add_argument("id", type=int, help="conversation id as `deskapp conversations --json` prints it")
    p.add_argument("action", choices=ACT_VERBS)
    p.add_argument("args", nargs="*", help="reply/note text (else stdin); agent; labels; priority; snooze time")
    p.add_argument("--team", help="assign: also set the team (id, external id or name)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_act)

    p = sub.add_parser("outbox", help="list queued actions with their state; settle failed ones")
    p.add_argument("--json", action="store_true")
    p.add_argument("--state", action="append", choices=("pending", "sending", "done", "failed", "conflict"))
    p.add_argument("--retry", metavar="CLIENT_ID")
    p.add_argument("--discard", metavar="CLIENT_ID")
    p.add_argument("--keep-draft", metavar="CLIENT_ID")
    p.add_argument("--work-offline", choices=("on", "off"), help="the manual work-offline switch")
    p.set_defaults(run=_cmd_outbox)
