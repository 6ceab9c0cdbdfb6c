"""The contract every connector keeps with the sync engine: pulls of pages, pushes of outbox items.

Connectors are network-only: they map wire payloads to domain records (deskapp.domain) and back,
and never touch the database. Failures surface as the exceptions below, after the one retry layer
(deskapp.connectors.http) has done its work.
"""

from __future__ import annotations

from typing import Protocol

from deskapp.domain import Batch, OutboxItem, PushResult


class ConnectorError(Exception):
    """Base of every connector failure."""


class AuthError(ConnectorError):
    """401/403: the credential is bad or revoked. The engine stops that account ("auth needed").

    ``status`` and ``body`` (the start of the answer) let a connector tell a revoked token apart from a
    refusal of one action, which some services (Chatwoot) also answer with 401.
    """

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class TransientError(ConnectorError):
    """Network down, timeouts, 5xx or 429 that outlasted the retries: try again later (offline/degraded)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Cancelled(TransientError):
    """Whoever runs the connector asked it to stop while it waited (a throttle window, a backoff): nothing is
    wrong with the service, and the work is left for the next pass."""


class PayloadError(ConnectorError):
    """The service answered with something that does not follow its contract (bad JSON, wrong shape)."""


class Connector(Protocol):
    """A pull/push adapter for one account.

    A connector whose service has no idempotency key and no way to check first (SMTP) sets
    ``records_handoff = True`` and takes ``push(item, handoff)``: it calls ``handoff(step)`` as the item
    reaches the server (deskapp.domain.Handoff), and the replayer makes each step durable before it returns.
    """

    def streams(self) -> list[str]:
        """The top-level streams to pull, in order (e.g. "profile", "contacts", "conversations")."""
        ...

    def pull(self, stream: str, cursor: str | None) -> Batch:
        """One page of ``stream`` after ``cursor`` (None: from the start). Cursors are opaque strings."""
        ...

    def push(self, item: OutboxItem) -> PushResult:
        """Send one outbox item; idempotent by ``item.client_id`` (check first where no header exists)."""
        ...

# A connector whose calls may wait long (a throttle window of a minute) also offers
# ``stop_waiting_on(event: threading.Event)``: once the event is set, a wait ends at once with Cancelled.
# A connector whose full walk of a stream brings the newest records first also offers
# ``walk_progress(stream) -> (records walked, total) | None``, read after each pull for the progress events.
# A connector whose pages cost the CPU as much as applying them (mail: fetch and MIME parse) sets
# ``pulls_ahead = True``: the engine then pulls a stream's next page on a thread while it applies this one,
# so the connector must take a pull on another thread (never two at once: the engine waits for one).
