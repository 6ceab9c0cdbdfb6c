"""The secret store against the real Secret Service (gnome-keyring) started by conftest."""

import keyring
import pytest

from deskapp.credentials import CredentialError, SecretStore


def test_secret_round_trips_through_the_real_keyring():
    store = SecretStore(service="deskapp-test")
    store.set(7, "tok-123")
    assert store.get(7) == "tok-123"
    # it really is in the OS keyring, under the documented key
    assert keyring.get_password("deskapp-test", "account:7:token") == "tok-123"
    assert "SecretService" in type(keyring.get_keyring()).__module__


def test_secrets_are_separate_per_account_and_kind():
    store = SecretStore(service="deskapp-test")
    store.set(1, "a")
    store.set(2, "b")
    store.set(1, "smtp-pass", kind="smtp")
    assert (store.get(1), store.get(2), store.get(1, "smtp")) == ("a", "b", "smtp-pass")


def test_delete_is_idempotent_and_missing_reads_none():
    store = SecretStore(service="deskapp-test")
    store.set(3, "x")
    store.delete(3)
    store.delete(3)
    assert store.get(3) is None


def test_empty_secret_is_refused():
    with pytest.raises(CredentialError):
        SecretStore(service="deskapp-test").set(4, "")
