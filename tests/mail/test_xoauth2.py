"""XOAUTH2 against real servers: Dovecot's oauth2 passdb asks a loopback identity provider to introspect the
token the account keeps in the keyring; aiosmtpd takes the same token for the reply. A revoked token puts the
account in "auth needed" without touching the other mailboxes."""

from __future__ import annotations

import email
import uuid
from datetime import UTC, datetime
from email import policy

import pytest

from deskapp.domain import Connectivity, OutboxItem, OutboxKind
from deskapp.services.mail_accounts import add_imap_account
from deskapp.store import accounts as account_store
from deskapp.sync import registry
from tests.mail.conftest import Dovecot, IdentityProvider, SmtpSink, make_mail
from tests.mail.helpers import engine_for, rows, scalar, workspace

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def identity():
    provider = IdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def oauth_dovecot(identity):
    server = Dovecot(oauth_url=identity.url).start()
    yield server
    server.stop()


def _oauth_mailbox(ws, dovecot, identity, user: str, *, smtp_port: int = 1) -> tuple[int, str]:
    dovecot.add_user(user)
    token = identity.issue(user)
    account_id = add_imap_account(ws, host="127.0.0.1", port=dovecot.port, user=user, secret=token, auth="xoauth2",
                                  security="plain", smtp_port=smtp_port, email=user, name=f"Support {user}")
    return account_id, token


def test_xoauth2_mailbox_syncs_and_replies_with_its_token(oauth_dovecot, identity, db):
    ws = workspace(db)
    with SmtpSink(identity=identity) as sink:
        account_id, token = _oauth_mailbox(ws, oauth_dovecot, identity, "oauth1@shop.example", smtp_port=sink.port)
        assert ws.secrets.get(account_id, "oauth2") == token  # only in the keyring
        assert token not in str(rows(db, "SELECT * FROM account"))
        other = oauth_dovecot.client("oauth1@shop.example")  # another mail client, with the password
        other.append("INBOX", make_mail(message_id="<oa1@customer.example>", subject="Order #77",
                                        date=datetime(2026, 3, 1, 8, tzinfo=UTC)))
        other.logout()
        calls = identity.calls
        assert engine_for(ws).sync_account_once(account_id).state == Connectivity.ONLINE
        assert identity.calls > calls  # Dovecot really checked the token with the provider
        assert scalar(db, "SELECT external_id FROM message") == "mid:oa1@customer.example"

        with db.read() as conn:
            connector = registry.create(account_store.get_account(conn, account_id), ws.secrets)
        try:
            conversation = scalar(db, "SELECT external_id FROM conversation")
            item = OutboxItem(client_id=str(uuid.uuid4()), account_id=account_id,
                              conversation_external_id=conversation, kind=OutboxKind.REPLY,
                              payload={"text": "It ships today."}, created_at=datetime.now(UTC))
            assert connector.push(item).ok
        finally:
            connector.close()
        assert sink.logins == ["oauth1@shop.example"]  # SMTP AUTH XOAUTH2 with the same token
        sent = email.message_from_bytes(sink.messages[0][2], policy=policy.default)
        assert sent["In-Reply-To"] == "<oa1@customer.example>"


def test_revoked_token_means_auth_needed_and_other_mailboxes_keep_syncing(oauth_dovecot, identity, db):
    ws = workspace(db)
    good_id, _ = _oauth_mailbox(ws, oauth_dovecot, identity, "oauth2@shop.example")
    bad_id, bad_token = _oauth_mailbox(ws, oauth_dovecot, identity, "oauth3@shop.example")
    identity.revoke(bad_token)  # expired or revoked at the provider
    other = oauth_dovecot.client("oauth2@shop.example")
    other.append("INBOX", make_mail(message_id="<oa2@customer.example>", date=datetime(2026, 3, 2, tzinfo=UTC)))
    other.logout()
    summaries = {s.account_id: s for s in engine_for(ws).sync_all_once()}
    assert summaries[bad_id].state == Connectivity.AUTH_NEEDED
    assert summaries[good_id].state == Connectivity.ONLINE
    assert dict(rows(db, "SELECT id, state FROM account")) == {good_id: "online", bad_id: "auth_needed"}
    assert summaries[bad_id].errors and bad_token not in " ".join(summaries[bad_id].errors)  # no secret shown
