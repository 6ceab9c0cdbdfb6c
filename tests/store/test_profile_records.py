"""store.profile_records: the rows of the profile file — accounts (settings as JSON, a damaged value read as
none), settings by exact prefix, bookkeeping, templates, saved views, drafts and triage corrections — with
their edge cases: unknown ids, replacing by key, odd stored JSON, columns that are not a template's."""

from __future__ import annotations

import pytest

from deskapp.domain import AccountKind
from deskapp.store import profile_records as records

T0 = 1_772_368_200


def test_accounts_round_trip_and_updates(profile):
    with profile.write() as conn:
        first = records.insert_account(conn, "chatwoot", "Support", "http://127.0.0.1:3000", {"account_id": 7},
                                       created_at=T0)
        second = records.insert_account(conn, AccountKind.SHOPIFY, "Shop", "https://shop.example")
        assert records.update_account(conn, first, name="Help desk", settings={"account_id": 8})
        assert records.update_account(conn, second)  # nothing to change: still says it exists
        assert not records.update_account(conn, 999, name="ghost")
        assert not records.update_account(conn, 999)
    with profile.read() as conn:
        accounts = records.list_accounts(conn)
        assert [(a.id, a.kind, a.name, a.settings) for a in accounts] == [
            (first, AccountKind.CHATWOOT, "Help desk", {"account_id": 8}),
            (second, AccountKind.SHOPIFY, "Shop", {})]
        assert records.account_created_at(conn)[first] == T0
        assert records.get_account(conn, 999) is None


def test_an_unknown_kind_is_refused_and_nothing_written(profile):
    with pytest.raises(ValueError), profile.write() as conn:
        records.insert_account(conn, "zendesk", "Z", "http://127.0.0.1")
    with profile.read() as conn:
        assert records.list_accounts(conn) == []


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '"text"', "null", ""])
def test_damaged_account_settings_read_as_none(profile, stored):
    with profile.write() as conn:
        account_id = records.insert_account(conn, "chatwoot", "Support", "http://127.0.0.1")
        conn.execute("UPDATE account SET settings = ? WHERE id = ?", (stored, account_id))
    with profile.read() as conn:
        assert records.get_account(conn, account_id).settings == {}


def test_deleting_an_account_takes_its_drafts_and_keeps_its_corrections(profile):
    with profile.write() as conn:
        account_id = records.insert_account(conn, "chatwoot", "Support", "http://127.0.0.1")
        records.put_draft(conn, account_id, "c1", "Hello", is_note=False, updated_at=T0)
        records.add_correction(conn, records.Correction(account_id, "c1", "m1", "intent", None, "refund_request",
                                                        "I want my money back", T0))
        assert records.delete_account(conn, account_id)
        assert not records.delete_account(conn, account_id)
    with profile.read() as conn:
        assert records.draft_keys(conn) == [] and len(records.corrections(conn)) == 1


def test_settings_by_exact_prefix_and_none_removes(profile):
    with profile.write() as conn:
        records.put_setting(conn, "copilot.llm.url", "http://127.0.0.1:11434/v1")
        records.put_setting(conn, "copilot.llm.model", "qwen")
        records.put_setting(conn, "copilotXllm", "not under the prefix")  # a LIKE pattern would match this
        records.put_setting(conn, "copilot_llm", "nor this")
        records.put_setting(conn, "copilot.llm.model", "llama")  # replaces
        records.put_setting(conn, "gone", "soon")
        records.put_setting(conn, "gone", None)
        records.put_setting(conn, "never-set", None)
    with profile.read() as conn:
        assert records.settings(conn, "copilot.llm.") == {"copilot.llm.model": "llama",
                                                          "copilot.llm.url": "http://127.0.0.1:11434/v1"}
        assert records.settings(conn, "copilot_") == {"copilot_llm": "nor this"}
        assert len(records.settings(conn)) == 4
        assert records.setting(conn, "gone") is None and records.setting(conn, "copilotXllm") == "not under the prefix"
        assert records.settings(conn, "nothing.") == {}


def test_bookkeeping_meta_replaces_by_key(profile):
    with profile.write() as conn:
        records.put_meta(conn, records.TRIAGE_RETRAINED, "1")
        records.put_meta(conn, records.TRIAGE_RETRAINED, "2")
    with profile.read() as conn:
        assert records.meta(conn, records.TRIAGE_RETRAINED) == "2" and records.meta(conn, "unknown") is None


