"""A new mailbox is usable first: its newest mails (highest UIDs) come first, with their bodies, and the rest is
backfilled; mail arriving during the backfill is not skipped; the end is every mail exactly once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from deskapp.connectors.imap_smtp import connector as mail_connector
from deskapp.connectors.imap_smtp.connector import BODY_PAGE
from deskapp.domain import Connectivity
from tests.mail.conftest import dovecot, make_mail  # noqa: F401 - the module's Dovecot
from tests.mail.helpers import engine_for, new_mailbox, rows, workspace

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MAILS = 2 * BODY_PAGE + 120


def fill(client, first: int, count: int) -> None:
    client.multiappend("INBOX", [make_mail(subject=f"Question {i}", message_id=f"<q{i}@customer.example>",
                                           body=f"Mail number {i}.", date=T0 + timedelta(minutes=i))
                                 for i in range(first, first + count)])


def by_uid_newest_first(client) -> list[str]:
    """The ids deskapp gives the folder's mails, highest UID first."""
    client.select_folder("INBOX", readonly=True)
    found = client.fetch("1:*", ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    ids = {uid: data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip().strip("<>")
           for uid, data in found.items()}
    return [f"mid:{ids[uid]}" for uid in sorted(ids, reverse=True)]


def held(db) -> list[str]:
    return [r[0] for r in rows(db, "SELECT external_id FROM message WHERE text <> ''")]


def test_the_newest_mails_come_first_then_the_backfill_completes(dovecot, db, monkeypatch):  # noqa: F811
    monkeypatch.setattr(mail_connector, "MAX_PAGE", BODY_PAGE)  # pages of 250 all along, as for large mails
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    client = dovecot.client(box.user)
    fill(client, 0, MAILS)
    newest = by_uid_newest_first(client)
    events, at_ready = [], {}

    def on_event(event):
        events.append(event)
        if "newest 250 mails ready" in event.message and not at_ready:
            at_ready["held"] = held(db)
            at_ready["walked"] = event.done
            fill(client, MAILS, 3)  # mail arriving during the backfill

    engine = engine_for(ws, on_event=on_event, first_ready=BODY_PAGE)
    summary = engine.sync_account_once(box.account_id)
    assert summary.state is Connectivity.ONLINE, summary.errors
    # the first page: exactly the newest mails, bodies and all
    assert at_ready["walked"] == BODY_PAGE and sorted(at_ready["held"]) == sorted(newest[:BODY_PAGE])
    progress = [e for e in events if "INBOX:" in e.message]
    # the 3 new mails join the backfill (fetched at once), then the older ones go on
    # The 3 new mails are fetched at once, as one page of their own, then the older ones go on. The engine
    # pulls the next page while it applies this one: when that pull came before the new mails, the new mails
    # come one page later.
    assert [(e.done, e.total) for e in progress] in (
        [(250, MAILS), (253, MAILS + 3), (503, MAILS + 3), (MAILS + 3, MAILS + 3)],
        [(250, MAILS), (500, MAILS), (503, MAILS + 3), (MAILS + 3, MAILS + 3)])
    assert progress[2].message == f"INBOX: newest 250 mails ready, backfilling 503 of {MAILS + 3}"
    assert progress[-1].message == f"INBOX: all {MAILS + 3} mails ready"

    everything = by_uid_newest_first(client)
    assert len(everything) == MAILS + 3
    assert sorted(held(db)) == sorted(everything)  # the backfill and the mail that came meanwhile, once each
    assert len(held(db)) == len(set(held(db)))
    assert engine.sync_account_once(box.account_id).new_messages == 0
    client.logout()


def _walk(db, dovecot, mails: int) -> list[tuple[int, int]]:  # noqa: F811
    """(mails fetched, mails to fetch) after each page of a new mailbox's first sync."""
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    client = dovecot.client(box.user)
    fill(client, 0, mails)
    client.logout()
    events: list = []
    engine = engine_for(ws, on_event=events.append, first_ready=BODY_PAGE)
    assert engine.sync_account_once(box.account_id).state is Connectivity.ONLINE
    assert len(held(db)) == mails
    return [(e.done, e.total) for e in events if "INBOX:" in e.message]


def test_a_backfill_of_small_mails_goes_on_in_larger_pages(dovecot, db):  # noqa: F811
    # The newest 250 first, as always; then the 370 left (about 500 bytes each) fit in one page.
    assert _walk(db, dovecot, MAILS) == [(250, MAILS), (MAILS, MAILS)]


def test_a_backfill_of_larger_mails_goes_on_in_pages_of_a_few_megabytes(dovecot, db, monkeypatch):  # noqa: F811
    size = len(make_mail(subject="Question 100", message_id="<q100@customer.example>", body="Mail number 100.",
                         date=T0)) + 10  # the server adds a line or so
    monkeypatch.setattr(mail_connector, "PAGE_BYTES", 100 * size)  # a hundred of these mails to a page
    walk = _walk(db, dovecot, MAILS)
    steps = [b[0] - a[0] for a, b in itertools.pairwise(walk)]
    assert walk[0] == (BODY_PAGE, MAILS) and walk[-1] == (MAILS, MAILS)
    assert len(steps) == 4 and all(90 <= step <= 110 for step in steps[:-1]), walk


def test_a_cursor_written_before_newest_first_still_fetches_what_waits(dovecot, db):  # noqa: F811
    """A cursor from before (headers of the newest fetched, bodies up to "b"): what waits still comes, once."""
    from deskapp.store import accounts as account_store

    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    client = dovecot.client(box.user)
    fill(client, 0, 40)
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    with db.write() as conn:
        account_store.set_cursor(conn, box.account_id, "INBOX",
                                 f'{{"v": {client.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"]},'
                                 f' "h": {uids[-1]}, "b": {uids[9]}, "m": 0, "f": [], "n": []}}')
    engine = engine_for(ws)
    assert engine.sync_account_once(box.account_id).state is Connectivity.ONLINE
    assert sorted(held(db)) == sorted(by_uid_newest_first(client)[:30])  # the 30 after "b", not the first 10
    client.logout()
