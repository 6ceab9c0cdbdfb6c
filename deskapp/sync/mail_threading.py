"""The email preprocessor for the sync engine: threads IMAP messages into conversations, applies deletions
and flag changes, and stores attachment bytes, inside the batch's write transaction.

``preprocess_mail(conn, account_id, records) -> records`` consumes the mail-only records
(deskapp.domain.mail) and returns the Contacts/Conversations/Messages for the generic ingest, with
each place on the server given its message (sync.mail_identity) and each message's conversation
resolved: by Message-ID / In-Reply-To / References against the mail_header table (and the batch
itself; when several messages carry the id referred to, the one with the same customer, else the
latest before), else after the thread's root (References[0]) even before the root arrives, else by
the same subject from the same customer within 30 days, else a new conversation named after the
message. Existing conversations are never overwritten from mail (their status, assignee and labels
are the agents'); a new inbound message reopens a resolved or snoozed one. Messages the connector could
not import are kept aside (store.mail_failures) and, with the copies of messages already held,
counted in an ``ImportTally`` for the sync summary.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from deskapp.domain import Conversation, Message, Status
from deskapp.domain.mail import AttachmentBlob, FolderSnapshot, ImportTally, MailFlags, MailHeaders, MailImportFailed
from deskapp.store import mail_failures, mail_threads
from deskapp.store.engine import Connection
from deskapp.store.ingest import AppliedChanges, refresh_conversation_summaries
from deskapp.store.mail_blobs import blob_dir_for, blob_path, named_path, store_blob
from deskapp.sync.mail_identity import resolve_keys

log = logging.getLogger(__name__)

SUBJECT_WINDOW = 30 * 24 * 3600
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|antw|tr|rif|r)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)


def subject_key(subject: str) -> str:
    """A subject without Re:/Fwd:/AW:... prefixes, lower-cased: what replies keep of the original."""
    return _REPLY_PREFIX.sub("", subject or "").strip().lower()[:200]


def preprocess_mail(conn: Connection, account_id: int, records: list[Any]) -> list[Any]:
    headers = [r for r in records if isinstance(r, MailHeaders)]
    flags = [r for r in records if isinstance(r, MailFlags)]
    snapshots = [r for r in records if isinstance(r, FolderSnapshot)]
    blobs = [r for r in records if isinstance(r, AttachmentBlob)]
    failed = [r for r in records if isinstance(r, MailImportFailed)]
    rest = [r for r in records
            if not isinstance(r, MailHeaders | MailFlags | FolderSnapshot | AttachmentBlob | MailImportFailed)]
    # Attachment files are written (and synced to disk) on threads while the page is threaded; all are on
    # disk before the records that point at them are applied.
    duplicates = 0
    with _BlobWriter(blob_dir_for(conn) if blobs else None, blobs):
        if headers:
            rest, duplicates = _thread(conn, account_id, headers, rest)
            mail_failures.clear(conn, account_id, [(h.folder, h.uidvalidity, h.uid) for h in headers if h.has_body])
    if failed:
        mail_failures.record(conn, account_id, failed, int(time.time()))
    touched: set[str] = set()
    if flags:
        touched |= _apply_flags(conn, account_id, flags)
    for snapshot in snapshots:
        touched |= _apply_snapshot(conn, account_id, snapshot)
    if touched:
        mail_threads.recount_unread(conn, account_id, sorted(touched))
    if duplicates or failed:
        rest.append(ImportTally(duplicates=duplicates, not_imported=len({(f.folder, f.uid) for f in failed})))
    return rest


class _BlobWriter:
    """Stores a page's attachment bytes on a few threads (a file sync waits on the disk, not on Python); on
    leaving, waits for every file and raises the first failure, so the page is not applied without them."""

    THREADS = 4

    def __init__(self, root: Path | None, blobs: list[AttachmentBlob]) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._writes: list[Future[tuple[str, bool]]] = []
        if root is not None:
            self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="blobs")
            self._writes = [self._pool.submit(store_blob, root, blob.data, blob.sha256)
                            for blob in {b.sha256: b for b in blobs}.values()]

    def __enter__(self) -> _BlobWriter:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_exc: object) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True)
        if failed is None:  # a failure of the page itself is the one to tell
            for write in self._writes:
                write.result()


# --- threading ---------------------------------------------------------------------------------


def _thread(conn: Connection, account_id: int, places: list[MailHeaders], rest: list[Any]) -> tuple[list[Any], int]:
    identity, duplicates = resolve_keys(conn, account_id, places)
    has_body = {identity[h.message_external_id] for h in places if h.has_body}
    header_only_places = {h.message_external_id for h in places if not h.has_body}
    headers = [replace(h, message_external_id=identity[h.message_external_id]) for h in places]
    keys = [h.message_external_id for h in headers]
    located = mail_threads.conversations_of(conn, account_id, keys)
    stored = mail_threads.held_messages(conn, account_id, keys)
    wanted = [i for h in headers if h.message_external_id not in located for i in (h.in_reply_to, *h.references) if i]
    by_rfc_id: dict[str, list[tuple[str, str, int]]] = {}
    for rfc_id, in_conversation, with_counterpart, sent_at in mail_threads.by_rfc_message_id(conn, account_id, wanted):
        by_rfc_id.setdefault(rfc_id, []).append((in_conversation, with_counterpart, sent_at))
    loose = [h for h in headers if h.message_external_id not in located and not (h.references or h.in_reply_to)]
    named = mail_threads.named_conversations(conn, account_id, ["mail:" + h.message_external_id for h in loose])
    earlier: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for topic_subject, counterpart, their_conversation, at in mail_threads.by_subject(
            conn, account_id, [k for k in (subject_key(h.subject) for h in loose) if k]):
        earlier.setdefault((topic_subject, counterpart), []).append((their_conversation, at))
    resolved: dict[str, str] = {}  # message external id -> conversation external id
    batch_subjects: dict[tuple[str, str], tuple[str, int]] = {}
    for h in sorted(headers, key=lambda h: (h.sent_at_epoch, h.message_external_id)):
        key = h.message_external_id
        conversation = located.get(key) or resolved.get(key)
        if conversation is None:
            for ref in (h.in_reply_to, *reversed(h.references)):
                if ref and ref in by_rfc_id:
                    conversation = _pick(by_rfc_id[ref], h)
                    break
        root = h.references[0] if h.references else h.in_reply_to
        if conversation is None and root:
            # The thread's first message is not here (yet): name the conversation after it, as the
            # root itself will name it when it arrives, so arrival order never splits a thread.
            conversation = "mail:mid:" + root.strip("<>")
        topic = (subject_key(h.subject), h.counterpart)
        if conversation is None and "mail:" + key in named:
            conversation = "mail:" + key  # replies that came first already opened it under our name
        if conversation is None and all(topic):
            conversation = _same_subject(topic, h.sent_at_epoch, batch_subjects, earlier)
        conversation = conversation or "mail:" + key
        resolved[key] = conversation
        named.add(conversation)
        if h.rfc_message_id:
            by_rfc_id.setdefault(h.rfc_message_id, []).append((conversation, h.counterpart, h.sent_at_epoch))
        if all(topic):
            batch_subjects[topic] = (conversation, h.sent_at_epoch)
    new_inbound = {h.message_external_id for h in headers
                   if h.inbound and h.message_external_id not in located and h.message_external_id not in stored}
    _upsert_locations(conn, account_id, headers, resolved)
    provisional = {"mail:" + place: identity[place] for place in identity}
    existing = mail_threads.existing_conversations(conn, account_id, list(set(resolved.values())))
    out: list[Any] = []
    merged: dict[str, Conversation] = {}
    unread_counted: set[str] = set()
    for record in rest:
        if isinstance(record, Message) and record.external_id in identity:
            key = identity[record.external_id]
            if record.external_id in header_only_places and (key in stored or key in has_body):
                continue  # we hold (or this batch brings) its body: a headers-first copy must not blank it
            out.append(replace(record, external_id=key, conversation_external_id=resolved[key]))
        elif isinstance(record, Conversation) and record.external_id in provisional:
            key = provisional[record.external_id]
            target = resolved[key]
            if target in existing:
                continue  # the agents own an existing conversation's state; reopen is handled below
            # copies of one message in the batch (true duplicates) are one message to read
            mine = replace(record, external_id=target,
                           unread=record.unread if key in new_inbound and key not in unread_counted else 0)
            unread_counted.add(key)
            merged[target] = _merge(merged.get(target), mine)
        else:
            out.append(record)
    out[0:0] = list(merged.values())  # conversations before the messages that point at them
    _reopen(conn, existing, new_inbound, resolved)
    return out, duplicates


def _pick(candidates: list[tuple[str, str, int]], h: MailHeaders) -> str:
    """The conversation of the message ``h`` refers to, when several messages carry that Message-ID (a
    contact form's fixed id): the one with the same customer, else the latest sent before ``h``."""
    same = [c for c in candidates if c[1] and c[1] == h.counterpart]
    before = [c for c in same or candidates if c[2] <= h.sent_at_epoch]
    return max(before or same or candidates, key=lambda c: (c[2], c[0]))[0]


def _same_subject(topic: tuple[str, str], at: int, batch: dict[tuple[str, str], tuple[str, int]],
                  earlier: dict[tuple[str, str], list[tuple[str, int]]]) -> str | None:
    """The conversation of the nearest mail with the same subject from the same customer, within the window."""
    if topic in batch and abs(batch[topic][1] - at) <= SUBJECT_WINDOW:
        return batch[topic][0]
    near = [(abs(sent - at), conversation) for conversation, sent in earlier.get(topic, ())
            if abs(sent - at) <= SUBJECT_WINDOW]
    return min(near)[1] if near else None


def _merge(old: Conversation | None, new: Conversation) -> Conversation:
    """Several messages of one new thread in a batch: one conversation, dated by its first message."""
    if old is None:
        return new
    first, last = (old, new) if old.created_at <= new.created_at else (new, old)
    return replace(first, updated_at=max(old.updated_at, new.updated_at), unread=old.unread + new.unread,
                   last_message_at=max(old.last_message_at or old.updated_at, new.last_message_at or new.updated_at),
                   contact_external_id=first.contact_external_id or last.contact_external_id)


def _upsert_locations(conn: Connection, account_id: int, headers: list[MailHeaders], resolved: dict[str, str]) -> None:
    mail_threads.upsert_places(conn, [
        (account_id, h.folder, h.message_external_id, h.uid, h.uidvalidity, h.rfc_message_id, h.in_reply_to,
         " ".join(h.references), subject_key(h.subject), h.counterpart, resolved[h.message_external_id],
         h.sent_at_epoch, int(h.inbound), " ".join(h.flags), h.content) for h in headers])


def _reopen(conn: Connection, existing: dict[str, tuple[int, str]], new_inbound: set[str],
            resolved: dict[str, str]) -> None:
    """The customer wrote again: a resolved or snoozed conversation opens, its unread count grows."""
    arrived = Counter(resolved[k] for k in new_inbound if resolved[k] in existing)
    mail_threads.reopen(conn, [existing[c][0] for c in arrived if existing[c][1] in (Status.RESOLVED, Status.SNOOZED)],
                        int(time.time()))
    mail_threads.add_unread(conn, [(existing[c][0], count) for c, count in arrived.items()])


# --- flags and deletions -----------------------------------------------------------------------


def _apply_flags(conn: Connection, account_id: int, changes: list[MailFlags]) -> set[str]:
    touched: set[str] = set()
    for change in changes:
        conversation = mail_threads.set_flags(conn, account_id, change.folder, change.uidvalidity, change.uid,
                                              " ".join(change.flags))
        if conversation is not None:
            touched.add(conversation)
    return touched


def _apply_snapshot(conn: Connection, account_id: int, snapshot: FolderSnapshot) -> set[str]:
    """Locations the folder no longer has are dropped; messages left with no location are deleted."""
    mail_failures.clear_gone(conn, account_id, snapshot.folder, snapshot.uidvalidity, snapshot.uids)
    gone_places = [(ext, conv, uid, validity)
                   for ext, uid, validity, conv in mail_threads.folder_places(conn, account_id, snapshot.folder)
                   if validity != snapshot.uidvalidity or uid not in snapshot.uids]
    if not gone_places:
        return set()
    mail_threads.delete_places(conn, account_id, snapshot.folder,
                               [(validity, uid) for _e, _c, uid, validity in gone_places])
    gone = list({(ext, conv) for ext, conv, _uid, _validity in gone_places})
    still_there = mail_threads.placed_messages(conn, account_id, [ext for ext, _conv in gone])
    deleted = [ext for ext, _conv in gone if ext not in still_there]
    conversation_ids = mail_threads.conversation_ids_of_messages(conn, account_id, deleted)
    mail_threads.delete_messages(conn, account_id, deleted)
    if conversation_ids:
        refresh_conversation_summaries(conn, conversation_ids)
        mail_threads.delete_empty_conversations(conn, conversation_ids)
    log.info("account %s folder %s: %d location(s) gone, %d message(s) deleted", account_id, snapshot.folder,
             len(gone), len(deleted))
    return {conv for _ext, conv in gone}


# --- attachments -------------------------------------------------------------------------------


def link_mail_attachments(conn: Connection, changes: AppliedChanges) -> None:
    """Apply hook: attachment rows of the batch whose bytes we hold get ``local_path`` (a named link), so
    the thread view opens and saves them like any downloaded attachment."""
    if not changes.conversation_ids:
        return
    root = blob_dir_for(conn)
    found = mail_threads.unlinked_attachments(conn, changes.account_id, list(changes.conversation_ids))
    updates = []
    for attachment_id, sha, filename in found:
        if blob_path(root, sha).is_file():
            updates.append((str(named_path(root, sha, filename)), attachment_id))
    mail_threads.set_local_paths(conn, updates)
