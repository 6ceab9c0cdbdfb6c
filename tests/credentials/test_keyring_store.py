"""The secret store against the real Secret Service (gnome-keyring) started by conftest: entries named by profile
and account, kept apart per profile, and the unscoped entries of earlier versions taken over safely."""

import uuid

import keyring
import pytest
from keyring.backends import fail

from deskapp.credentials import CredentialError, SecretStore, SessionSecretStore
from deskapp.credentials.keyring_store import SERVICE, unscoped_key


def _profile_id() -> str:
    return str(uuid.uuid4())


def test_secret_round_trips_through_the_real_keyring_under_the_documented_name():
    store = SecretStore(_profile_id())
    store.set(7, "tok-123")
    assert store.get(7) == "tok-123"
    assert keyring.get_password("deskapp", f"profile:{store.profile_id}:account:7:token") == "tok-123"
    assert keyring.get_password("deskapp", "account:7:token") is None  # never under the unscoped name
    assert "SecretService" in type(keyring.get_keyring()).__module__
    store.delete_account(7)


def test_secrets_are_separate_per_account_and_kind():
    store = SecretStore(_profile_id())
    store.set(1, "a")
    store.set(2, "b")
    store.set(1, "mail-pass", kind="password")
    assert (store.get(1), store.get(2), store.get(1, "password")) == ("a", "b", "mail-pass")
    store.delete_account(1)
    assert (store.get(1), store.get(1, "password"), store.get(2)) == (None, None, "b")
    store.delete_account(2)


def test_two_profiles_keep_their_own_account_1_and_removing_one_leaves_the_other():
    mine, other = SecretStore(_profile_id()), SecretStore(_profile_id())
    mine.set(1, "my-token")
    other.set(1, "demo-token")
    assert (mine.get(1), other.get(1)) == ("my-token", "demo-token")
    other.delete_account(1)
    assert (mine.get(1), other.get(1)) == ("my-token", None)
    mine.delete_account(1)


def test_delete_is_idempotent_and_missing_reads_none():
    store = SecretStore(_profile_id())
    store.set(3, "x")
    store.delete(3)
    store.delete(3)
    assert store.get(3) is None


def test_empty_secret_and_missing_profile_are_refused():
    with pytest.raises(CredentialError):
        SecretStore(_profile_id()).set(4, "")
    with pytest.raises(ValueError, match="identity"):
        SecretStore("")


def test_an_unscoped_entry_is_moved_then_deleted():
    keyring.set_password(SERVICE, unscoped_key(41, "token"), "old-hub-token")
    keyring.set_password(SERVICE, unscoped_key(41, "password"), "someone-elses-mailbox")
    store = SecretStore(_profile_id())
    assert store.adopt_unscoped(41, ("token",)) == ["token"]
    assert store.get(41) == "old-hub-token"
    assert keyring.get_password(SERVICE, unscoped_key(41, "token")) is None
    # Kinds not asked for are not this account's: left for their owner.
    assert keyring.get_password(SERVICE, unscoped_key(41, "password")) == "someone-elses-mailbox"
    assert store.adopt_unscoped(41, ("token",)) == []  # nothing left: a second start changes nothing
    assert store.get(41) == "old-hub-token"
    keyring.delete_password(SERVICE, unscoped_key(41, "password"))
    store.delete_account(41)


def test_an_unscoped_entry_is_deleted_only_when_the_profile_holds_the_same_secret():
    store = SecretStore(_profile_id())
    # A start that copied the entry and stopped before deleting it: the next one finishes the move.
    store.set(42, "same")
    keyring.set_password(SERVICE, unscoped_key(42, "token"), "same")
    assert store.adopt_unscoped(42, ("token",)) == ["token"]
    assert keyring.get_password(SERVICE, unscoped_key(42, "token")) is None
    # The profile already has its own, different secret: the old entry is not provably its own.
    keyring.set_password(SERVICE, unscoped_key(42, "token"), "different")
    assert store.adopt_unscoped(42, ("token",)) == []
    assert (store.get(42), keyring.get_password(SERVICE, unscoped_key(42, "token"))) == ("same", "different")
    keyring.delete_password(SERVICE, unscoped_key(42, "token"))
    store.delete_account(42)


def test_a_refusing_keyring_is_a_credential_error_and_moves_nothing():
    keyring.set_password(SERVICE, unscoped_key(43, "token"), "kept")
    usual = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    store = SecretStore(_profile_id())
    try:
        for call in (lambda: store.get(43), lambda: store.set(43, "x"), lambda: store.delete(43),
                     lambda: store.adopt_unscoped(43, ("token",))):
            with pytest.raises(CredentialError, match="keyring"):
                call()
    finally:
        keyring.set_keyring(usual)
    assert keyring.get_password(SERVICE, unscoped_key(43, "token")) == "kept"
    keyring.delete_password(SERVICE, unscoped_key(43, "token"))


def test_the_session_store_behaves_alike_in_memory_only():
    profile_id = _profile_id()
    session = SessionSecretStore(profile_id)
    session.set(1, "demo-token")
    session.set(1, "pw", "password")
    assert (session.get(1), session.get(1, "password")) == ("demo-token", "pw")
    assert session.key(1) == SecretStore(profile_id).key(1)
    assert SecretStore(profile_id).get(1) is None  # nothing reached the real keyring
    keyring.set_password(SERVICE, unscoped_key(1, "token"), "real-folder-token")
    assert session.adopt_unscoped(1, ("token",)) == []  # it never holds unscoped entries
    assert keyring.get_password(SERVICE, unscoped_key(1, "token")) == "real-folder-token"
    keyring.delete_password(SERVICE, unscoped_key(1, "token"))
    session.delete_account(1)
    assert (session.get(1), session.get(1, "password")) == (None, None)
    with pytest.raises(CredentialError):
        session.set(2, "")
