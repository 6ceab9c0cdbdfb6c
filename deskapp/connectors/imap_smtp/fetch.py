"""Fetching and reading messages for the mail connector, where no message is ever lost in silence.

A page is one FETCH; when the server refuses it (a damaged message file makes Dovecot answer NO for
the whole command), each message is fetched on its own so one bad message holds back no other. A
message that cannot be fetched or read becomes a ``MailImportFailed`` record with the reason and the
raw source we got; the connector fetches it again on its next pass.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import ProtocolError
from imapclient.imapclient import join_message_ids, seq_to_parenstr_upper
from imapclient.response_parser import parse_fetch_response

from deskapp.connectors.base import PayloadError, TransientError
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.connectors.imap_smtp.read_pool import ReadFailed, ReadPool, read_one
from deskapp.domain.mail import MailImportFailed

log = logging.getLogger(__name__)

# RFC822.SIZE and the header block on both passes: the body's size (one minus the other) is part of a
# message's identity, and must come out the same whether the headers or the whole message were fetched.
HEADER_ITEMS = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[HEADER]"]
BODY_ITEMS = [*HEADER_ITEMS, "BODY.PEEK[]"]

# (uid, FETCH data, header block, body size) -> the message's records; raises on a message it cannot read.
# The FETCH data holds FLAGS, INTERNALDATE and, on a full fetch, BODY[] (see fetch_page).
Reader = Callable[[int, dict, bytes, int], list]


@dataclass
class FetchedPage:
    """The records of a page, and which of its UIDs imported and which failed."""

    records: list = field(default_factory=list)
    imported: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    size: int = 0  # bytes the server sent for the messages read


def _raw_fetch(client: IMAPClient, uids: list[int], items: list[str]) -> list:
    """A UID FETCH's untagged responses as imaplib reads them, not yet parsed: parsing them is Python work
    that, for a large page, is done by a reading process (read_pool) rather than beside the sync's apply."""
    imap = client._imap
    tag = imap._command("UID", "FETCH", join_message_ids(uids), seq_to_parenstr_upper(items))
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    return imap._untagged_response(typ, data, "FETCH")[1]


def _fetch(session: ImapSession, folder: str, uids: list[int], items: list[str]) -> tuple[list, dict[int, str]]:
    """The FETCH response, unparsed, and the UIDs the server would not give with its reason."""
    try:
        return session.run(lambda c: _raw_fetch(c, uids, items)), {}
    except (PayloadError, TransientError) as exc:
        log.warning("FETCH of %d message(s) in %s failed (%s); fetching them one by one", len(uids), folder, exc)
    response: list = []
    refused: dict[int, str] = {}
    for uid in uids:
        try:
            _reselect(session, folder)
            response.extend(session.run(functools.partial(_raw_fetch, uids=[uid], items=items)))
        except PayloadError as exc:
            refused[uid] = f"the server refused to send it: {exc}"
        except TransientError as exc:
            # Either the network is gone (stop the pass, as for any outage) or the server drops the
            # connection whenever it reads this one message (a damaged file): only the latter is kept aside.
            _reselect(session, folder)
            refused[uid] = f"the server drops the connection when it sends this message: {exc}"
    return response, refused


def _reselect(session: ImapSession, folder: str) -> None:
    """The folder selected again after a reconnect; raises TransientError when the server is unreachable."""
    if session.selected != folder and session.select(folder) is None:
        raise PayloadError(f"the folder {folder} is gone")


