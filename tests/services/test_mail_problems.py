"""services.mail_problems: the messages a mailbox sync could not import, per account or all, and each one's raw
source saved as a mail file under a safe name, atomically; a failure that is gone or has no source says why."""

from __future__ import annotations

import pytest

from deskapp.domain.mail import MailImportFailed
from deskapp.services.mail_problems import MailProblemError, import_failures, raw_source_name, save_raw_source
from deskapp.store import mail_failures
from tests.faults.seed import seed_cache

T0 = 1_748_865_600
RAW = b"From: ann@example.com\r\nSubject: =?bad?Q?x?=\r\n\r\nbody\r\n"


def mailbox(db) -> int:
    return seed_cache(db, conversations=0, account_kind="imap_smtp")["account_id"]


def record(db, account_id: int, *failed: MailImportFailed) -> None:
    with db.write() as conn:
        mail_failures.record(conn, account_id, list(failed), T0)


def test_failures_of_one_account_or_all(db):
    acc = mailbox(db)
    record(db, acc, MailImportFailed("INBOX", 7, 1, "bad charset", RAW), MailImportFailed("Sent", 3, 1, "too big"))
    assert sorted((f.folder, f.uid) for f in import_failures(db)) == [("INBOX", 7), ("Sent", 3)]
    assert len(import_failures(db, acc)) == 2
    assert import_failures(db, acc + 100) == []


def test_the_raw_source_is_saved_as_a_mail_file(db, tmp_path):
    acc = mailbox(db)
    record(db, acc, MailImportFailed("INBOX", 7, 1, "bad charset", RAW))
    [failure] = import_failures(db)
    saved = save_raw_source(db, failure, tmp_path / "new" / "folder")
    assert saved == tmp_path / "new" / "folder" / f"account{acc}-INBOX-uid7.eml"
    assert saved.read_bytes() == RAW
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no partial file left beside it
    again = save_raw_source(db, failure, saved.parent)  # saving twice replaces the file
    assert again == saved and saved.read_bytes() == RAW


@pytest.mark.parametrize("folder", ["../../etc/passwd", "INBOX/Sub\\Dir", "Ünïcode:*?<>|", "." * 300])
def test_a_hostile_folder_name_stays_inside_the_chosen_folder(db, tmp_path, folder):
    acc = mailbox(db)
    record(db, acc, MailImportFailed(folder, 1, 1, "x", RAW))
    [failure] = import_failures(db)
    name = raw_source_name(failure)
    assert "/" not in name and "\\" not in name and name not in ("", ".", "..")
    saved = save_raw_source(db, failure, tmp_path / "out")
    assert saved.parent == tmp_path / "out" and saved.read_bytes() == RAW


def test_a_failure_without_source_says_so_and_writes_nothing(db, tmp_path):
    acc = mailbox(db)
    record(db, acc, MailImportFailed("INBOX", 9, 1, "the server gave nothing"))
    [failure] = import_failures(db)
    with pytest.raises(MailProblemError, match="the server gave nothing of this message"):
        save_raw_source(db, failure, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failure_imported_since_is_no_longer_waiting(db, tmp_path):
    acc = mailbox(db)
    record(db, acc, MailImportFailed("INBOX", 7, 1, "bad charset", RAW))
    [failure] = import_failures(db)
    with db.write() as conn:
        mail_failures.clear(conn, acc, [("INBOX", 1, 7)])
    assert import_failures(db) == []
    with pytest.raises(MailProblemError, match="no longer waiting"):
        save_raw_source(db, failure, tmp_path)


def test_a_folder_that_cannot_be_written_is_an_os_error_and_leaves_no_part_file(db, tmp_path):
    acc = mailbox(db)
    record(db, acc, MailImportFailed("INBOX", 7, 1, "bad charset", RAW))
    [failure] = import_failures(db)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        save_raw_source(db, failure, blocker)
    target = tmp_path / "out"
    target.mkdir()
    (target / raw_source_name(failure)).mkdir()  # the name is taken by a folder: the replace fails
    with pytest.raises(OSError):
        save_raw_source(db, failure, target)
    assert [p.name for p in target.iterdir()] == [raw_source_name(failure)]