def test_templates_sorted_found_changed_and_removed(profile):
    with profile.write() as conn:
        ship = records.insert_template(conn, name="shipping delay", body="Sorry…", intents=["order_status"],
                                       origin="default:ship", updated_at=T0)
        refund = records.insert_template(conn, name="Refund", body="Done.", shortcut="/refund", scope="personal")
        assert records.update_template(conn, refund, body="Refunded.", intents=("refund_request",))
        assert not records.update_template(conn, 999, body="x")
        with pytest.raises(ValueError, match="not template columns: \\['id', 'origin'\\]"):
            records.update_template(conn, refund, id=5, origin="x")
    with profile.read() as conn:
        assert [r["name"] for r in records.templates(conn)] == ["Refund", "shipping delay"]  # case-insensitive
        row = records.template(conn, refund)
        assert (row["body"], row["intents"], row["shortcut"]) == ("Refunded.", '["refund_request"]', "/refund")
        assert records.template_id_by(conn, origin="default:ship") == ship
        assert records.template_id_by(conn, name="Refund", scope="personal") == refund
        assert records.template_id_by(conn, name="Refund", scope="team") is None
        assert records.template(conn, 999) is None
    with profile.write() as conn:
        assert records.delete_template(conn, ship) and not records.delete_template(conn, ship)


def test_saved_views_keep_their_place_and_odd_filters_read_as_empty(profile):
    with profile.write() as conn:
        records.put_saved_view(conn, "VIP", {"label": "vip"})
        records.put_saved_view(conn, "Mine", {"assignee": "me"})
        records.put_saved_view(conn, "VIP", {"label": "vip", "status": "open"})  # replaced in its place
        records.put_saved_view(conn, "Broken", {})
        conn.execute("UPDATE saved_view SET filter = 'not json' WHERE name = 'Broken'")
        records.put_saved_view(conn, "List", {})
        conn.execute("UPDATE saved_view SET filter = '[1]' WHERE name = 'List'")
    with profile.read() as conn:
        assert records.saved_views(conn) == [("VIP", {"label": "vip", "status": "open"}), ("Mine", {"assignee": "me"}),
                                             ("Broken", {}), ("List", {})]
    with profile.write() as conn:
        assert records.delete_saved_view(conn, "Mine") and not records.delete_saved_view(conn, "Mine")


def test_a_draft_is_replaced_per_conversation(profile):
    with profile.write() as conn:
        account_id = records.insert_account(conn, "chatwoot", "Support", "http://127.0.0.1")
        records.put_draft(conn, account_id, "c1", "Hel", is_note=False, updated_at=T0)
        records.put_draft(conn, account_id, "c1", "Hello, checking now", is_note=True, updated_at=T0 + 5)
        records.put_draft(conn, account_id, "c2", "", is_note=False, updated_at=T0)
    with profile.read() as conn:
        assert records.draft(conn, account_id, "c1") == records.StoredDraft(account_id, "c1", "Hello, checking now",
                                                                            True, T0 + 5)
        assert sorted(records.draft_keys(conn)) == [(account_id, "c1"), (account_id, "c2")]
        assert records.draft(conn, account_id, "c3") is None
    with profile.write() as conn:
        assert records.delete_draft(conn, account_id, "c1") and not records.delete_draft(conn, account_id, "c1")


def test_corrections_oldest_first_by_account_and_released_on_unlock(profile):
    with profile.write() as conn:
        a = records.insert_account(conn, "chatwoot", "A", "http://127.0.0.1")
        b = records.insert_account(conn, "chatwoot", "B", "http://127.0.0.1")
        for n, (account, conv, value) in enumerate([(a, "c1", "order_status"), (b, "c9", "other"),
                                                     (a, "c1", "refund_request"), (a, "c2", "other")]):
            records.add_correction(conn, records.Correction(account, conv, None, "intent", None, value, "text", T0 + n))
        assert records.release_corrections(conn, a, "c1") == 2
        assert records.release_corrections(conn, a, "nope") == 0
    with profile.read() as conn:
        assert [c.new_value for c in records.corrections(conn)] == ["order_status", "other", "refund_request", "other"]
        assert [c.conversation_external_id for c in records.corrections(conn, account_id=a)] == ["c1", "c1", "c2"]
        locking = records.corrections(conn, account_id=a, locking=True)
        assert [(c.conversation_external_id, c.locks) for c in locking] == [("c2", True)]
        assert len(records.corrections(conn, locking=True)) == 2
