"""Messages the sync cannot import are never lost in silence: a message Dovecot cannot send (its file is
damaged) is kept aside with its reason, counted in the summary, shown in the account's state, fetched
again on every pass, and imported once repaired; the others of its page import meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from deskapp.connectors.imap_smtp.fetch import fetch_page
from deskapp.connectors.imap_smtp.imap import ImapSession
from deskapp.domain import Connectivity
from deskapp.domain.mail import MailImportFailed
from deskapp.services.mail_problems import MailProblemError, import_failures, save_raw_source
from deskapp.store import mail_failures
from tests.mail.conftest import make_mail
from tests.mail.helpers import engine_for, new_mailbox, rows, scalar, workspace

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _file_of(dovecot, user: str, marker: bytes) -> Path:
    """The Maildir file of the message holding ``marker``."""
    found = [p for p in (dovecot.root / "home" / user / "Maildir").glob("*/*") if p.is_file()
             and marker in p.read_bytes()]
    assert len(found) == 1, found
    return found[0]


def _texts(db) -> list[str]:
    return sorted(t.strip()[:15] for (t,) in rows(db, "SELECT text FROM message"))


def test_a_damaged_message_is_kept_aside_counted_shown_and_retried(dovecot, db):
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    for n in range(3):
        other.append("INBOX", make_mail(message_id=f"<d{n}@customer.example>", subject=f"Parcel {n}",
                                        body=f"Damaged test {n}. " * 20, date=T0))
    other.logout()
    damaged = _file_of(dovecot, box.user, b"Damaged test 1.")
    original = damaged.read_bytes()
    damaged.write_bytes(original[:120])  # shorter than the size Dovecot recorded: it cannot send the message

    engine = engine_for(ws)
    summary = engine.sync_account_once(box.account_id)
    assert summary.state == Connectivity.DEGRADED and summary.not_imported == 1
    assert "1 message(s) could not be imported" in summary.errors[-1]
    assert _texts(db) == ["Damaged test 0.", "Damaged test 2."]  # its page went on without it
    failures = import_failures(db, box.account_id)
    assert [(f.folder, f.uid, f.attempts) for f in failures] == [("INBOX", 2, 1)]
    assert "connection" in failures[0].reason
    state, error = rows(db, "SELECT state, last_error FROM account WHERE id = ?", box.account_id)[0]
    assert state == "degraded" and "could not be imported" in error  # what the status bar shows

    summary = engine.sync_account_once(box.account_id)  # tried again, still damaged
    assert summary.not_imported == 1 and summary.state == Connectivity.DEGRADED
    assert [f.attempts for f in import_failures(db, box.account_id)] == [2]

    damaged.write_bytes(original)  # repaired on the server
    summary = engine.sync_account_once(box.account_id)
    assert summary.state == Connectivity.ONLINE and summary.not_imported == 0 and summary.new_messages == 1
    assert _texts(db) == ["Damaged test 0.", "Damaged test 1.", "Damaged test 2."]
    assert import_failures(db, box.account_id) == []


def test_a_message_the_reader_cannot_read_keeps_its_raw_source(dovecot, db, tmp_path):
    """A reader that fails on one message (a parser bug on hostile input) costs that message only; its raw
    source is what the agent can open or save."""
    ws = workspace(db)
    box = new_mailbox(dovecot, ws)
    other = dovecot.client(box.user)
    for n in range(3):
        other.append("INBOX", make_mail(message_id=f"<r{n}@customer.example>", body=f"Readable {n}", date=T0))
    other.select_folder("INBOX", readonly=True)
    uids = other.search(["ALL"])
    other.logout()
    from deskapp.connectors.imap_smtp import config_of, secret_reader
    from deskapp.store import accounts as account_store

    with db.read() as conn:
        account = account_store.get_account(conn, box.account_id)
    config = config_of(account)
    session = ImapSession(config, secret_reader(account, ws.secrets.get, config))
    try:
        validity = int(session.select("INBOX")[b"UIDVALIDITY"])

        def read(uid, data, header, body_size):
            if b"Readable 1" in data[b"BODY[]"]:
                raise ValueError("unexpected structure")
            return [uid]
        page = fetch_page(session, "INBOX", validity, uids, full=True, read=read)
    finally:
        session.close()
    assert page.imported == {uids[0], uids[2]} and page.failed == {uids[1]}
    failed = [r for r in page.records if isinstance(r, MailImportFailed)]
    assert [(f.uid, "unexpected structure" in f.reason) for f in failed] == [(uids[1], True)]
    assert b"Readable 1" in failed[0].raw

    with db.write() as conn:
        mail_failures.record(conn, box.account_id, failed, now=1_772_355_600)
    [failure] = import_failures(db, box.account_id)
    saved = save_raw_source(db, failure, tmp_path / "saved")
    assert saved.name.endswith(".eml") and saved.read_bytes() == failed[0].raw
    with db.write() as conn:
        mail_failures.clear(conn, box.account_id, [("INBOX", validity, uids[1])])
    try:
        save_raw_source(db, failure, tmp_path / "saved")
    except MailProblemError as exc:
        assert "no longer waiting" in str(exc)
    else:
        raise AssertionError("a failure that is gone has no source to save")
    assert scalar(db, "SELECT count(*) FROM mail_import_failure") == 0


def test_the_accounts_list_shows_messages_not_imported_and_saves_their_source(qtbot, tmp_path):
    from deskapp import bootstrap
    from deskapp.services import accounts as account_service
    from deskapp.services.mail_accounts import add_imap_account
    from deskapp.store import accounts as account_store
    from deskapp.ui.accounts_dialog import AccountsWidget
    from deskapp.ui.tasks import TaskRunner

    ws = bootstrap.open_workspace(tmp_path / "data")
    try:
        account_id = add_imap_account(ws, host="127.0.0.1", port=1, user="box@shop.example", secret="pw",
                                      security="plain", smtp_port=1, email="box@shop.example", name="Support box")
        with ws.db.write() as conn:
            mail_failures.record(conn, account_id, [
                MailImportFailed("INBOX", 7, 3, "cannot read the message: unexpected structure", b"Subject: odd\r\n"),
                MailImportFailed("INBOX", 9, 3, "the server drops the connection when it sends this message")],
                now=1_772_355_600)
            account_store.set_state(conn, account_id, Connectivity.DEGRADED,
                                    error="2 message(s) could not be imported")
        assert [a.name for a in account_service.list_accounts(ws)] == ["Support box"]
        tasks = TaskRunner()
        widget = AccountsWidget(ws, tasks)
        qtbot.addWidget(widget)
        panel = widget.not_imported
        qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
        assert not panel.isHidden() and "2 message(s) could not be imported" in panel.title.text()
        assert "Support box · INBOX · message 7 — cannot read the message" in panel.list.item(0).text()
        assert "could not be imported" in widget.list.item(0).text()  # the account's state says why
        panel.save_source(folder=str(tmp_path / "saved"))
        qtbot.waitUntil(lambda: panel.result.text().startswith("Saved"), timeout=10_000)
        [saved] = (tmp_path / "saved").iterdir()
        assert saved.read_bytes() == b"Subject: odd\r\n"
        panel.list.setCurrentRow(1)
        panel.save_source(folder=str(tmp_path / "saved"))
        qtbot.waitUntil(lambda: panel.result.text().startswith("✘"), timeout=10_000)
        assert "gave nothing" in panel.result.text()
        tasks.wait(10_000)
    finally:
        ws.close()
