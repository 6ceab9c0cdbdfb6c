"""Domain records: what connectors produce and consume, and what services hand to the UI.

Records carry the remote service's own ids (``external_id``, strings) so the store can upsert by
(account, external_id). Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskapp.domain.enums import (
    AccountKind,
    AuthorKind,
    Channel,
    Connectivity,
    DeliveryState,
    Direction,
    Handoff,
    IdentityKind,
    OutboxKind,
    OutboxState,
    Priority,
    Status,
    StatusEvent,
    SurveyKind,
)


@dataclass(frozen=True, slots=True)
class Account:
    """One configured connection. Its secret lives in the keyring under ``id``, never here."""

    id: int
    kind: AccountKind
    name: str
    base_url: str
    settings: dict[str, Any] = field(default_factory=dict)
    state: Connectivity = Connectivity.UNKNOWN
    last_sync: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str  # normalized: lower-cased email, E.164 phone, handle as given


@dataclass(frozen=True, slots=True)
class Contact:
    """A customer as one account knows them (Chatwoot contact, Shopify customer, mail sender)."""

    external_id: str
    name: str
    identities: tuple[Identity, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    external_id: str
    name: str
    email: str = ""
    role: str = "agent"  # agent | administrator (supervisor)
    is_me: bool = False


@dataclass(frozen=True, slots=True)
class Team:
    external_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Conversation:
    external_id: str
    channel: Channel
    status: Status
    contact_external_id: str | None
    created_at: datetime
    updated_at: datetime
    subject: str = ""
    priority: Priority = Priority.NONE
    assignee_external_id: str | None = None
    team_external_id: str | None = None
    labels: tuple[str, ...] = ()
    last_message_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    snoozed_until: datetime | None = None
    unread: int = 0
    inbox_name: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    url: str = ""  # remote location; local copies live in the data folder, keyed by sha256
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    external_id: str
    conversation_external_id: str
    direction: Direction
    sent_at: datetime
    text: str = ""
    html: str = ""  # raw as received; sanitized only when rendered
    author_name: str = ""
    author_external_id: str | None = None
    delivery: DeliveryState = DeliveryState.RECEIVED
    attachments: tuple[Attachment, ...] = ()
    client_id: str | None = None  # the outbox id this message was sent with, when we sent it
    automated: bool = False  # bot or automation reply: never a human response
    author_kind: AuthorKind = AuthorKind.UNKNOWN
    deleted: bool = False  # removed on the service: shown as deleted, never searched
    status_event: StatusEvent | None = None  # the status change this (activity) message records


@dataclass(frozen=True, slots=True)
class OrderLine:
    title: str
    quantity: int
    sku: str = ""
    unit_price: float = 0.0
    refunded_quantity: int = 0  # units refunded or removed since the order was placed
    product_tags: tuple[str, ...] = ()  # the product's tags (a return policy may exclude "final-sale")
    product_type: str = ""


@dataclass(frozen=True, slots=True)
class Refund:
    external_id: str
    created_at: datetime | None
    amount: float
    currency: str
    note: str = ""  # refunds deskapp made carry its outbox marker here


@dataclass(frozen=True, slots=True)
class Order:
    external_id: str
    number: str  # the shop's display name, e.g. "#1042"
    customer_external_id: str | None
    placed_at: datetime
    updated_at: datetime
    total: float
    currency: str
    financial_status: str
    fulfillment_status: str
    email: str = ""
    phone: str = ""
    tracking_numbers: tuple[str, ...] = ()
    tracking_urls: tuple[str, ...] = ()
    lines: tuple[OrderLine, ...] = ()
    cancelled_at: datetime | None = None
    total_refunded: float = 0.0
    delivered_at: datetime | None = None  # the latest delivery a carrier reported
    fulfilled_at: datetime | None = None  # the latest shipment
    in_transit: bool = False  # a shipment is still under way
    refunds: tuple[Refund, ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    external_id: str
    kind: SurveyKind
    score: int
    at: datetime
    conversation_external_id: str | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    body: str
    shortcut: str = ""
    scope: str = "team"  # personal | team
    intents: tuple[str, ...] = ()
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """One page of a connector pull: the records, the cursor after them, and whether the stream is done."""

    items: list[Any]
    next_cursor: str | None
    done: bool


@dataclass(frozen=True, slots=True)
class OutboxItem:
    client_id: str  # UUID; also the idempotency key
    account_id: int
    conversation_external_id: str | None
    kind: OutboxKind
    payload: dict[str, Any]
    created_at: datetime
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    last_error: str | None = None
    handoff: Handoff | None = None  # how far an earlier attempt got (mail replies: see Handoff)


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a connector reports after pushing one outbox item."""

    ok: bool
    external_id: str | None = None  # e.g. the id of the message the service created
    conflict: str | None = None  # why the service rejected it, for the agent to decide
    retryable: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
