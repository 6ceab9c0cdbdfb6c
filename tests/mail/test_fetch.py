"""connectors.imap_smtp.fetch against real Dovecot: a page is fetched whole (headers only or full), a message the
reader cannot read or the server cannot send is kept aside with its reason and what the server gave, the others
of the page import, and UIDs gone from the folder are in neither list."""

from __future__ import annotations

import pytest

from deskapp.connectors.imap_smtp.fetch import fetch_page
from deskapp.domain.mail import MailImportFailed
from tests.mail.conftest import free_port, make_mail
from tests.mail.helpers import inbox_session


@pytest.fixture
def mailbox(dovecot):
    """A user with three messages in INBOX (UIDs 1-3), and a session selected on it."""
    user = f"fetch-{free_port()}@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    for n in range(3):
        client.append("INBOX", make_mail(message_id=f"<fetch{n}@customer.example>", body=f"Fetch body {n}. " * 10))
    client.logout()
    session, validity = inbox_session(dovecot, user)
    yield user, session, validity
    session.close()


def reader(seen: list):
    def read(uid: int, data: dict, header: bytes, body_size: int) -> list:
        seen.append((uid, header.startswith(b"From:") or b"Message-ID" in header, body_size, b"BODY[]" in data))
        return [f"record-{uid}"]
    return read


def test_a_full_page_reads_every_message_with_its_body_size(mailbox):
    _user, session, validity = mailbox
    seen: list = []
    page = fetch_page(session, "INBOX", validity, [3, 1, 2, 2], full=True, read=reader(seen))
    assert page.records == ["record-1", "record-2", "record-3"] and page.imported == {1, 2, 3} and not page.failed
    assert [uid for uid, *_ in seen] == [1, 2, 3]
    assert all(has_header and size > 100 and has_body for _, has_header, size, has_body in seen)


def test_headers_only_give_the_same_body_size(mailbox):
    _user, session, validity = mailbox
    full, heads = [], []
    fetch_page(session, "INBOX", validity, [1], full=True, read=reader(full))
    fetch_page(session, "INBOX", validity, [1], full=False, read=reader(heads))
    assert full[0][2] == heads[0][2] and heads[0][3] is False


def test_nothing_asked_is_an_empty_page(mailbox):
    _user, session, validity = mailbox
    page = fetch_page(session, "INBOX", validity, [], full=True, read=reader([]))
    assert (page.records, page.imported, page.failed) == ([], set(), set())


def test_a_message_the_reader_cannot_read_is_kept_aside_with_its_source(mailbox):
    _user, session, validity = mailbox

    def read(uid, data, header, body_size):
        if uid == 2:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return [uid]

    page = fetch_page(session, "INBOX", validity, [1, 2, 3], full=True, read=read)
    assert page.imported == {1, 3} and page.failed == {2}
    [failed] = [r for r in page.records if isinstance(r, MailImportFailed)]
    assert (failed.folder, failed.uid, failed.uidvalidity) == ("INBOX", 2, validity)
    assert failed.reason.startswith("cannot read the message: 'utf-8' codec") and b"fetch1@customer" in failed.raw


def test_uids_gone_from_the_folder_are_in_neither_list(mailbox):
    _user, session, validity = mailbox
    page = fetch_page(session, "INBOX", validity, [2, 40, 41], full=False, read=reader([]))
    assert page.imported == {2} and page.failed == set()


def test_a_damaged_message_file_is_kept_aside_and_the_others_import(dovecot, mailbox):
    user, session, validity = mailbox
    [damaged] = [p for p in (dovecot.root / "home" / user / "Maildir").glob("*/*")
                 if p.is_file() and b"Fetch body 1." in p.read_bytes()]
    damaged.write_bytes(damaged.read_bytes()[:100])  # Dovecot can no longer send it
    session.close()
    session.select("INBOX")
    page = fetch_page(session, "INBOX", validity, [1, 2, 3], full=True, read=reader([]))
    assert page.imported == {1, 3} and page.failed == {2}
    [failed] = [r for r in page.records if isinstance(r, MailImportFailed)]
    assert failed.uid == 2 and failed.reason.startswith("the server")


def test_a_fetch_response_that_cannot_be_parsed_is_a_payload_error():
    from deskapp.connectors.base import PayloadError
    from deskapp.connectors.imap_smtp.fetch import read_response

    with pytest.raises(PayloadError, match="FETCH response cannot be read"):
        read_response(reader([]), True, [b"1 (UID 1 FLAGS (\\Seen) BODY[] {5}"])  # a literal announced, not sent
    assert read_response(reader([]), True, []) == []
    # a message the server answered for without its parts: told, not read
    assert read_response(reader([]), True, [b"7 (UID 7 FLAGS () RFC822.SIZE 10)"]) == [
        (7, "the server sent the message without its body", 0)]
