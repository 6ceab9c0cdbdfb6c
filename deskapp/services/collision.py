"""Did someone else answer while the agent was writing? For the composer's send: ``mark(cid)`` when the
agent opens (or re-reads) a conversation, ``replies_since(mark)`` just before a reply goes out.

The answer comes from the cache (replies ingested after the mark, by anyone but the signed-in agent:
another agent, a bot, an automation) and, when the account is reachable, from a quick read of the
conversation's newest messages on the hub (Chatwoot: message_type 1 = outgoing, ``private`` notes left
out), so a reply the sync has not brought yet still counts. Both run on a worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

from deskapp.connectors import chatwoot_live
from deskapp.services.hub_link import HubLink
from deskapp.store import collision_rows
from deskapp.store.collision_rows import OtherReply, SeenMark
from deskapp.store.engine import Database

log = logging.getLogger(__name__)
__all__ = ["CollisionService", "OtherReply", "SeenMark", "hub_replies"]
OUTGOING = 1  # Chatwoot's message_type for a reply to the customer


class CollisionService:
    def __init__(self, db: Database, link: HubLink | None = None) -> None:
        self.db, self.link = db, link

    def mark(self, conversation_id: int) -> SeenMark:
        with self.db.read() as conn:
            return collision_rows.seen_mark(conn, conversation_id)

    def replies_since(self, mark: SeenMark, *, online: bool = True) -> list[OtherReply]:
        with self.db.read() as conn:
            found = collision_rows.replies_after(conn, mark)
            ref = collision_rows.conversation_ref(conn, mark.conversation_id)
            mine = collision_rows.my_external_ids(conn, mark.conversation_id)
        if online and self.link is not None and ref is not None:
            account_id, display_id = ref
            raw = self.link.call(account_id, lambda http, prefix, _hub: chatwoot_live.latest_messages(
                http, prefix, display_id), "quick read before sending")
            known = {(r.sent_at, r.text) for r in found}
            for reply in hub_replies(raw or [], mark.sent_at, mine):
                if (reply.sent_at, reply.text) not in known:
                    found.append(reply)
        return sorted(found, key=lambda r: r.sent_at)


def hub_replies(messages: list[dict[str, Any]], after: int, mine: set[str]) -> list[OtherReply]:
    """Public outgoing messages newer than ``after`` whose sender is not one of ``mine``; malformed ones skipped."""
    found = []
    for m in messages:
        try:
            created = int(m["created_at"])
            if m.get("message_type") != OUTGOING or m.get("private") or created <= after:
                continue
            sender: dict[str, Any] = m["sender"] if isinstance(m.get("sender"), dict) else {}
            if sender.get("type") in (None, "user") and str(sender.get("id", "")) in mine:
                continue
            name = str(sender.get("available_name") or sender.get("name") or "The hub")
            found.append(OtherReply(name, created, str(m.get("content") or ""), sender.get("type") != "user"))
        except (KeyError, TypeError, ValueError) as exc:
            log.info("skipped a malformed message in the quick read: %s", exc)
    return found