def fetch_page(session: ImapSession, folder: str, validity: int, uids: Iterable[int], *, full: bool,
               read: Reader, pool: ReadPool | None = None) -> FetchedPage:
    """The page's records. ``read`` is given the message's FLAGS, INTERNALDATE (in UTC) and, on a full fetch,
    BODY[]; with a ``pool``, a large page is parsed and read in worker processes, so ``read`` must pickle."""
    wanted = sorted(set(uids))
    page = FetchedPage()
    if not wanted:
        return page
    items = BODY_ITEMS if full else HEADER_ITEMS
    refused: dict[int, str] = {}
    # A large page is fetched in parts, one per worker: each part is parsed while the next one arrives.
    count = pool.workers if pool is not None and len(wanted) >= pool.min_jobs else 1
    per_part = -(-len(wanted) // count)
    reads = []
    for part in (wanted[start:start + per_part] for start in range(0, len(wanted), per_part)):
        response, why = _fetch(session, folder, part, items)
        refused.update(why)
        if pool is not None and count > 1:
            reads.append((part, pool.submit(read_response, read, full, response)))
        else:
            reads.append((part, functools.partial(read_response, read, full, response)))
    outcomes: list[tuple[int, list | ReadFailed | str, int]] = []
    for part, result in reads:
        try:
            outcomes += result()
        except PayloadError as exc:  # one message's answer spoils the whole response: each is read on its own
            log.warning("the FETCH response for %d message(s) in %s cannot be read (%s); reading them one by one",
                        len(part), folder, exc)
            for uid in (u for u in part if u not in refused):
                one, why = _fetch(session, folder, [uid], items)
                refused.update(why)
                try:
                    outcomes += read_response(read, full, one)
                except PayloadError as one_exc:
                    refused[uid] = str(one_exc)
    for uid, outcome, sent in outcomes:
        if isinstance(outcome, str):
            refused[uid] = outcome
        elif isinstance(outcome, ReadFailed):  # a reader bug on hostile input: this message is kept aside
            log.error("folder %s uid %s: cannot read the message: %s\n%s", folder, uid, outcome.error, outcome.trace)
            page.records.append(MailImportFailed(folder, uid, validity, f"cannot read the message: {outcome.error}",
                                                 outcome.source))
            page.failed.add(uid)
        else:
            page.records.extend(outcome)
            page.imported.add(uid)
            page.size += sent
    for uid, reason in sorted(refused.items()):
        log.warning("folder %s uid %s: not imported: %s", folder, uid, reason)
        page.records.append(MailImportFailed(folder, uid, validity, reason, _header_of(session, folder, uid)))
        page.failed.add(uid)
    # UIDs in neither list were expunged since the SEARCH: the folder snapshot accounts for them.
    return page


def read_response(read: Reader, full: bool, response: list) -> list[tuple[int, list | ReadFailed | str, int]]:
    """(uid, outcome, bytes) of each message of an unparsed FETCH response, by UID: the outcome is the reader's
    records, ReadFailed, or why the message cannot be read (the server left out part of it)."""
    outcomes: list[tuple[int, list | ReadFailed | str, int]] = []
    try:
        parsed = parse_fetch_response(response, False, True)  # INTERNALDATE with its zone; keyed by UID
    except ProtocolError as exc:
        raise PayloadError(f"the server's FETCH response cannot be read: {exc}") from exc
    for uid in sorted(parsed):
        data = parsed[uid]
        header = data.get(b"BODY[HEADER]")
        raw = data.get(b"BODY[]") if full else header
        if header is None or raw is None:
            outcomes.append((int(uid), "the server sent the message without its " + ("body" if full else "header"), 0))
            continue
        size = int(data.get(b"RFC822.SIZE") or len(raw))
        job = (int(uid), _portable(data, full), header, max(0, size - len(header)))
        outcome = read_one(read, job)
        if isinstance(outcome, ReadFailed):
            outcome = replace(outcome, source=bytes(raw))
        outcomes.append((int(uid), outcome, len(raw)))
    return outcomes


def _portable(data: dict, full: bool) -> dict:
    """What a reader needs of a FETCH response, in types that pickle: imapclient's zone of INTERNALDATE does
    not, so the time is given in UTC (the same instant)."""
    internal = data.get(b"INTERNALDATE")
    if isinstance(internal, datetime) and internal.tzinfo is not None:
        internal = internal.astimezone(UTC)
    portable = {b"FLAGS": tuple(data.get(b"FLAGS") or ()), b"INTERNALDATE": internal}
    if full:
        portable[b"BODY[]"] = bytes(data[b"BODY[]"])
    return portable


def _header_of(session: ImapSession, folder: str, uid: int) -> bytes:
    """What the server still gives of a message it cannot send whole: its header block, or nothing."""
    try:
        _reselect(session, folder)
        data = session.run(lambda c: c.fetch([uid], ["BODY.PEEK[HEADER]"])).get(uid, {})
    except (PayloadError, TransientError):
        _reselect(session, folder)  # the pass goes on in this folder; an outage stops it here
        return b""
    return bytes(data.get(b"BODY[HEADER]") or b"")
