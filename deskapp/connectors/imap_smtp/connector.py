"""The imap_smtp connector for the sync engine: one stream per folder, pulled incrementally; replies sent
over SMTP and appended to Sent, never twice.

A folder's cursor is JSON ``{"v": UIDVALIDITY, "h": last UID seen, "b": every UID up to it has its body,
"t": every UID from it up to "h" has its body, "m": HIGHESTMODSEQ, "f": UIDs that failed to import in an
earlier pass, "n": ... in this pass}``: the mails between "b" and "t" wait for their bodies. A pass over a
folder: pages of the waiting mails, newest first (a new mailbox shows its newest mail at once, the rest
is backfilled; mail arriving during a backfill is fetched first, oldest first, so the waiting mails stay one
range), then one last page with flag changes (CONDSTORE CHANGEDSINCE when offered), the messages that
failed in earlier passes fetched again, and a snapshot of the folder's UIDs (the preprocessor turns
missing ones into deletions). A new UIDVALIDITY starts the folder over;
the preprocessor recognises the messages it already holds, so nothing is duplicated.

A reply's Message-ID comes from its outbox client id. A push first looks for it in Sent; then what an
earlier attempt recorded (``item.handoff``, see smtp.py) decides: accepted by the server -> only the Sent
copy is made; handed over without an answer -> a conflict for the agent ("may already have been sent"),
never a second send; nothing recorded -> sent now.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from operator import methodcaller

from imapclient.imapclient import SENT as SENT_FLAG

from deskapp.connectors.base import PayloadError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.fetch import fetch_page
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.connectors.imap_smtp.mapping import (
    client_message_id,
    content_fingerprint,
    map_message,
    message_key,
    root_message_id,
    root_variant,
)
from deskapp.connectors.imap_smtp.read_pool import ReadPool
from deskapp.connectors.imap_smtp.smtp import HandoffRecorder, SmtpRejected, send_message
from deskapp.connectors.mime import parse_headers, parse_message
from deskapp.domain import Batch, Handoff, OutboxItem, OutboxKind, PushResult
from deskapp.domain.mail import FolderSnapshot, MailFlags

log = logging.getLogger(__name__)

MAYBE_SENT = "this reply may already have been sent; check the customer's thread before sending again"
MAYBE_SENT_DETAIL = ("The mail server was handed this reply, but deskapp stopped (or lost the connection) before "
                     "the server confirmed it, and it is not in the Sent folder. Retry sends it once more; "
                     "Discard drops it.")
BODY_PAGE = 250  # the first page of a walk, and of mail that arrives during one: the newest show at once
# Later pages of a backfill are sized to about PAGE_BYTES of mail, between these: fewer, larger transactions
# for a mailbox of small mails, and no page that holds hundreds of large attachments at once.
PAGE_BYTES = 16 * 1024 * 1024
MIN_PAGE, MAX_PAGE = 25, 1000


def _flags(values) -> tuple[str, ...]:
    return tuple(sorted(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values or ()))


class ImapSmtpConnector:
    """Connector protocol (deskapp.connectors.base) for one mailbox."""

    messages_per_conversation = False  # folders are streams; no per-conversation message pulls
    records_handoff = True  # push() takes a recorder for the SMTP handoff (the replayer makes it durable)
    pulls_ahead = True  # the next page is fetched and parsed while the engine applies this one

    def __init__(self, config: MailConfig, secret: Callable[[], str], *, account_name: str = "") -> None:
        self.config = config
        self._secret = secret
        self.account_name = account_name
        self.session = ImapSession(config, secret)
        # One IMAP connection: the outbox replays conversations on several threads, so calls take turns.
        self._lock = threading.RLock()
        self._sent: str | None = None
        # folder -> (validity, "b", "t", "h", UIDs still waiting for their body, UIDs after "b")
        self._queue: dict[str, tuple[int, int, int, int, list[int], int]] = {}
        self._walks: dict[str, tuple[int, int]] = {}  # stream -> (fetched, total) of its backfill
        self._page_sizes: dict[str, int] = {}  # folder -> mails in its next backfill page (from the last one's bytes)
        self._readers = ReadPool()  # worker processes for a backfill's pages; stopped when a pass ends

    @property
    def sent_folder(self) -> str:
        """The configured Sent folder, or the server's \\Sent special-use folder when that name does not
        exist ("Sent Items", "[Gmail]/Sent Mail"...); looked up once per connector."""
        if self._sent is None:
            name = self.config.sent_folder

            def find(client):
                if client.folder_exists(name):
                    return name
                return client.find_special_folder(SENT_FLAG) or name
            self._sent = self.session.run(find)
        return self._sent

    def _folder(self, stream: str) -> str:
        return self.sent_folder if stream == self.config.sent_folder else stream

    # --- pulls -----------------------------------------------------------------------------------

    def streams(self) -> list[str]:
        return list(self.config.folders)

    def pull(self, stream: str, cursor: str | None) -> Batch:
        with self._lock:
            return self._pull(stream, cursor)

    def _pull(self, stream: str, cursor: str | None) -> Batch:
        folder = self._folder(stream)
        state = _read_cursor(cursor)
        info = self.session.select(folder)
        if info is None:  # e.g. no Sent folder yet: nothing to pull
            return Batch([], cursor, True)
        validity = int(info.get(b"UIDVALIDITY", 0))
        if state.get("v") != validity:
            if state.get("v") is not None:
                log.warning("folder %s: UIDVALIDITY changed %s -> %s, resyncing", folder, state.get("v"), validity)
            state = {"v": validity, "h": 0, "b": 0, "t": 1, "m": 0, "f": [], "n": []}
        highest_modseq = int(info.get(b"HIGHESTMODSEQ", 0) or 0)
        new_uids = self._uids_after(state["h"])
        if new_uids and state["t"] <= state["h"]:  # a backfill is under way: the new mail extends what is held
            page = new_uids[:BODY_PAGE]
            items = self._fetch(folder, validity, page, state, full=True)
            state["h"] = page[-1]
            if stream in self._walks:  # the backfill now also covers this mail
                fetched, total = self._walks[stream]
                self._walks[stream] = (fetched + len(page), total + len(page))
            return Batch(items, json.dumps(state), False)
        if new_uids:  # nothing held above the waiting range: it grows to the newest mail
            state["h"] = new_uids[-1]
            state["t"] = state["h"] + 1
        waiting, total = self._body_queue(folder, validity, state)
        if waiting:
            size = BODY_PAGE if len(waiting) == total else self._page_sizes.get(folder, BODY_PAGE)
            page, rest = waiting[-size:], waiting[:-size]
            # A message the server would not send this pass waits for the next one.
            items = self._fetch(folder, validity, [u for u in page if u not in state["n"]], state, full=True)
            if rest:
                state["t"] = page[0]
            else:
                state["b"], state["t"] = state["h"], state["h"] + 1
            self._queue[folder] = (validity, state["b"], state["t"], state["h"], rest, total)
            if total > BODY_PAGE:  # a backfill (a first sync, or a long absence): its progress is told
                self._walks[stream] = (total - len(rest), total)
            return Batch(items, json.dumps(state), False)
        self._walks.pop(stream, None)
        items = self._flag_changes(folder, validity, state)
        uids = frozenset(int(u) for u in self.session.run(lambda c: c.search(["UNDELETED"])))
        # Failures of earlier passes are fetched again; this pass's wait for the next one.
        retry, state["f"] = [u for u in state["f"] if u in uids], []
        items += self._fetch(folder, validity, retry, state, full=True, failures="f")
        state["f"], state["n"] = sorted(set(state["f"]) | (set(state["n"]) & uids)), []
        items.append(FolderSnapshot(folder, validity, uids))
        state["m"] = highest_modseq
        self._readers.close()  # the folder is walked: an idle app keeps no reading processes
        return Batch(items, json.dumps(state), True)

    def _body_queue(self, folder: str, validity: int, state: dict) -> tuple[list[int], int]:
        """(UIDs waiting for their body, ascending; how many UIDs after "b" up to "h" there are), with one
        SEARCH per pass, not one per page."""
        queued = self._queue.get(folder)
        # Only while no new mail came in: a queue left by an earlier pass would skip the new bodies.
        if queued is not None and queued[:4] == (validity, state["b"], state["t"], state["h"]):
            return queued[4], queued[5]
        after = [uid for uid in self._uids_after(state["b"]) if uid <= state["h"]]
        return [uid for uid in after if uid < state["t"]], len(after)

    def walk_progress(self, stream: str) -> tuple[int, int] | None:
        """(mails of the folder's backfill fetched, mails it has) after the last pull, when it was a page of
        a backfill; else None."""
        return self._walks.get(stream)

    def _uids_after(self, uid: int) -> list[int]:
        found = self.session.run(lambda c: c.search(["UID", f"{uid + 1}:*"]))
        return sorted(int(u) for u in found if int(u) > uid)  # "n:*" always matches the last message

    def _fetch(self, folder: str, validity: int, uids: list[int], state: dict, *, full: bool,
               failures: str = "n") -> list:
        """Records of these messages. UIDs that fail join ``state[failures]`` to be fetched again on a
        later pass; UIDs that import leave this pass's list."""
        read = functools.partial(read_fetched, MailContext(
            folder=folder, validity=validity, own_address=self.config.own_address, sent_folder=self.sent_folder,
            max_attachment_bytes=self.config.max_attachment_bytes, account_name=self.account_name, full=full))
        page = fetch_page(self.session, folder, validity, uids, full=full, read=read, pool=self._readers)
        if page.imported and page.size:
            self._page_sizes[folder] = max(MIN_PAGE, min(MAX_PAGE, PAGE_BYTES * len(page.imported) // page.size))
        state["n"] = sorted(set(state["n"]) - page.imported)
        state[failures] = sorted(set(state[failures]) | page.failed)
        return page.records

    def _flag_changes(self, folder: str, validity: int, state: dict) -> list:
        if not state["h"] or (self.session.condstore and not state.get("m")):
            return []  # nothing yet, or the first pass: every flag was just fetched with its message
        modifiers = [f"CHANGEDSINCE {state['m']}"] if self.session.condstore and state.get("m") else None
        response = self.session.run(lambda c: c.fetch(f"1:{state['h']}", ["UID", "FLAGS"], modifiers=modifiers))
        return [MailFlags(folder, int(uid), validity, _flags(data.get(b"FLAGS"))) for uid, data in response.items()]

    # --- pushes ----------------------------------------------------------------------------------

    def push(self, item: OutboxItem, handoff: HandoffRecorder | None = None) -> PushResult:
        """Send a reply (other kinds stay local); ``handoff`` makes each step of the SMTP send durable."""
        with self._lock:
            return self._push(item, handoff)

    def _push(self, item: OutboxItem, handoff: HandoffRecorder | None) -> PushResult:
        if item.kind != OutboxKind.REPLY:
            # Notes, status, assignment, labels, priority, snooze: a mailbox has no such thing; they stay local.
            return PushResult(ok=True, detail={"local": True})
        message_id = client_message_id(item.client_id)
        external_id = message_key(message_id, "")
        if item.handoff == Handoff.HANDED:
            return self._maybe_sent(message_id, external_id)
        if self._in_folder(self.sent_folder, message_id):  # our copy, or the server's own (Gmail, Exchange)
            return PushResult(ok=True, external_id=external_id, detail={"already_sent": True})
        text = str(item.payload.get("text") or "")
        target = self._reply_target(item.conversation_external_id or "")
        if item.handoff == Handoff.ACCEPTED:  # the server took it before a crash; only the Sent copy is missing
            detail = {"message_id": message_id, "sent_before_restart": True}
            try:
                copy = self._compose(target, text, message_id) if target is not None else None
            except PayloadError:
                copy = None
            if copy is None:
                log.warning("reply %s was sent, but its thread is gone: no copy for Sent", message_id)
            return PushResult(ok=True, external_id=external_id, detail={**detail, **self._copy_to_sent(copy)})
        if target is None:
            return PushResult(ok=False, conflict="the message to reply to is no longer in the mailbox")
        reply = self._compose(target, text, message_id)
        try:
            send_message(self.config, self._secret(), reply, handoff)
        except SmtpRejected as exc:
            return PushResult(ok=False, conflict=str(exc))
        return PushResult(ok=True, external_id=external_id,
                          detail={"message_id": message_id, **self._copy_to_sent(reply)})

    def _maybe_sent(self, message_id: str, external_id: str) -> PushResult:
        """An earlier attempt handed the reply over and got no answer: sent only if Sent shows it (servers
        that file what they relay); otherwise the agent decides, after looking at the customer's thread."""
        try:
            found = self._in_folder(self.sent_folder, message_id)
        except PayloadError as exc:  # the search failed: still a question for the agent, not a retry loop
            log.warning("cannot look for %s in Sent: %s", message_id, exc)
            found = False
        if found:
            return PushResult(ok=True, external_id=external_id, detail={"already_sent": True})
        return PushResult(ok=False, conflict=MAYBE_SENT, detail={"message": MAYBE_SENT_DETAIL})

    def _copy_to_sent(self, reply: EmailMessage | None) -> dict:
        """The Sent copy of a reply the server accepted. A dropped IMAP connection raises (the item is pushed
        again later and, being accepted, only copied); a refusal (quota...) is logged: the reply went out."""
        if reply is None or not self.config.append_to_sent:
            return {}
        try:
            self._append_sent(reply)
        except PayloadError as exc:
            log.warning("reply %s was sent, but the copy to %s failed: %s", reply["Message-ID"], self.sent_folder, exc)
            return {"sent_copy": f"not saved: {exc}"}
        return {}

    def _in_folder(self, folder: str, message_id: str) -> bool:
        if self.session.select(folder) is None:
            return False
        return bool(self.session.run(lambda c: c.search(["HEADER", "Message-ID", message_id])))

    def _reply_target(self, conversation_external_id: str):
        """The newest message of the thread (the customer's, when there is one) from INBOX and Sent.

        When several messages carry the root's Message-ID (a contact form's fixed id), the conversation
        names which one by its content; only that one and mail exchanged with its sender count."""
        root = root_message_id(conversation_external_id)
        if root is None:
            return None
        variant = root_variant(conversation_external_id)
        found = []
        for folder in dict.fromkeys((*(self._folder(f) for f in self.config.folders), self.sent_folder)):
            if self.session.select(folder) is None:
                continue
            uids = self.session.run(methodcaller(
                "search", ["OR", "HEADER", "Message-ID", root, "HEADER", "References", root]))
            if not uids:
                continue
            response = self.session.run(methodcaller("fetch", uids, ["RFC822.SIZE", "BODY.PEEK[HEADER]"]))
            for data in response.values():
                raw = data.get(b"BODY[HEADER]", b"")
                headers = parse_headers(raw)
                if not headers.message_id or not (headers.message_id == root or root in headers.references):
                    continue
                is_root = headers.message_id == root
                if variant and is_root and not content_fingerprint(
                        raw, int(data.get(b"RFC822.SIZE") or 0) - len(raw)).startswith(variant):
                    continue  # another message that carries the same Message-ID
                from_us = headers.sender is not None and headers.sender.email == self.config.own_address
                found.append((not from_us, headers.date or datetime.min.replace(tzinfo=UTC), headers, is_root))
        if variant:
            roots = [f[2] for f in found if f[3]]
            if not roots:
                return None
            people = {a.email for a in (roots[0].sender, *roots[0].reply_to) if a is not None and a.email}
            found = [f for f in found if f[3] or {a.email for a in (f[2].sender, *f[2].to, *f[2].cc) if a} & people]
        if not found:
            return None
        inbound = [f for f in found if f[0]]
        return max(inbound or found, key=lambda f: f[1])[2]

    def _compose(self, target, text: str, message_id: str) -> EmailMessage:
        cfg = self.config
        reply = EmailMessage()
        reply["From"] = formataddr((cfg.display_name, cfg.own_address)) if cfg.display_name else cfg.own_address
        recipients = target.reply_to or ((target.sender,) if target.sender else ())
        if target.sender is not None and target.sender.email == cfg.own_address:
            recipients = target.to  # our own last message: write to whom it went
        addresses = [formataddr((a.name, a.email)) for a in recipients if a.email]
        if not addresses:
            raise PayloadError("the message to reply to has no address to answer")
        reply["To"] = ", ".join(addresses)
        subject = target.subject or ""
        reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
        reply["Message-ID"] = message_id
        reply["Date"] = format_datetime(datetime.now(UTC))
        if target.message_id:
            reply["In-Reply-To"] = target.message_id
            refs = [*target.references, target.message_id]
            reply["References"] = " ".join(dict.fromkeys(refs[:1] + refs[-19:]))  # first + most recent
        reply["Auto-Submitted"] = "no"
        reply.set_content(text)
        return reply

    def _append_sent(self, reply: EmailMessage) -> None:
        folder = self.sent_folder

        def do(client):
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, reply.as_bytes(), flags=(b"\\Seen",), msg_time=datetime.now(UTC))
        self.session.run(do)
        self.session.selected = None

    def close(self) -> None:
        with self._lock:
            self._readers.close()
            self.session.close()


@dataclass(frozen=True)
class MailContext:
    """What reading a fetched mail needs besides the mail: it travels to the reading process with the page."""

    folder: str
    validity: int
    own_address: str
    sent_folder: str
    max_attachment_bytes: int
    account_name: str
    full: bool


def read_fetched(context: MailContext, uid: int, data: dict, header: bytes, body_size: int) -> list:
    """The records of one fetched mail (parsed, then mapped); in a worker process for a large page."""
    raw = data[b"BODY[]"] if context.full else header
    mail = parse_message(raw) if context.full else parse_headers(header)
    internal = data.get(b"INTERNALDATE")
    return map_message(
        folder=context.folder, uid=uid, uidvalidity=context.validity, flags=_flags(data.get(b"FLAGS")),
        internal_date=internal if isinstance(internal, datetime) else None, raw_headers=header,
        body_size=body_size, headers=mail, own_address=context.own_address, sent_folder=context.sent_folder,
        max_attachment_bytes=context.max_attachment_bytes, account_name=context.account_name,
        body=raw[len(header):] if raw.startswith(header) else raw)


def _read_cursor(cursor: str | None) -> dict:
    try:
        state = json.loads(cursor) if cursor else {}
        seen = int(state.get("h", 0))
        # a cursor without "t" (written before mail came newest first) waits for everything after "b"
        return {"v": state.get("v"), "h": seen, "b": int(state.get("b", 0)),
                "t": min(int(state.get("t", seen + 1)), seen + 1), "m": int(state.get("m", 0)),
                "f": sorted(int(u) for u in state.get("f", ())), "n": sorted(int(u) for u in state.get("n", ()))}
    except (ValueError, TypeError, AttributeError):
        return {"v": None, "h": 0, "b": 0, "t": 1, "m": 0, "f": [], "n": []}
