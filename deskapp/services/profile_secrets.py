"""The secret store of a profile, for bootstrap and the test workspaces: built in this one place, under the
profile's identity, after taking over the unscoped keyring entries the profile claims.

Earlier versions named every data folder's secrets ``account:<id>:<kind>``; a profile that existed then
claims the entries of its accounts (store.profile_identity), and its first start since moves them under
its own names. Only the kinds an account of that kind ever had are taken, so two old folders whose
account 1 was a hub in one and a mailbox in the other both keep theirs; where both had the same kind,
the first folder to start takes the entry.
"""

from __future__ import annotations

import logging

from deskapp.credentials import SecretStore
from deskapp.domain import Account, AccountKind
from deskapp.store import profile_identity
from deskapp.store import profile_records as records
from deskapp.store.profile import ProfileStore

log = logging.getLogger(__name__)


def secret_store(profile: ProfileStore) -> SecretStore:
    """The keyring under this profile's names, with the unscoped entries it claims taken over."""
    secrets = SecretStore(profile.identity)
    adopt_unscoped_secrets(profile, secrets)
    return secrets


def unscoped_kinds(account_id: int, account: Account | None) -> tuple[str, ...]:
    """The kinds of unscoped entry earlier versions wrote for this account: a mailbox's password or OAuth2
    token, any other account's token; account 0 (no account) held the AI endpoint's key."""
    if account is None:
        return ("llm",) if account_id == profile_identity.AI_KEY_ACCOUNT else ()
    return ("password", "oauth2") if account.kind == AccountKind.IMAP_SMTP else ("token",)


def adopt_unscoped_secrets(profile: ProfileStore, secrets: SecretStore) -> None:
    """Move the claimed unscoped entries under the profile's names. What the keyring refuses stays claimed for
    the next start (the account meanwhile asks for its credential); claims of accounts removed since are
    dropped, as their entries may be another data folder's."""
    with profile.read() as conn:
        claims = profile_identity.unscoped_claims(conn)
        if not claims:
            return
        accounts = {a.id: a for a in records.list_accounts(conn)}
    pending = [(i, kinds) for i in claims if (kinds := unscoped_kinds(i, accounts.get(i)))]
    while pending:
        account_id, kinds = pending[0]
        try:
            taken = secrets.adopt_unscoped(account_id, kinds)
        except Exception as exc:  # CredentialError, or a D-Bus failure below it: never a reason not to start
            log.warning("keyring entries from before secrets were scoped by data folder stay where they are "
                        "until the next start: %s", exc)
            break
        if taken:
            log.info("account %s: its %s moved under this data folder's keyring names", account_id, ", ".join(taken))
        pending.pop(0)
    with profile.write() as conn:
        profile_identity.put_unscoped_claims(conn, [account_id for account_id, _ in pending])
