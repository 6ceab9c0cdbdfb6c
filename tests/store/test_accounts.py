"""store.accounts: the cache's account rows (copies of the profile's plus the sync state), their sync cursors,
and the "messages still to pull" marks the engine keeps; odd stored values read back safely."""

from __future__ import annotations

from deskapp.domain import AccountKind, Connectivity
from deskapp.store import accounts as store
from tests.faults.seed import seed_cache


def test_an_account_reads_back_as_written_with_its_settings(db):
    with db.write() as conn:
        account_id = store.insert_account(conn, "chatwoot", "Hub", "https://hub.example", {"account_id": 3},
                                          account_id=7, created_at=1)
    with db.read() as conn:
        account = store.get_account(conn, 7)
        assert account_id == 7 and account.kind is AccountKind.CHATWOOT and account.settings == {"account_id": 3}
        assert account.state is Connectivity.UNKNOWN and account.last_sync is None
        assert store.get_account(conn, 8) is None and [a.id for a in store.list_accounts(conn)] == [7]


def test_damaged_settings_or_an_unknown_state_read_as_defaults(db):
    with db.write() as conn:
        store.insert_account(conn, AccountKind.SHOPIFY, "Shop", "https://shop.example", account_id=1)
        conn.exec_driver_sql("UPDATE account SET settings = '{not json', state = 'sleeping' WHERE id = 1")
    with db.read() as conn:
        account = store.get_account(conn, 1)
    assert account.settings == {} and account.state is Connectivity.UNKNOWN


def test_the_sync_state_and_last_good_sync(db):
    with db.write() as conn:
        store.insert_account(conn, "chatwoot", "Hub", "https://hub.example", account_id=1)
        store.set_state(conn, 1, Connectivity.AUTH_NEEDED, error="401 Unauthorized")
    with db.read() as conn:
        failed = store.get_account(conn, 1)
    assert failed.state is Connectivity.AUTH_NEEDED and failed.last_error == "401 Unauthorized"
    assert failed.last_sync is None  # a failed pass is no sync
    with db.write() as conn:
        store.set_state(conn, 1, Connectivity.ONLINE, synced=True)
    with db.read() as conn:
        good = store.get_account(conn, 1)
    assert good.last_error is None and good.last_sync is not None and good.last_sync.tzinfo is not None


def test_deleting_an_account_takes_what_it_synced_and_the_customers_left_without_anything(db):
    seeded = seed_cache(db, conversations=2)
    with db.write() as conn:
        orphan = conn.exec_driver_sql("INSERT INTO customer (name) VALUES ('Ana') RETURNING id").scalar()
        conn.exec_driver_sql("UPDATE conversation SET customer_id = ?", (orphan,))
        assert store.delete_account(conn, seeded["account_id"])
        assert not store.delete_account(conn, seeded["account_id"])
        assert conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM customer").scalar() == 0


def test_cursors_are_kept_per_stream_and_none_never_erases_one(db):
    with db.write() as conn:
        store.insert_account(conn, "chatwoot", "Hub", "https://hub.example", account_id=1)
        store.set_cursor(conn, 1, "conversations", "page=3")
        store.set_cursor(conn, 1, "conversations", "page=4")
        store.set_cursor(conn, 1, "contacts", None)
        store.set_cursor(conn, 1, "csat", "2025-06-01")
    with db.read() as conn:
        assert store.get_cursor(conn, 1, "conversations") == "page=4"
        assert store.get_cursor(conn, 1, "contacts") is None
        streams = ["conversations", "csat", "nothing"] + [f"s{i}" for i in range(700)]
        assert store.get_cursors(conn, 1, streams) == {"conversations": "page=4", "csat": "2025-06-01"}


def test_conversations_marked_for_a_message_pull_until_cleared(db):
    seeded = seed_cache(db, conversations=0)
    other = seed_cache(db, conversations=0)["account_id"]
    account = seeded["account_id"]
    with db.write() as conn:
        store.mark_messages_pending(conn, account, ["101", "102", "101"])
        store.mark_messages_pending(conn, other, ["900"])
        store.mark_messages_pending(conn, account, [])
        store.set_cursor(conn, account, "pending/messages", "not a mark")  # a stream just outside the range
    with db.read() as conn:
        assert sorted(store.pending_message_conversations(conn, account)) == ["101", "102"]
        assert len(store.pending_message_conversations(conn, account, limit=1)) == 1
    with db.write() as conn:
        store.clear_messages_pending(conn, account, "101")
    with db.read() as conn:
        assert store.pending_message_conversations(conn, account) == ["102"]
        assert store.pending_message_conversations(conn, other) == ["900"]


def test_the_signed_in_agents_email(db):
    seeded = seed_cache(db, conversations=0)
    with db.write() as conn:
        assert store.signed_in_agent_email(conn, seeded["account_id"]) == ""  # the seeded agents have none
        conn.exec_driver_sql("UPDATE agent SET email = 'me@shop.example' WHERE is_me = 1")
        assert store.signed_in_agent_email(conn, seeded["account_id"]) == "me@shop.example"
