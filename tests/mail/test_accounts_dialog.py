"""The Settings dialog's "Mailbox (IMAP + SMTP)" against real Dovecot and aiosmtpd: add with a connection test
that says what failed (sign-in, TLS, server), edit, remove; the password lives in the keyring only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskapp import bootstrap
from deskapp.bootstrap import build_sync_engine
from deskapp.services import accounts as account_service
from tests.mail.conftest import PASSWORD, Dovecot, SmtpSink, make_mail

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    server = Dovecot(tls=True).start()
    yield server
    server.stop()


@pytest.fixture
def ws(tmp_path):
    workspace = bootstrap.open_workspace(tmp_path / "data")
    yield workspace
    workspace.close()


@pytest.fixture
def widget(qtbot, ws):
    from deskapp.ui.accounts_dialog import AccountsWidget
    from deskapp.ui.tasks import TaskRunner

    tasks = TaskRunner()
    accounts = AccountsWidget(ws, tasks)
    qtbot.addWidget(accounts)
    yield accounts
    tasks.wait(30_000)


def _pick(box, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def _fill(dialog, *, port: int, smtp_port: int, user: str, password: str = PASSWORD, security: str = "plain",
          smtp_security: str = "plain", host: str = "127.0.0.1", ca_file: str = "") -> None:
    _pick(dialog.kind, "imap_smtp")
    form = dialog.mailbox
    form.imap_host.setText(host)
    _pick(form.imap_security, security)  # the security first: it moves a default port
    form.imap_port.setValue(port)
    _pick(form.smtp_security, smtp_security)
    form.smtp_port.setValue(smtp_port)
    form.user.setText(user)
    form.secret.setText(password)
    form.email.setText(user)
    form.display_name.setText("Shop Support")
    form.ca_file.setText(ca_file)


def _test(qtbot, dialog) -> str:
    dialog.test_button.click()
    assert dialog.test_result.text() == "Testing…"  # the GUI thread went on at once
    qtbot.waitUntil(lambda: "SMTP" in dialog.test_result.text() or "settings" in
                    dialog.test_result.text(), timeout=60_000)
    return dialog.test_result.text()


def _files_hold(folder: Path, secret: str) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and secret.encode() in p.read_bytes()]


def test_add_a_mailbox_test_it_sync_it(qtbot, widget, ws, dovecot, smtp_sink):
    user = "dialog@shop.example"
    dovecot.add_user(user)
    client = dovecot.client(user)
    client.append("INBOX", make_mail(message_id="<dlg1@customer.example>"))
    client.logout()
    widget.add()
    dialog = widget.dialog
    dialog.name.setText("Support mailbox")
    _fill(dialog, port=dovecot.port, smtp_port=smtp_sink.port, user=user)
    shown = _test(qtbot, dialog)
    assert f"✔ IMAP</span>: signed in as {user}; 1 message(s) in INBOX" in shown
    assert f"✔ SMTP</span>: signed in as {user}; nothing was sent" in shown
    assert smtp_sink.messages == [] and smtp_sink.logins == [user]
    dialog.save()
    qtbot.waitUntil(lambda: widget.list.count() == 1, timeout=10_000)
    (account,) = account_service.list_accounts(ws)
    assert account.name == "Support mailbox" and str(account.kind) == "imap_smtp"
    assert account.base_url == f"imap://127.0.0.1:{dovecot.port}"
    settings = account.settings
    assert (settings["host"], settings["port"], settings["security"]) == ("127.0.0.1", dovecot.port, "plain")
    assert (settings["smtp_port"], settings["smtp_security"], settings["user"]) == (smtp_sink.port, "plain", user)
    assert (settings["email"], settings["display_name"], settings["auth"]) == (user, "Shop Support", "password")
    assert ws.secrets.get(account.id, "password") == PASSWORD
    assert _files_hold(ws.paths.data_dir, PASSWORD) == []  # the keyring only: no database, log or config file
    assert build_sync_engine(ws).sync_account_once(account.id).state == "online"


def test_the_connection_test_says_what_failed(qtbot, widget, dovecot, smtp_sink, tls_dovecot):
    from tests.mail.conftest import free_port

    user = "failing@shop.example"
    dovecot.add_user(user)
    tls_dovecot.add_user(user)
    widget.add()
    dialog = widget.dialog

    _fill(dialog, port=dovecot.port, smtp_port=smtp_sink.port, user=user, password="wrong")
    shown = _test(qtbot, dialog)
    assert "✘ IMAP (sign-in)" in shown and f"refused the sign-in of {user}" in shown
    assert "✘ SMTP (sign-in)" in shown

    _fill(dialog, port=free_port(), smtp_port=smtp_sink.port, user=user)
    shown = _test(qtbot, dialog)
    assert "✘ IMAP (server)" in shown and "nothing answers on 127.0.0.1:" in shown and "✔ SMTP" in shown

    _fill(dialog, port=tls_dovecot.tls_port, smtp_port=smtp_sink.port, user=user, security="tls")
    shown = _test(qtbot, dialog)
    assert "✘ IMAP (TLS)" in shown and "the certificate of 127.0.0.1 is not trusted" in shown  # verified by default

    _fill(dialog, port=tls_dovecot.tls_port, smtp_port=smtp_sink.port, user=user, security="tls",
          ca_file=str(tls_dovecot.ca_file))
    assert "✔ IMAP" in _test(qtbot, dialog)  # the company's own CA, given: trusted

    _fill(dialog, port=dovecot.port, smtp_port=smtp_sink.port, user=user, security="tls")
    shown = _test(qtbot, dialog)
    assert "✘ IMAP (TLS)" in shown and "check the security setting and the port" in shown

    _fill(dialog, port=dovecot.port, smtp_port=smtp_sink.port, user=user, security="starttls")
    shown = _test(qtbot, dialog)
    assert "✘ IMAP (TLS)" in shown and "does not offer STARTTLS" in shown

    _fill(dialog, port=dovecot.port, smtp_port=smtp_sink.port, user=user, host="192.0.2.1")
    shown = _test(qtbot, dialog)
    assert "✘ settings (settings)" in shown and "only allowed on a loopback address" in shown
    assert smtp_sink.messages == []
    dialog.reject()  # the agent cancels: the dialog goes away
    assert not dialog.isVisible()


def test_smtp_that_wants_starttls_first(qtbot, widget, tls_dovecot):
    user = "starttls@shop.example"
    tls_dovecot.add_user(user)
    with SmtpSink(cert=tls_dovecot.ca_file, key=tls_dovecot.root / "key.pem") as sink:
        widget.add()
        dialog = widget.dialog
        _fill(dialog, port=tls_dovecot.port, smtp_port=sink.port, user=user, security="starttls",
              ca_file=str(tls_dovecot.ca_file))
        shown = _test(qtbot, dialog)
        assert "✔ IMAP" in shown and "✘ SMTP (sign-in)" in shown and "offers no sign-in on this connection" in shown
        _pick(dialog.mailbox.smtp_security, "starttls")
        shown = _test(qtbot, dialog)
        assert "✔ IMAP" in shown and "✔ SMTP" in shown and sink.logins == [user]
        dialog.reject()


def test_edit_keeps_the_password_then_remove_deletes_it(qtbot, widget, ws, dovecot, smtp_sink):
    user = "edited@shop.example"
    dovecot.add_user(user)
    widget.add()
    _fill(widget.dialog, port=dovecot.port, smtp_port=1, user=user)
    widget.dialog.save()
    qtbot.waitUntil(lambda: widget.list.count() == 1, timeout=10_000)
    (account,) = account_service.list_accounts(ws)

    widget.edit()
    dialog = widget.dialog
    form = dialog.mailbox
    assert form.imap_port.value() == dovecot.port and form.user.text() == user and form.secret.text() == ""
    assert form.imap_security.currentData() == "plain" and not dialog.kind.isEnabled()
    form.smtp_port.setValue(smtp_sink.port)
    form.display_name.setText("Returns desk")
    shown = _test(qtbot, dialog)  # the stored password, read off the GUI thread
    assert "✔ IMAP" in shown and "✔ SMTP" in shown
    _pick(form.auth, "xoauth2")
    assert form.secret.accessibleName() == "Token"
    dialog.save()
    qtbot.waitUntil(lambda: "token" in dialog.error.text(), timeout=10_000)
    assert dialog.isVisible()  # not saved: the dialog stays, saying why
    _pick(form.auth, "password")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    edited = account_service.get_account(ws, account.id)
    assert edited.settings["smtp_port"] == smtp_sink.port and edited.settings["display_name"] == "Returns desk"
    assert ws.secrets.get(account.id, "password") == PASSWORD
    qtbot.waitUntil(lambda: widget.list.count() == 1, timeout=10_000)
    widget.test()  # the list's Test: the saved settings and the stored password
    qtbot.waitUntil(lambda: "SMTP" in widget.result.text(), timeout=60_000)
    assert "✔ IMAP" in widget.result.text() and "✔ SMTP" in widget.result.text()

    widget.remove(confirm=False)
    qtbot.waitUntil(lambda: widget.list.count() == 0, timeout=10_000)
    assert account_service.list_accounts(ws) == [] and ws.secrets.get(account.id, "password") is None
