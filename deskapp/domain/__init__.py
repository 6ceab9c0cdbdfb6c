"""Plain domain objects shared by every layer: no I/O, no Qt, no SQLAlchemy."""

from deskapp.domain.enums import (
    AccountKind,
    AuthorKind,
    Channel,
    Connectivity,
    DeliveryState,
    Direction,
    Handoff,
    IdentityKind,
    Intent,
    OutboxKind,
    OutboxState,
    Priority,
    Sentiment,
    Status,
    StatusEvent,
    SurveyKind,
    Urgency,
)
from deskapp.domain.models import (
    Account,
    Agent,
    Attachment,
    Batch,
    Contact,
    Conversation,
    Identity,
    Message,
    Order,
    OrderLine,
    OutboxItem,
    PushResult,
    Refund,
    SurveyResponse,
    Team,
    Template,
)

__all__ = [
    "Account", "AccountKind", "Agent", "Attachment", "AuthorKind", "Batch", "Channel", "Connectivity", "Contact",
    "Conversation", "DeliveryState", "Direction", "Handoff", "Identity", "IdentityKind", "Intent", "Message",
    "Order", "OrderLine", "OutboxItem", "OutboxKind", "OutboxState", "Priority", "PushResult",
    "Refund", "Sentiment", "Status", "StatusEvent", "SurveyKind", "SurveyResponse", "Team", "Template", "Urgency",
]
