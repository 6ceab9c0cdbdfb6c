"""Fetching and reading messages for the mail connector, where no message is ever lost in silence.

A page is one FETCH; when the server refuses it (a damaged message file makes Dovecot answer NO for
the whole command), each message is fetched on its own so one bad message holds back no other. A
message that cannot be fetched or read becomes a ``MailImportFailed`` record with the reason and the
raw source we got; the connector fetches it again on its next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import methodcaller

from deskapp.connectors.base import PayloadError, TransientError
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.domain.mail import MailImportFailed

log = logging.getLogger(__name__)

# RFC822.SIZE and the header block on both passes: the body's size (one minus the other) is part of a
# message's identity, and must come out the same whether the headers or the whole message were fetched.
HEADER_ITEMS = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[HEADER]"]
BODY_ITEMS = [*HEADER_ITEMS, "BODY.PEEK[]"]

# (uid, FETCH data, header block, body size) -> the message's records; raises on a message it cannot read.
Reader = Callable[[int, dict, bytes, int], list]


@dataclass
class FetchedPage:
    """The records of a page, and which of its UIDs imported and which failed."""

    records: list = field(default_factory=list)
    imported: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)


def _fetch(session: ImapSession, folder: str, uids: list[int], items: list[str]) -> tuple[dict, dict[int, str]]:
    """The FETCH response by UID, and the UIDs the server would not give with its reason."""
    try:
        return session.run(lambda c: c.fetch(uids, items)), {}
    except (PayloadError, TransientError) as exc:
        log.warning("FETCH of %d message(s) in %s failed (%s); fetching them one by one", len(uids), folder, exc)
    response: dict = {}
    refused: dict[int, str] = {}
    for uid in uids:
        try:
            _reselect(session, folder)
            response.update(session.run(methodcaller("fetch", [uid], items)))
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
               read: Reader) -> FetchedPage:
    wanted = sorted(set(uids))
    page = FetchedPage()
    if not wanted:
        return page
    response, refused = _fetch(session, folder, wanted, BODY_ITEMS if full else HEADER_ITEMS)
    for uid in sorted(response):
        data = response[uid]
        header = data.get(b"BODY[HEADER]")
        raw = data.get(b"BODY[]") if full else header
        if header is None or raw is None:
            refused[int(uid)] = "the server sent the message without its " + ("body" if full else "header")
            continue
        try:
            size = int(data.get(b"RFC822.SIZE") or len(raw))
            records = read(int(uid), data, header, max(0, size - len(header)))
        except Exception as exc:  # a reader bug on hostile input: this message is kept aside, the page goes on
            log.exception("folder %s uid %s: cannot read the message", folder, uid)
            page.records.append(MailImportFailed(folder, int(uid), validity, f"cannot read the message: {exc}",
                                                 bytes(raw)))
            page.failed.add(int(uid))
            continue
        page.records.extend(records)
        page.imported.add(int(uid))
    for uid, reason in sorted(refused.items()):
        log.warning("folder %s uid %s: not imported: %s", folder, uid, reason)
        page.records.append(MailImportFailed(folder, uid, validity, reason, _header_of(session, folder, uid)))
        page.failed.add(uid)
    # UIDs in neither list were expunged since the SEARCH: the folder snapshot accounts for them.
    return page


def _header_of(session: ImapSession, folder: str, uid: int) -> bytes:
    """What the server still gives of a message it cannot send whole: its header block, or nothing."""
    try:
        _reselect(session, folder)
        data = session.run(lambda c: c.fetch([uid], ["BODY.PEEK[HEADER]"])).get(uid, {})
    except (PayloadError, TransientError):
        _reselect(session, folder)  # the pass goes on in this folder; an outage stops it here
        return b""
    return bytes(data.get(b"BODY[HEADER]") or b"")
