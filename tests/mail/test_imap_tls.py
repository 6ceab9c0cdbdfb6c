"""IMAP over implicit TLS and STARTTLS against Dovecot with a self-signed certificate: refused (auth needed,
not retried as "offline") until the account trusts that CA; then both modes sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskapp.domain import Connectivity
from deskapp.services.mail_accounts import MailAccountError, add_imap_account
from tests.mail.conftest import PASSWORD, Dovecot, make_mail
from tests.mail.helpers import engine_for, scalar, workspace


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    server = Dovecot(tls=True).start()
    yield server
    server.stop()


@pytest.mark.parametrize(("security", "port_of"), [("tls", "tls_port"), ("starttls", "port")])
def test_tls_modes_verify_the_certificate(tls_dovecot, db, security, port_of):
    user = f"{security}@shop.example"
    tls_dovecot.add_user(user)
    client = tls_dovecot.client(user)
    client.append("INBOX", make_mail(message_id=f"<{security}@customer.example>"))
    client.logout()
    ws = workspace(db)
    port = getattr(tls_dovecot, port_of)
    untrusted = add_imap_account(ws, host="127.0.0.1", port=port, user=user, secret=PASSWORD, security=security)
    trusted = add_imap_account(ws, host="127.0.0.1", port=port, user=user, secret=PASSWORD, security=security,
                               ca_file=str(tls_dovecot.ca_file))
    engine = engine_for(ws)
    refused = engine.sync_account_once(untrusted)
    assert refused.state == Connectivity.AUTH_NEEDED and "certificate" in refused.errors[-1]
    assert engine.sync_account_once(trusted).state == Connectivity.ONLINE
    assert scalar(db, "SELECT count(*) FROM message") == 1


def test_unknown_security_is_refused(db):
    with pytest.raises(MailAccountError, match="security"):
        add_imap_account(workspace(db), host="127.0.0.1", port=1, user="a@b.example", secret="x", security="ssl3")


def test_reply_over_smtp_starttls(tls_dovecot, db):
    import uuid
    from datetime import UTC, datetime

    from deskapp.domain import OutboxItem, OutboxKind
    from deskapp.store import accounts as account_store
    from deskapp.sync import registry
    from tests.mail.conftest import SmtpSink

    user = "smtps@shop.example"
    tls_dovecot.add_user(user)
    client = tls_dovecot.client(user)
    client.append("INBOX", make_mail(message_id="<tls1@customer.example>"))
    client.logout()
    ws = workspace(db)
    with SmtpSink(cert=tls_dovecot.ca_file, key=tls_dovecot.root / "key.pem") as sink:
        account_id = add_imap_account(ws, host="127.0.0.1", port=tls_dovecot.tls_port, user=user, secret=PASSWORD,
                                      security="tls", smtp_port=sink.port, smtp_security="starttls",
                                      ca_file=str(tls_dovecot.ca_file), email=user)
        assert engine_for(ws).sync_account_once(account_id).state == Connectivity.ONLINE
        with db.read() as conn:
            account = account_store.get_account(conn, account_id)
        connector = registry.create(account, ws.secrets)
        try:
            result = connector.push(OutboxItem(str(uuid.uuid4()), account_id, "mail:mid:tls1@customer.example",
                                               OutboxKind.REPLY, {"text": "over TLS"}, datetime.now(UTC)))
        finally:
            connector.close()
        assert result.ok and len(sink.messages) == 1 and sink.logins == [user]
