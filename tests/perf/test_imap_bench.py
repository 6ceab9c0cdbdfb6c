"""Benchmark of importing a mailbox from real Dovecot (IMAP fetch + MIME parse + threading + ingest
+ FTS), in messages per second, beside imapclient's raw fetch of the same messages in the same run.

The mailbox is written straight into Dovecot's Maildir (as an existing mailbox would be), then:
- baseline: imapclient SELECT + FETCH BODY.PEEK[] of every message, in pages of 1000, nothing else;
- deskapp: the sync engine with the email preprocessor, from an empty cache to every message committed.
- mbsync (isync) pulling the same mailbox into a Maildir, then `notmuch new` indexing it: what the performance budget
  compares with ("faster than mbsync + notmuch new, aiming at mbsync alone"), measured here in the same run;
- search: deskapp's search service against `notmuch search` over the same mails, the same first page of 50
  (notmuch as a process per query, as its users run it).
Size: DESKAPP_BENCH_MAILS (default 10000). Run with ``make bench`` (it installs isync and notmuch).
The budget's target: 20k mails faster than mbsync + notmuch new (22.9 s there), i.e. > 873 mails/s; the
aim: deskapp's import + parse + index no slower than mbsync's pull alone, in the same run.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace

from deskapp.domain import AccountKind
from deskapp.services.mail_accounts import add_imap_account
from deskapp.services.profile_secrets import secret_store
from deskapp.services.search import search
from deskapp.store import migrate
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore
from deskapp.sync.engine import SyncEngine
from deskapp.sync.mail_threading import preprocess_mail
from tests.mail.conftest import MAIL_UID, PASSWORD, Dovecot
from tests.perf.results import record
from tests.perf.timing import best_of

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


def _mbsync_then_notmuch(server: Dovecot, user: str, work: Path) -> tuple[float, float, dict[str, str]]:
    """(mbsync seconds, notmuch new seconds, notmuch's environment) for a pull of INBOX into ``work``."""
    (work / "mail").mkdir(parents=True)
    config = work / "mbsyncrc"
    config.write_text("\n".join([
        "IMAPAccount bench", "Host 127.0.0.1", f"Port {server.port}", f"User {user}", f"Pass {PASSWORD}",
        "SSLType None", "AuthMechs LOGIN", "", "IMAPStore remote", "Account bench", "",
        "MaildirStore local", f"Path {work}/mail/", f"Inbox {work}/mail/INBOX", "", "Channel bench",
        "Far :remote:", "Near :local:", "Patterns INBOX", "Sync Pull", "Create Near", "SyncState *", ""]))
    started = time.perf_counter()
    subprocess.run(["mbsync", "-q", "-c", str(config), "bench"], check=True, capture_output=True, timeout=600)
    mbsync_s = time.perf_counter() - started
    notmuch_config = work / "notmuch-config"
    notmuch_config.write_text(f"[database]\npath={work}/mail\n[user]\nname=Bench\nprimary_email={user}\n"
                              "[new]\ntags=inbox;\n[maildir]\nsynchronize_flags=false\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(notmuch_config)}
    started = time.perf_counter()
    subprocess.run(["notmuch", "new", "--quiet"], check=True, capture_output=True, timeout=600, env=env)
    return mbsync_s, time.perf_counter() - started, env


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
        profile = ProfileStore(tmp_path / "profile.sqlite3")
        ws = SimpleNamespace(db=db, secrets=secret_store(profile), profile=profile)
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
        assert stored == MAILS and indexed > 0
        rate, raw_rate = MAILS / seconds, MAILS / raw_seconds

        mbsync_s, notmuch_s, notmuch_env = _mbsync_then_notmuch(server, user, tmp_path / "notmuch")
        query = ["parcel", "damaged"]
        ours_ms = best_of(lambda: search(db, " ".join(query), limit=50)) * 1000
        theirs_ms = best_of(lambda: subprocess.run(["notmuch", "search", "--limit=50", *query], check=True,
                                                    capture_output=True, env=notmuch_env)) * 1000
        db.close()
        print(f"\nIMAP import of {MAILS} mails ({size / 1e6:.1f} MB, {threads} conversations):"
              f" deskapp {seconds:.2f}s = {rate:.0f} mails/s; raw imapclient fetch {raw_seconds:.2f}s"
              f" = {raw_rate:.0f} mails/s; ratio {rate / raw_rate:.2f}")
        print(f"same mailbox: mbsync {mbsync_s:.2f}s + notmuch new {notmuch_s:.2f}s = {mbsync_s + notmuch_s:.2f}s"
              f" (deskapp {seconds:.2f}s, {seconds / mbsync_s:.2f}x mbsync alone); search 'parcel damaged', limit 50:"
              f" deskapp {ours_ms:.1f} ms, notmuch search {theirs_ms:.1f} ms (a process per query)")
        record("imap_import_seconds_vs_mbsync_notmuch", round(seconds, 2), "s", round(mbsync_s + notmuch_s, 2),
               "< mbsync + notmuch new (baseline), aiming at mbsync alone")
        record("imap_import_seconds_vs_mbsync_alone", round(seconds, 2), "s", round(mbsync_s, 2),
               "<= mbsync alone (import + parse + index against its pull)")
        record("mail_search_ms_vs_notmuch", round(ours_ms, 1), "ms", round(theirs_ms, 1), "<= notmuch search")
        record("imap_import_mails_per_s", round(rate, 1), "mails/s", round(raw_rate, 1),
               f">= {TARGET_PER_SECOND:.0f} (20k in < 22.9 s, mbsync + notmuch new)")
        record("imap_import_seconds_per_10k", round(seconds * 10_000 / MAILS, 2), "s",
               round(raw_seconds * 10_000 / MAILS, 2), "<= 11.45")
        # The target is recorded, not asserted: on a shared 2-core runner the figure swings 2x with load
        # (the raw baseline beside it shows how loaded the run was). Correctness is asserted above.
    finally:
        server.stop()
