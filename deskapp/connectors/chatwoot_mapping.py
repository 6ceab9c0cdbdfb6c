"""Chatwoot application-API payloads -> domain records (account, contacts, conversations, CSAT), for
ChatwootConnector. Pure functions, no I/O; messages are mapped by chatwoot_messages.

Every mapper tolerates missing and extra fields; an unknown enum value becomes a safe default with one
log line; a payload that cannot be mapped at all (no id, not an object) raises ``Unmappable`` so the
caller skips that one record, never the page.
"""

from __future__ import annotations

from typing import Any

from deskapp.connectors.wire import as_int, dig, id_text, identities, parse_time, real_time, text, warn_once
from deskapp.domain import (
    Agent,
    Channel,
    Contact,
    Conversation,
    Identity,
    IdentityKind,
    Priority,
    Status,
    SurveyKind,
    SurveyResponse,
    Team,
    Template,
)

CHANNEL_TYPES = {
    "channel::webwidget": Channel.WEB_CHAT,
    "channel::whatsapp": Channel.WHATSAPP,
    "channel::email": Channel.EMAIL,
    "channel::facebookpage": Channel.MESSENGER,
    "channel::instagram": Channel.INSTAGRAM,
    "channel::telegram": Channel.TELEGRAM,
    "channel::sms": Channel.SMS,
    "channel::twiliosms": Channel.SMS,
    "channel::api": Channel.API,
}
STATUSES = {s.value: s for s in Status}
PRIORITIES = {p.value: p for p in Priority}


class Unmappable(ValueError):
    """This one record cannot become a domain record; the caller logs and skips it."""


def _require_id(payload: Any, what: str) -> str:
    if not isinstance(payload, dict):
        raise Unmappable(f"{what} is not an object: {type(payload).__name__}")
    ext = id_text(payload.get("id"))
    if ext is None:
        raise Unmappable(f"{what} without an id")
    return ext


def channel_of_inbox(inbox: dict[str, Any]) -> Channel:
    """Inbox ``channel_type`` (+ Twilio's ``medium``) -> Channel; unknown types -> OTHER."""
    kind = text(inbox.get("channel_type"))
    channel = CHANNEL_TYPES.get(kind.lower())
    if kind.lower() == "channel::twiliosms" and text(inbox.get("medium")).lower() == "whatsapp":
        return Channel.WHATSAPP
    if channel is None:
        warn_once("chatwoot channel_type", kind, Channel.OTHER.value)
        return Channel.OTHER
    return channel


def agent(payload: Any, *, my_id: str | None) -> Agent:
    ext = _require_id(payload, "agent")
    role = text(payload.get("role")) or "agent"
    if role not in ("agent", "administrator"):
        warn_once("chatwoot agent role", role, "agent")
        role = "agent"
    name = text(payload.get("available_name")) or text(payload.get("name")) or text(payload.get("email"))
    return Agent(external_id=ext, name=name, email=text(payload.get("email")), role=role, is_me=ext == my_id)


def profile(payload: Any, account_id: str) -> Agent:
    """The signed-in user; their role is the one on this account (``accounts[]``), else the top-level one."""
    ext = _require_id(payload, "profile")
    role = text(payload.get("role"))
    for membership in payload.get("accounts") or []:
        if isinstance(membership, dict) and id_text(membership.get("id")) == account_id:
            role = text(membership.get("role")) or role
    return agent({**payload, "role": role or "agent"}, my_id=ext)


def team(payload: Any) -> Team:
    return Team(external_id=_require_id(payload, "team"), name=text(payload.get("name")))


def template(payload: Any) -> Template:
    ext = _require_id(payload, "canned response")
    code = text(payload.get("short_code"))
    return Template(name=code or f"canned-{ext}", body=text(payload.get("content")), shortcut=code,
                    scope="team", external_id=ext)


def _social_handles(attributes: Any) -> list[Identity]:
    handles = []
    profiles = dig(attributes, "social_profiles")  # a hash of network -> handle; anything else carries none
    for network, handle in (profiles if isinstance(profiles, dict) else {}).items():
        if isinstance(handle, str) and handle.strip():
            handles.append(Identity(IdentityKind.HANDLE, f"{network}:{handle.strip()}"))
    return handles


def contact(payload: Any) -> Contact:
    ext = _require_id(payload, "contact")
    found = list(identities(text(payload.get("email")), text(payload.get("phone_number"))))
    found += _social_handles(payload.get("additional_attributes"))
    if text(payload.get("identifier")).strip():
        found.append(Identity(IdentityKind.EXTERNAL, text(payload.get("identifier")).strip()))
    name = (text(payload.get("name")) or text(payload.get("email")) or text(payload.get("phone_number"))
            or f"Contact {ext}")
    # Contacts carry no updated_at (the list is refreshed by walking it, see ChatwootConnector)
    created = parse_time(payload.get("created_at"))
    updated = parse_time(payload.get("updated_at"))
    return Contact(external_id=ext, name=name, identities=tuple(dict.fromkeys(found)),
                   created_at=created, updated_at=updated)


