"""The closed vocabularies of the help desk (channels, statuses, triage labels) used by every layer."""

from __future__ import annotations

from enum import StrEnum


class AccountKind(StrEnum):
    CHATWOOT = "chatwoot"
    IMAP_SMTP = "imap_smtp"
    SHOPIFY = "shopify"
    DEMO = "demo"


class Channel(StrEnum):
    EMAIL = "email"
    WEB_CHAT = "web_chat"
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    TELEGRAM = "telegram"
    SMS = "sms"
    API = "api"
    OTHER = "other"

    @property
    def is_chat_like(self) -> bool:
        return self in (Channel.WEB_CHAT, Channel.WHATSAPP, Channel.TELEGRAM, Channel.API)

    @property
    def is_social_or_sms(self) -> bool:
        return self in (Channel.INSTAGRAM, Channel.MESSENGER, Channel.SMS)


class Status(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Priority(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"
    # messages the system wrote (assignment notices, bot replies): never a response for KPIs
    ACTIVITY = "activity"


class AuthorKind(StrEnum):
    """Who wrote a message. Only AGENT (a human) counts as a response in FRT, FCR, SLA and the agent table."""

    AGENT = "agent"
    BOT = "bot"  # an agent bot or AI assistant
    CONTACT = "contact"  # the customer
    SYSTEM = "system"  # automation rules, campaigns, templates (greeting, CSAT), activity notices
    UNKNOWN = ""


class StatusEvent(StrEnum):
    """A status change a message records (a service's activity notice): the source of resolution times."""

    RESOLVED = "resolved"
    REOPENED = "reopened"


class DeliveryState(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"
    EXTERNAL = "external"


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    DELIVERY_PROBLEM = "delivery_problem"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ORDER = "change_order"
    SHIPPING_ADDRESS = "shipping_address"
    SHIPPING_OPTIONS = "shipping_options"
    REFUND = "refund"
    RETURN_EXCHANGE = "return_exchange"
    DAMAGED_OR_WRONG_ITEM = "damaged_or_wrong_item"
    PAYMENT = "payment"
    INVOICE = "invoice"
    DISCOUNT_CODE = "discount_code"
    PRODUCT_QUESTION = "product_question"
    ACCOUNT = "account"
    COMPLAINT = "complaint"
    HUMAN_AGENT = "human_agent"
    FEEDBACK = "feedback"
    SUBSCRIPTION = "subscription"
    OTHER = "other"


# The intent triage stores when its calibrated confidence is too low to name one (the inbox can filter on it).
NOT_SURE_INTENT = "not_sure"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


class OutboxKind(StrEnum):
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    ASSIGN = "assign"
    LABEL = "label"
    PRIORITY = "priority"
    SNOOZE = "snooze"
    MERGE = "merge"
    # order actions, sent to the shop account (conversation_external_id: the order's id there)
    ORDER_REFUND = "order_refund"
    ORDER_CANCEL = "order_cancel"
    ORDER_ADDRESS = "order_address"
    ORDER_DISCOUNT = "order_discount"  # a discount code for the order's customer
    ORDER_REPLACE = "order_replace"  # a draft order sending items again at no charge
    ORDER_RETURN = "order_return"  # a return requested and approved for items of the order


ORDER_KINDS = frozenset({OutboxKind.ORDER_REFUND, OutboxKind.ORDER_CANCEL, OutboxKind.ORDER_ADDRESS,
                         OutboxKind.ORDER_DISCOUNT, OutboxKind.ORDER_REPLACE, OutboxKind.ORDER_RETURN})


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    CONFLICT = "conflict"


class Handoff(StrEnum):
    """How far a message went towards a server with no idempotency key (SMTP), recorded durably as it goes.

    No handoff: certainly not sent. ``HANDED``: every byte but the end-of-data mark was written and the
    mark is next, so the server may have accepted it. ``ACCEPTED``: the server said it took the message.
    """

    HANDED = "handed"
    ACCEPTED = "accepted"


class Connectivity(StrEnum):
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    AUTH_NEEDED = "auth_needed"
    UNKNOWN = "unknown"
