"""Which message each place on the server shows, for the email preprocessor (sync.mail_threading).

The connector names every message after its place (folder, UIDVALIDITY, UID). Here each new place
is matched against what the cache holds: a place we know keeps its message; a place holding the same
Message-ID and the same content (mapping.content_fingerprint) as a message we hold shows that message
(its copy in Sent, a true duplicate, the same mail after a UIDVALIDITY change); any other place is a
message of its own, even when another message carries its Message-ID. Our own replies (a Message-ID
made from an outbox client id) are one message per Message-ID, however their copies differ.
"""

from __future__ import annotations

from sqlalchemy import Connection

from deskapp.connectors.imap_smtp.mapping import client_id_of, message_key, variant_key
from deskapp.domain.mail import MailHeaders
from deskapp.store import mail_places


def _live(holder_folder: str, holder_validity: int, h: MailHeaders) -> bool:
    """A place of the same folder under another UIDVALIDITY is the old name of this one, not a copy."""
    return not (holder_folder == h.folder and holder_validity != h.uidvalidity)


def resolve_keys(conn: Connection, account_id: int, headers: list[MailHeaders]) -> tuple[dict[str, str], int]:
    """({place key: message external id} for these places, how many are copies of a message held)."""
    known = mail_places.messages_at(conn, account_id, [(h.folder, h.uidvalidity, h.uid) for h in headers])
    new = [h for h in headers if (h.folder, h.uidvalidity, h.uid) not in known]
    keys = {h.message_external_id: known[(h.folder, h.uidvalidity, h.uid)] for h in headers
            if (h.folder, h.uidvalidity, h.uid) in known}
    # (Message-ID or None, content) -> message id; and every id held, with the places holding it
    by_content: dict[tuple[str | None, str], str] = {}
    held: dict[str, list[tuple[str, int]]] = {}
    for holder in mail_places.holders(conn, account_id, [h.rfc_message_id for h in new if h.rfc_message_id],
                                      [message_key(None, h.content) for h in new if not h.rfc_message_id]):
        by_content.setdefault((holder.rfc_message_id, holder.content), holder.message_external_id)
        held.setdefault(holder.message_external_id, []).append((holder.folder, holder.uidvalidity))
    duplicates = 0
    for h in new:
        plain = message_key(h.rfc_message_id, h.content)
        if h.rfc_message_id is None or client_id_of(h.rfc_message_id):
            key = plain
        else:
            key = by_content.get((h.rfc_message_id, h.content))
            if key is None:
                key = variant_key(h.rfc_message_id, h.content) if plain in held else plain
        by_content.setdefault((h.rfc_message_id, h.content), key)
        if any(_live(folder, validity, h) for folder, validity in held.get(key, ())):
            duplicates += 1
        held.setdefault(key, []).append((h.folder, h.uidvalidity))
        keys[h.message_external_id] = key
    return keys, duplicates
