"""ui.mailbox_form: the mailbox fields read back as the services' arguments, a saved account's settings fill them
(defaults left blank), ports follow the security unless typed, what is missing is said, and a connection test's
findings read as escaped rich text."""

from __future__ import annotations

import pytest

from deskapp.services.mail_accounts import MailboxCheck, ProbeResult
from deskapp.ui.mailbox_form import MailboxForm, format_check


@pytest.fixture
def form(qtbot) -> MailboxForm:
    widget = MailboxForm()
    qtbot.addWidget(widget)
    return widget


def test_a_new_form_reads_as_tls_defaults(form):
    assert form.fields() == {
        "host": "", "port": 993, "security": "tls", "smtp_host": "", "smtp_port": 465, "smtp_security": "tls",
        "user": "", "auth": "password", "email": "", "display_name": "", "folders": None, "sent_folder": "Sent",
        "ca_file": ""}


def test_typed_fields_are_trimmed_and_folders_split(form):
    form.imap_host.setText("  imap.example.com ")
    form.user.setText(" help@example.com")
    form.folders.setText(" INBOX, , Archive ,Sent,")
    form.sent_folder.setText("  ")
    fields = form.fields()
    assert (fields["host"], fields["user"]) == ("imap.example.com", "help@example.com")
    assert fields["folders"] == ["INBOX", "Archive", "Sent"] and fields["sent_folder"] == "Sent"


def test_the_port_follows_the_security_until_one_is_typed(form):
    form.imap_security.setCurrentIndex(form.imap_security.findData("starttls"))
    assert form.imap_port.value() == 143
    form.smtp_security.setCurrentIndex(form.smtp_security.findData("starttls"))
    assert form.smtp_port.value() == 587
    form.smtp_port.setValue(2525)  # typed: it stays whatever the security
    form.smtp_security.setCurrentIndex(form.smtp_security.findData("plain"))
    assert form.smtp_port.value() == 2525
    form.imap_security.setCurrentIndex(form.imap_security.findData("tls"))
    assert form.imap_port.value() == 993


def test_a_saved_account_fills_the_form_and_reads_back_the_same(form):
    settings = {"host": "imap.example.com", "port": 1993, "security": "tls", "smtp_host": "imap.example.com",
                "smtp_port": 587, "smtp_security": "starttls", "user": "help", "auth": "xoauth2",
                "email": "help@example.com", "display_name": "Help", "folders": ["INBOX", "Archive"],
                "sent_folder": "Sent Items", "ca_file": "/etc/ssl/company.pem"}
    form.load(settings)
    assert form.smtp_host.text() == ""  # the same as IMAP's: left blank, as typed when adding
    assert form.sent_folder.text() == "Sent Items" and form.folders.text() == "INBOX, Archive"
    assert form.secret.text() == "" and form.secret.accessibleName() == "Token"
    assert form.fields() == {**settings, "smtp_host": ""}


def test_default_folders_and_unknown_values_load_as_the_defaults(form):
    form.load({"host": "imap.example.com", "user": "a", "security": "ssl", "auth": "kerberos",
               "folders": ["INBOX", "Sent"], "sent_folder": "Sent"})
    fields = form.fields()
    assert (fields["security"], fields["port"], fields["auth"]) == ("tls", 993, "password")
    assert form.folders.text() == "" and form.sent_folder.text() == ""
    form.load({})
    assert form.fields()["host"] == "" and form.fields()["smtp_port"] == 465


def test_what_is_missing_is_said_in_order(qtbot, form):
    assert form.problem() == "The IMAP server is needed"
    form.imap_host.setText("imap.example.com")
    assert form.problem() == "The user name is needed"
    form.user.setText("   ")
    assert form.problem() == "The user name is needed"
    form.user.setText("a@example.com")
    assert form.problem() == "The password is needed"
    form.auth.setCurrentIndex(form.auth.findData("xoauth2"))
    assert form.problem() == "The token is needed" and form.secret_label.text() == "Token"
    form.secret.setText("tok")
    assert form.problem() is None
    editing = MailboxForm(editing=True)
    qtbot.addWidget(editing)
    editing.imap_host.setText("imap.example.com")
    editing.user.setText("a")
    assert editing.problem() is None  # an empty secret keeps the stored one


def test_the_findings_read_per_server_and_escape_the_servers_words():
    check = MailboxCheck((ProbeResult("IMAP", True, "", "signed in, INBOX has 3 messages"),
                          ProbeResult("SMTP", False, "auth", "535 <script>alert(1)</script> bad credentials"),
                          ProbeResult("SMTP", False, "weird", "?")))
    text = format_check(check)
    first, second, third = text.split("<br>")
    assert "✔ IMAP</span>: signed in, INBOX has 3 messages" in first
    assert "✘ SMTP (sign-in)</span>: 535 &lt;script&gt;alert(1)&lt;/script&gt; bad credentials" in second
    assert "<script>" not in text and "✘ SMTP (weird)" in third
    assert format_check(MailboxCheck(())) == ""
