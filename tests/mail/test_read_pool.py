"""connectors.imap_smtp.read_pool with fetch_page against real Dovecot: a large page is parsed and read in worker
processes with the same records as when read here; a small page never starts one; a reader that fails in a
worker keeps its message aside with its source; a worker that dies leaves its part to be read here; and a
worker whose parent is killed does not outlive it."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from deskapp.connectors.imap_smtp.connector import MailContext, read_fetched
from deskapp.connectors.imap_smtp.fetch import fetch_page
from deskapp.connectors.imap_smtp.read_pool import ReadPool
from deskapp.domain import Message
from deskapp.domain.mail import MailImportFailed
from tests.mail.conftest import free_port, make_mail
from tests.mail.helpers import inbox_session

MAILS = 80  # above read_pool.MIN_JOBS: a page the pool reads in workers


@pytest.fixture
def mailbox(dovecot):
    """A user with MAILS messages in INBOX, and a session selected on it: (session, validity, uids)."""
    user = f"pool-{free_port()}@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    client.multiappend("INBOX", [make_mail(message_id=f"<pool{n}@customer.example>", body=f"Pool body {n}. " * 20,
                                           attachment=("note.txt", b"x" * 300) if n % 10 == 0 else None)
                                 for n in range(MAILS)])
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    client.logout()
    session, validity = inbox_session(dovecot, user)
    yield session, validity, uids
    session.close()


def where_read(uid: int, data: dict, header: bytes, body_size: int) -> list:
    """A reader that tells which process read the message."""
    return [(uid, os.getpid())]


def fails_on_seven(uid: int, data: dict, header: bytes, body_size: int) -> list:
    if b"pool7@" in header:
        raise ValueError("unexpected structure")
    return [uid]


def dies_in_a_worker(uid: int, data: dict, header: bytes, body_size: int) -> list:
    if multiprocessing.parent_process() is not None:
        os._exit(3)  # as a crash in a parser would end the worker
    return [(uid, os.getpid())]


def _context(full: bool = True) -> MailContext:
    return MailContext(folder="INBOX", validity=0, own_address="support@shop.example", sent_folder="Sent",
                       max_attachment_bytes=10_000_000, account_name="Support", full=full)


def test_a_large_page_is_read_in_workers_with_the_records_read_here(mailbox):
    session, validity, uids = mailbox
    read = functools.partial(read_fetched, _context())
    pool = ReadPool(2)
    try:
        here = fetch_page(session, "INBOX", validity, uids, full=True, read=read)
        there = fetch_page(session, "INBOX", validity, uids, full=True, read=read, pool=pool)
        places = fetch_page(session, "INBOX", validity, uids, full=True, read=where_read, pool=pool)
    finally:
        pool.close()
    assert here.imported == there.imported == set(uids) and not there.failed
    assert there.records == here.records and there.size == here.size > MAILS * 300
    texts = [r.text for r in there.records if isinstance(r, Message)]
    assert len(texts) == MAILS and all(t.startswith("Pool body") for t in texts)
    readers = {pid for _uid, pid in places.records}
    assert len(readers) == 2 and os.getpid() not in readers  # the page in two parts, one per worker


def test_a_small_page_is_read_here_without_starting_a_worker(mailbox):
    session, validity, uids = mailbox
    pool = ReadPool(2)
    page = fetch_page(session, "INBOX", validity, uids[:10], full=True, read=where_read, pool=pool)
    assert {pid for _uid, pid in page.records} == {os.getpid()}
    assert pool._executor is None


def test_a_message_the_reader_fails_on_in_a_worker_is_kept_aside_with_its_source(mailbox, caplog):
    session, validity, uids = mailbox
    pool = ReadPool(2)
    try:
        page = fetch_page(session, "INBOX", validity, uids, full=True, read=fails_on_seven, pool=pool)
    finally:
        pool.close()
    [failed] = [r for r in page.records if isinstance(r, MailImportFailed)]
    assert failed.uid == uids[7] and page.failed == {uids[7]} and page.imported == set(uids) - {uids[7]}
    assert failed.reason == "cannot read the message: unexpected structure"
    assert b"pool7@customer.example" in failed.raw and b"Pool body 7." in failed.raw
    assert "ValueError: unexpected structure" in caplog.text  # the worker's traceback, in our log


def test_a_worker_that_dies_leaves_its_part_to_be_read_here(mailbox, caplog):
    session, validity, uids = mailbox
    pool = ReadPool(2)
    try:
        page = fetch_page(session, "INBOX", validity, uids, full=True, read=dies_in_a_worker, pool=pool)
        assert pool._executor is None  # the broken workers are gone; the next large page starts new ones
    finally:
        pool.close()
    assert page.imported == set(uids) and {pid for _uid, pid in page.records} == {os.getpid()}
    assert "a mail reading process failed" in caplog.text


_PARENT = """
import os, sys, time
from deskapp.connectors.imap_smtp.read_pool import ReadPool
pool = ReadPool(2)
first = pool.submit(os.getpid)
print(first(), flush=True)
pool.submit(time.sleep, 600)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_do_not_outlive_a_parent_killed_with_sigkill():
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        parent.stdout.close()  # the worker holds this pipe too: nothing may wait for it to close
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 20
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker)
    finally:
        parent.kill()
        parent.wait()


def test_a_reading_process_starts_and_answers():
    from deskapp.connectors.imap_smtp.read_pool import worker_starts

    assert worker_starts()
