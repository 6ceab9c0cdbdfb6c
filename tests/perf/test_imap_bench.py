"""Benchmark of issue 4: importing a mailbox from real Dovecot (IMAP fetch + MIME parse + threading + ingest
+ FTS), in messages per second, beside imapclient's raw fetch of the same messages in the same run.

The mailbox is written straight into Dovecot's Maildir (as an existing mailbox would be), then:
- baseline: imapclient SELECT + FETCH BODY.PEEK[] of every message, in pages of 1000, nothing else;
- deskapp: the sync engine with the email preprocessor, from an empty cache to every message committed.
Size: DESKAPP_BENCH_MAILS (default 10000). Run with ``make bench``.
DESIGN §8 target: 20k mails faster than mbsync + notmuch new (22.9 s), i.e. > 873 mails/s.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace

from deskapp.credentials import SecretStore
from deskapp.domain import AccountKind
from deskapp.services.mail_accounts import add_imap_account
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.sync.engine import SyncEngine
from deskapp.sync.mail_threading import preprocess_mail
from tests.mail.conftest import MAIL_UID, PASSWORD, Dovecot
from tests.perf.results import record

MAILS = int(os.environ.get("DESKAPP_BENCH_MAILS", "10000"))
TARGET_PER_SECOND = 20_000 / 22.9
_VOCABULARY = ("order parcel refund damaged size exchange tracking discount code delivery address cancel invoice"
               " payment shoes jacket wrong item late courier thanks please hello help return label box broken")
WORDS = tuple(_VOCABULARY.split(" "))


def _mail(rng: random.Random, n: int, threads: dict[int, list[str]]) -> bytes:
    customer = rng.randrange(max(1, MAILS // 5))
    msg = EmailMessage()
    msg["From"] = f"Customer {customer} <customer{customer}@mail.example>"
    msg["To"] = "support@shop.example"
    msg["Message-ID"] = f"<bench{n}@mail.example>"
    msg["Date"] = format_datetime(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
    chain = threads.setdefault(customer, [])
    subject = f"Order #{1000 + customer}"
    if chain and rng.random() < 0.6:  # a reply in the customer's thread
        msg["Subject"] = f"Re: {subject}"
        msg["In-Reply-To"] = chain[-1]
        msg["References"] = " ".join(chain[-10:])
    else:
        msg["Subject"] = subject
    chain.append(msg["Message-ID"])
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 200)))
    msg.set_content(body)
    if n % 3 == 0:
        msg.add_alternative(f"<html><body><p>{body}</p><img src='https://t.example/{n}.gif'></body></html>",
                            subtype="html")
    if n % 50 == 0:
        msg.add_attachment(rng.randbytes(20_000), maintype="application", subtype="pdf", filename=f"invoice{n}.pdf")
    return msg.as_bytes()


def _fill_maildir(server: Dovecot, user: str) -> int:
    cur = server.root / "home" / user / "Maildir" / "cur"
    cur.mkdir(parents=True)
    rng = random.Random(4)
    threads: dict[int, list[str]] = {}
    total = 0
    for n in range(MAILS):
        data = _mail(rng, n, threads)
        (cur / f"{1_700_000_000 + n}.M{n}P1.bench,S={len(data)}:2,").write_bytes(data)
        total += len(data)
    for folder in (server.root / "home" / user, *(server.root / "home" / user).rglob("*")):
        os.chown(folder, MAIL_UID, MAIL_UID)
    return total


def _raw_fetch(server: Dovecot, user: str) -> tuple[float, int]:
    started = time.perf_counter()
    client = server.client(user)
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    fetched = 0
    for start in range(0, len(uids), 1000):
        response = client.fetch(uids[start:start + 1000], ["BODY.PEEK[]"])
        fetched += sum(len(d[b"BODY[]"]) for d in response.values())
    client.logout()
    return time.perf_counter() - started, len(uids)


def test_import_mailbox_from_dovecot(tmp_path: Path) -> None:
    server = Dovecot().start()
    try:
        user = "bench@shop.example"
        server.add_user(user)
        size = _fill_maildir(server, user)
        warm = server.client(user)  # Dovecot indexes the new Maildir once; neither side should pay for that
        warm.select_folder("INBOX", readonly=True)
        warm.logout()

        raw_seconds, count = _raw_fetch(server, user)
        assert count == MAILS

        db = Database(tmp_path / "cache.sqlite3")
        migrate.upgrade(db)
        ws = SimpleNamespace(db=db, secrets=SecretStore())
        account_id = add_imap_account(ws, host="127.0.0.1", port=server.port, user=user, secret=PASSWORD,
                                      security="plain", email=user, folders=["INBOX"])
        engine = SyncEngine(db, ws.secrets, preprocessors={AccountKind.IMAP_SMTP: preprocess_mail})
        started = time.perf_counter()
        summary = engine.sync_account_once(account_id)
        seconds = time.perf_counter() - started
        assert summary.state == "online", summary.errors
        with db.read() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM message").scalar()
            threads = conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar()
            indexed = conn.exec_driver_sql("SELECT count(*) FROM message_fts WHERE message_fts MATCH 'parcel'").scalar()
        db.close()
        assert stored == MAILS and indexed > 0
        rate, raw_rate = MAILS / seconds, MAILS / raw_seconds
        print(f"\nIMAP import of {MAILS} mails ({size / 1e6:.1f} MB, {threads} conversations):"
              f" deskapp {seconds:.2f}s = {rate:.0f} mails/s; raw imapclient fetch {raw_seconds:.2f}s"
              f" = {raw_rate:.0f} mails/s; ratio {rate / raw_rate:.2f}")
        record("imap_import_mails_per_s", round(rate, 1), "mails/s", round(raw_rate, 1),
               f">= {TARGET_PER_SECOND:.0f} (20k in < 22.9 s, mbsync + notmuch new)")
        record("imap_import_seconds_per_10k", round(seconds * 10_000 / MAILS, 2), "s",
               round(raw_seconds * 10_000 / MAILS, 2), "<= 11.45")
        # The target is recorded, not asserted: on a shared 2-core runner the figure swings 2x with load
        # (the raw baseline beside it shows how loaded the run was). Correctness is asserted above.
    finally:
        server.stop()
