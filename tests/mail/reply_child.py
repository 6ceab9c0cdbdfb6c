"""`deskapp sync --once` as a process the mail kill -9 tests can stop at a chosen point and kill.

Usage: python -m tests.mail.reply_child STOP_AT DATA_DIR
STOP_AT is "-" (run to the end) or one point, where the process prints "AT <point>" and waits to be
killed: "accepted" (the server's 250 is on disk, the Sent copy not made yet) or "sent-copy" (the copy
is in Sent, the outbox not yet told). Points inside the SMTP transaction are held by the test's server.
"""

from __future__ import annotations

import sys
import threading

from deskapp.cli import main as deskapp_main
from deskapp.connectors.imap_smtp.connector import ImapSmtpConnector
from deskapp.domain import Handoff
from deskapp.store.outbox import OutboxStore


def _stop(point: str) -> None:
    print(f"AT {point}", flush=True)
    threading.Event().wait()  # until the kill


def _stop_at(point: str) -> None:
    if point == "accepted":
        record = OutboxStore.set_handoff

        def set_handoff(self, client_id, handoff):
            record(self, client_id, handoff)
            if handoff == Handoff.ACCEPTED:
                _stop(point)
        OutboxStore.set_handoff = set_handoff
    elif point == "sent-copy":
        append = ImapSmtpConnector._append_sent

        def append_sent(self, reply):
            append(self, reply)
            _stop(point)
        ImapSmtpConnector._append_sent = append_sent
    elif point != "-":
        raise SystemExit(f"unknown stop point {point!r}")


if __name__ == "__main__":
    _stop_at(sys.argv[1])
    sys.exit(deskapp_main(["--data-dir", sys.argv[2], "sync", "--once", "--json"]))
