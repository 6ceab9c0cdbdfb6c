"""store.workspace_status: what the cache holds and each account's sync state, read in one snapshot for
`deskapp stats` and the status bar."""

from __future__ import annotations

from deskapp.store.workspace_status import accounts_and_work_offline, counts_and_accounts
from tests.faults.seed import seed_cache


def test_an_empty_cache_counts_nothing_and_has_no_account(db):
    assert counts_and_accounts(db) == ((0, 0, 0, 0), [])
    assert accounts_and_work_offline(db) == ([], None)


def test_counts_and_each_accounts_state_in_id_order(db):
    first = seed_cache(db, conversations=2)["account_id"]
    second = seed_cache(db, conversations=1, account_kind="shopify")["account_id"]
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE account SET state = 'auth_needed', last_error = '401 Unauthorized',"
                             " last_sync = 1700000000 WHERE id = ?", (second,))
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('work_offline', '1')")
    counts, accounts = counts_and_accounts(db)
    assert counts == (3, 0, 0, 0)
    assert [(a["id"], a["kind"]) for a in accounts] == [(first, "chatwoot"), (second, "shopify")]
    assert accounts[1]["state"] == "auth_needed" and accounts[1]["last_error"] == "401 Unauthorized"
    assert accounts[1]["last_sync"] == 1700000000 and accounts[0]["last_sync"] is None
    rows, offline = accounts_and_work_offline(db)
    assert [r["name"] for r in rows] == ["Test", "Test"] and offline == "1"  # the raw value: the caller reads it
