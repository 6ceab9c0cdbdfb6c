"""store.profile_mirror: the cache's copies of the profile's accounts and settings: made to match the profile
(the cache's sync state kept), stale accounts removed, nothing written when nothing differs, and new SLA
targets moving every first-response deadline."""

from __future__ import annotations

import json

from deskapp.domain import Account, AccountKind
from deskapp.domain.sla import SETTING_SLA_TARGETS
from deskapp.store import accounts as account_store
from deskapp.store import profile_mirror as mirror

HUB = Account(1, AccountKind.CHATWOOT, "Support hub", "https://hub.example", {"account_id": 3})
SHOP = Account(2, AccountKind.SHOPIFY, "Shop", "https://shop.example")


def cached(db) -> list[tuple]:
    with db.read() as conn:
        return [(a.id, a.kind, a.name, a.base_url, a.settings) for a in account_store.list_accounts(conn)]


def test_accounts_are_made_to_match_the_profile_and_keep_their_sync_state(db):
    with db.write() as conn:
        assert mirror.mirror_accounts(conn, [HUB, SHOP], {1: 1_700_000_000}) == []
        conn.exec_driver_sql("UPDATE account SET state = 'online', last_sync = 123 WHERE id = 1")
    renamed = Account(1, AccountKind.CHATWOOT, "Helpdesk", "https://hub.example", {"account_id": 4})
    with db.write() as conn:
        assert mirror.mirror_accounts(conn, [renamed], {}) == [2]  # removed from the profile meanwhile
    assert cached(db) == [(1, AccountKind.CHATWOOT, "Helpdesk", "https://hub.example", {"account_id": 4})]
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT state, last_sync, created_at FROM account WHERE id = 1").one()
    assert tuple(row) == ("online", 123, 1_700_000_000)


def test_copy_differs_only_when_an_account_or_a_setting_does(db):
    with db.write() as conn:
        mirror.mirror_accounts(conn, [HUB, SHOP], {})
        mirror.mirror_settings(conn, {"work_offline": "1"})
    with db.read() as conn:
        assert not mirror.copy_differs(conn, [SHOP, HUB], {"work_offline": "1"})  # order does not matter
        assert mirror.copy_differs(conn, [HUB], {"work_offline": "1"})
        assert mirror.copy_differs(conn, [HUB, SHOP], {"work_offline": "0"})
        assert mirror.copy_differs(conn, [HUB, SHOP], {})
        changed = Account(2, AccountKind.SHOPIFY, "Shop", "https://shop.example", {"api_version": "2025-01"})
        assert mirror.copy_differs(conn, [HUB, changed], {"work_offline": "1"})


def test_settings_are_copied_exactly_and_one_can_be_put_or_removed(db):
    with db.write() as conn:
        mirror.mirror_settings(conn, {"a": "1", "b": "2"})
        mirror.mirror_settings(conn, {"b": "3"})
        mirror.put_setting(conn, "c", "4")
        mirror.put_setting(conn, "b", None)
        mirror.put_setting(conn, "missing", None)
        assert dict(conn.exec_driver_sql("SELECT key, value FROM setting").all()) == {"c": "4"}
        mirror.mirror_settings(conn, {})
        assert conn.exec_driver_sql("SELECT count(*) FROM setting").scalar() == 0


def test_new_sla_targets_move_the_first_response_deadlines(db):
    with db.write() as conn:
        mirror.mirror_accounts(conn, [HUB], {})
        conv = conn.exec_driver_sql("INSERT INTO conversation (account_id, external_id, channel, status, created_at,"
                                    " updated_at) VALUES (1, 'c1', 'email', 'open', 0, 0) RETURNING id").scalar()
        conn.exec_driver_sql("INSERT INTO message (account_id, external_id, conversation_id, direction, sent_at)"
                             " VALUES (1, 'm1', ?, 'in', 1000)", (conv,))
        mirror.put_setting(conn, SETTING_SLA_TARGETS, json.dumps({"email": 600}))
        assert conn.exec_driver_sql("SELECT sla_due_at FROM conversation").scalar() == 1600
        mirror.mirror_settings(conn, {SETTING_SLA_TARGETS: json.dumps({"email": 60})})
        assert conn.exec_driver_sql("SELECT sla_due_at FROM conversation").scalar() == 1060
        mirror.put_setting(conn, "unrelated", "x")  # other settings leave the deadlines alone
        assert conn.exec_driver_sql("SELECT sla_due_at FROM conversation").scalar() == 1060
