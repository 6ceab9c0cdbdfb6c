"""ui.not_imported_panel: the mailbox messages the sync could not import: hidden while there are none, each
said with its account, folder, reason and tries, and its raw source saved (or refused with the reason)."""

from __future__ import annotations

import pytest

from deskapp.domain.mail import MailImportFailed
from deskapp.store import mail_failures
from deskapp.ui.not_imported_panel import NotImportedPanel
from deskapp.ui.tasks import TaskRunner
from tests.faults.seed import seed_cache

T0 = 1_748_865_600  # 2025-06-02 12:00 UTC


@pytest.fixture
def account(db) -> int:
    return seed_cache(db, conversations=0, account_kind="imap_smtp")["account_id"]


@pytest.fixture
def panel(qtbot, db):
    tasks = TaskRunner()
    widget = NotImportedPanel(db, tasks)
    qtbot.addWidget(widget)
    yield widget
    tasks.wait(10_000)


def fail(db, account: int, *failures: MailImportFailed) -> None:
    with db.write() as conn:
        mail_failures.record(conn, account, list(failures), T0)


def loaded(qtbot, panel, names) -> None:
    before = panel.failures
    panel.reload(names)
    qtbot.waitUntil(lambda: not panel.tasks.busy(), timeout=10_000)
    assert panel.failures is not before


def test_hidden_while_every_message_imported(qtbot, panel):
    loaded(qtbot, panel, {})
    assert panel.isHidden() and panel.list.count() == 0


def test_each_message_is_said_with_its_account_reason_and_tries(qtbot, db, panel, account):
    fail(db, account, MailImportFailed("INBOX", 42, 1, "undecodable charset x-unknown", b"From: a\r\n\r\nhi"))
    fail(db, account, MailImportFailed("INBOX", 42, 1, "undecodable charset x-unknown", b""))
    loaded(qtbot, panel, {account: "Support mailbox"})
    assert not panel.isHidden() and panel.list.count() == 1
    assert panel.list.item(0).text() == ("Support mailbox · INBOX · message 42 — undecodable charset x-unknown"
                                         " (tried 2×, since 2025-06-02 12:00 UTC)")
    assert "1 message(s) could not be imported" in panel.title.text()


def test_the_source_is_saved_as_an_eml_file(qtbot, db, panel, account, tmp_path):
    fail(db, account, MailImportFailed("Archive/2024", 7, 1, "broken MIME", b"From: b\r\n\r\nbody"))
    loaded(qtbot, panel, {})
    panel.save_source(str(tmp_path))
    qtbot.waitUntil(lambda: panel.result.text().startswith("Saved"), timeout=10_000)
    (saved,) = tmp_path.glob("*.eml")
    assert saved.read_bytes() == b"From: b\r\n\r\nbody"
    assert saved.name == f"account{account}-Archive_2024-uid7.eml"  # the folder's slash made safe


def test_a_message_without_source_or_imported_meanwhile_says_why(qtbot, db, panel, account, tmp_path):
    fail(db, account, MailImportFailed("INBOX", 1, 1, "fetch failed"))
    loaded(qtbot, panel, {})
    panel.save_source(str(tmp_path))
    qtbot.waitUntil(lambda: panel.result.text().startswith("✘"), timeout=10_000)
    assert "the server gave nothing of this message" in panel.result.text()
    with db.write() as conn:
        mail_failures.clear(conn, account, [("INBOX", 1, 1)])
    panel.save_source(str(tmp_path))
    qtbot.waitUntil(lambda: "no longer waiting" in panel.result.text(), timeout=10_000)
    assert not list(tmp_path.glob("*.eml"))


def test_nothing_selected_saves_nothing(panel, tmp_path):
    panel.save_source(str(tmp_path))
    panel.open_source()
    assert panel.result.text() == "" and not panel.tasks.busy()
