"""Which message each place on the server shows, for the email preprocessor (sync.mail_threading).

The connector names every message after its place (folder, UIDVALIDITY, UID). Here each place is
matched against what the cache holds: a place holding the same Message-ID (or none) and the same
content (mapping.content_fingerprint) as a message we hold shows that message (its copy in Sent, a
true duplicate, the same mail after a UIDVALIDITY change); any other place is a message of its own,
even when another message carries its Message-ID. A place first matched by its headers alone is
checked again when its body arrives, and becomes a message of its own if the body differs. Our own
replies (a Message-ID made from an outbox client id) are one message per Message-ID, whatever the copy.
"""

from __future__ import annotations

from deskapp.connectors.imap_smtp.mapping import client_id_of, message_keys, same_content
from deskapp.domain.mail import MailHeaders
from deskapp.store import mail_places
from deskapp.store.engine import Connection
from deskapp.store.mail_places import Holder

Place = tuple[str, int, int]  # folder, uidvalidity, uid


def _place(h: MailHeaders | Holder) -> Place:
    return (h.folder, h.uidvalidity, h.uid)


def _fits(holding: dict[Place, str], place: Place, content: str) -> bool:
    """Every other place showing this message has the same content."""
    return all(same_content(other, content) for where, other in holding.items() if where != place)


def _is_copy(holding: dict[Place, str], place: Place, content: str) -> bool:
    """Another place, with its body fetched and equal, shows this message. A place of the same folder under
    another UIDVALIDITY is the old name of this one, not a copy."""
    folder, validity, _uid = place
    return any(where != place and "." in other and same_content(other, content)
               and not (where[0] == folder and where[1] != validity) for where, other in holding.items())


def resolve_keys(conn: Connection, account_id: int, headers: list[MailHeaders]) -> tuple[dict[str, str], int]:
    """({place key: message external id} for these places, how many of them are copies of a message
    held, counted once their body is known)."""
    known = {_place(h): h for h in mail_places.at_places(conn, account_id, [_place(h) for h in headers])}
    holding: dict[str, dict[Place, str]] = {}  # message id -> the places showing it and their content
    others = mail_places.holders(
        conn, account_id, rfc_message_ids=[h.rfc_message_id for h in headers if h.rfc_message_id],
        keys=[k for h in headers for k in message_keys(h.rfc_message_id, h.content)],
        key_prefixes=[message_keys(None, h.content)[0] for h in headers if not h.rfc_message_id])
    for row in [*known.values(), *others]:
        holding.setdefault(row.message_external_id, {})[_place(row)] = row.content
    keys: dict[str, str] = {}
    copies = 0
    for h in headers:
        place = _place(h)
        key = known[place].message_external_id if place in known else None
        if key is not None and not _fits(holding.get(key, {}), place, h.content):
            holding[key].pop(place, None)  # its body shows another message than its headers matched
            key = None
        if key is None:
            key = _new_key(h, holding)
        held = holding.setdefault(key, {})
        if h.has_body and _is_copy(held, place, h.content):
            copies += 1
        if h.has_body or not held.get(place):
            held[place] = h.content
        keys[h.message_external_id] = key
    return keys, copies


def _new_key(h: MailHeaders, holding: dict[str, dict[Place, str]]) -> str:
    """The message a new place shows: one held with the same id and content, else the first free id."""
    candidates = message_keys(h.rfc_message_id, h.content)
    if h.rfc_message_id and client_id_of(h.rfc_message_id):
        return candidates[0]  # our reply: we never send two different messages under one Message-ID
    for key in candidates:
        if holding.get(key) and _fits(holding[key], _place(h), h.content):
            return key
    for key in candidates:
        if not holding.get(key):
            return key
    return candidates[-1]  # same headers and body as a message we hold under every name: that one
