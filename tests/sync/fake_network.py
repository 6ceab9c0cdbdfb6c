"""A fake of the network side of a Chatwoot-like connector for engine unit tests: pages, faults, cursors.

Only the engine tests use it; end-to-end tests use the real connectors against the demo server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from deskapp.connectors.base import AuthError, PayloadError, TransientError
from deskapp.domain import (
    Agent,
    Batch,
    Channel,
    Contact,
    Conversation,
    Direction,
    Identity,
    IdentityKind,
    Message,
    PushResult,
    Status,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeService:
    """What the remote service holds."""

    conversations: int = 6
    messages_per_conversation: int = 5
    contacts: list[Contact] = field(default_factory=list)
    convs: dict[str, Conversation] = field(default_factory=dict)
    msgs: dict[str, list[Message]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i in range(self.conversations):
            cid = f"{100 + i}"
            self.contacts.append(Contact(f"ct{i}", f"Customer {i}",
                                         (Identity(IdentityKind.EMAIL, f"c{i}@example.com"),)))
            self.convs[cid] = Conversation(cid, Channel.WEB_CHAT, Status.OPEN, f"ct{i}", T0, T0 + timedelta(hours=i),
                                           subject=f"Order question {i}")
            self.msgs[cid] = [
                Message(f"{cid}-{j}", cid, Direction.IN if j % 2 == 0 else Direction.OUT,
                        T0 + timedelta(minutes=j), text=f"message {j} of {cid} parcel")
                for j in range(self.messages_per_conversation)
            ]


class FakeConnector:
    """Pages of ``page_size``; ``faults`` maps a call number (1-based) to an exception to raise."""

    def __init__(self, service: FakeService, *, page_size: int = 2, faults: dict[int, BaseException] | None = None,
                 fail_streams: dict[str, BaseException] | None = None) -> None:
        self.service = service
        self.page_size = page_size
        self.faults = dict(faults or {})
        self.fail_streams = dict(fail_streams or {})
        self.calls: list[tuple[str, str | None]] = []

    def streams(self) -> list[str]:
        return ["agents", "contacts", "conversations"]

    def _page(self, items: list, cursor: str | None) -> Batch:
        start = int(cursor or 0)
        chunk = items[start:start + self.page_size]
        end = start + len(chunk)
        return Batch(chunk, str(end), end >= len(items))

    def pull(self, stream: str, cursor: str | None) -> Batch:
        self.calls.append((stream, cursor))
        fault = self.faults.pop(len(self.calls), None) or self.fail_streams.get(stream)
        if fault is not None:
            raise fault
        if stream == "agents":
            return Batch([Agent("a1", "Ann", is_me=True)], None, True)
        if stream == "contacts":
            return self._page(self.service.contacts, cursor)
        if stream == "conversations":
            return self._page(sorted(self.service.convs.values(), key=lambda c: c.updated_at), cursor)
        if stream.startswith("messages/"):
            msgs = self.service.msgs.get(stream.split("/", 1)[1], [])
            after = int(cursor) if cursor else -1
            newer = [m for m in msgs if int(m.external_id.rsplit("-", 1)[1]) > after][: self.page_size]
            last = int(newer[-1].external_id.rsplit("-", 1)[1]) if newer else after
            return Batch(newer, str(last) if newer else cursor, len(newer) < self.page_size)
        raise PayloadError(f"unknown stream {stream}")

    def push(self, item) -> PushResult:
        return PushResult(ok=True)


__all__ = ["AuthError", "FakeConnector", "FakeService", "PayloadError", "TransientError"]