def _enum(value: Any, table: dict[str, Any], default: Any, field: str) -> Any:
    key = text(value).lower()
    if key in table:
        return table[key]
    if value not in (None, ""):
        warn_once(field, value, default.value)
    return default


def _bot_assignee(meta: dict[str, Any]) -> bool:
    return (text(meta.get("assignee_type")).lower() == "agentbot"
            or text(dig(meta, "assignee", "type")).lower() == "agent_bot")


def conversation(payload: Any, inboxes: dict[str, tuple[Channel, str]]) -> Conversation:
    """A conversation list item (``_conversation.json.jbuilder``); ``inboxes`` maps inbox id -> (channel, inbox
    name). Its ``updated_at`` (v4; older servers send none) orders copies of it, nothing more."""
    ext = _require_id(payload, "conversation")
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    inbox_id = id_text(payload.get("inbox_id"))
    channel, inbox_name = inboxes.get(inbox_id or "", (None, ""))
    if channel is None:  # inbox unknown (created since the inboxes pull): the list's meta.channel says it too
        channel = channel_of_inbox({"channel_type": meta.get("channel")}) if meta.get("channel") else Channel.OTHER
    status = _enum(payload.get("status"), STATUSES, Status.OPEN, "chatwoot conversation status")
    created = parse_time(payload.get("created_at")) or parse_time(payload.get("timestamp"))
    if created is None:
        raise Unmappable(f"conversation {ext} without created_at")
    activity = parse_time(payload.get("last_activity_at")) or parse_time(payload.get("timestamp"))
    updated = parse_time(payload.get("updated_at")) or activity or created
    last_message = parse_time(dig(payload, "last_non_activity_message", "created_at")) or activity
    labels = tuple(str(x) for x in payload.get("labels") or [] if isinstance(x, str | int))
    return Conversation(
        external_id=ext, channel=channel, status=status,
        contact_external_id=id_text(dig(meta, "sender", "id")) or id_text(payload.get("contact_id")),
        created_at=created, updated_at=updated,
        subject=text(dig(payload, "additional_attributes", "mail_subject")),
        priority=_enum(payload.get("priority"), PRIORITIES, Priority.NONE, "chatwoot priority"),
        # some v4 builds may assign a conversation to an agent bot (``meta.assignee_type``): not an agent
        assignee_external_id=None if _bot_assignee(meta) else (
            id_text(dig(meta, "assignee", "id")) or id_text(payload.get("assignee_id"))),
        team_external_id=id_text(dig(meta, "team", "id")) or id_text(payload.get("team_id")),
        labels=labels, last_message_at=last_message,
        # 0 (``.to_i`` of nil) until a human replied; the messages pulled later are the better witness
        first_response_at=real_time(payload.get("first_reply_created_at")),
        # Chatwoot keeps no resolution time, and updated_at moves with every later message or note: the
        # moment comes from the resolution notice among the messages (see chatwoot_messages)
        resolved_at=None,
        snoozed_until=parse_time(payload.get("snoozed_until")) if status is Status.SNOOZED else None,
        unread=as_int(payload.get("unread_count")), inbox_name=inbox_name,
    )


def sender_contact(payload: Any) -> Contact | None:
    """The contact embedded in a conversation (``meta.sender``) or a message (``sender`` of type contact),
    if it can be mapped: how a contact edited on the hub reaches the cache between contact walks."""
    sender = dig(payload, "meta", "sender") if isinstance(dig(payload, "meta", "sender"), dict) else None
    if sender is None and text(dig(payload, "sender", "type")).lower() == "contact":
        sender = payload["sender"]
    if not isinstance(sender, dict):
        return None
    try:
        return contact(sender)
    except Unmappable:
        return None


def survey(payload: Any) -> SurveyResponse:
    ext = _require_id(payload, "csat response")
    score = as_int(payload.get("rating"), default=-1)
    if not 1 <= score <= 5:
        raise Unmappable(f"csat response {ext} with rating {payload.get('rating')!r} outside 1..5")
    at = parse_time(payload.get("created_at"))
    if at is None:
        raise Unmappable(f"csat response {ext} without created_at")
    return SurveyResponse(external_id=ext, kind=SurveyKind.CSAT, score=score, at=at,
                          conversation_external_id=id_text(payload.get("conversation_id")),
                          comment=text(payload.get("feedback_message")))
