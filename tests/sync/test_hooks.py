"""sync.hooks: a pass's summary as the JSON `deskapp sync --json` prints, and an applied batch as the views'
changes (its conversations, customers and orders; counts follow touched conversations)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from deskapp.domain import Connectivity
from deskapp.domain.changes import NOTHING
from deskapp.store.ingest import AppliedChanges
from deskapp.sync.hooks import SyncEvent, SyncSummary, changes_of


def test_a_summary_as_json():
    summary = SyncSummary(3, "chatwoot", Connectivity.ONLINE, pages=4, records=120, new_messages=7, conversations=5,
                          duplicates=1, not_imported=2, errors=["page 3: bad JSON"], seconds=1.23456,
                          last_sync=datetime(2026, 3, 1, 12, 30, tzinfo=UTC))
    shown = summary.as_dict()
    assert shown == {"account_id": 3, "kind": "chatwoot", "state": "online", "pages": 4, "records": 120,
                     "new_messages": 7, "conversations": 5, "duplicates": 1, "not_imported": 2,
                     "errors": ["page 3: bad JSON"], "seconds": 1.235, "last_sync": "2026-03-01T12:30:00+00:00"}
    assert json.loads(json.dumps(shown)) == shown
    shown["errors"].append("changed by the caller")
    assert summary.errors == ["page 3: bad JSON"]  # a copy


def test_an_empty_summary_before_any_sync():
    shown = SyncSummary(1).as_dict()
    assert shown["state"] == "unknown" and shown["last_sync"] is None and shown["errors"] == []
    assert SyncSummary(1).errors is not SyncSummary(2).errors


def test_changes_of_an_applied_batch():
    applied = AppliedChanges(1, "conversations", conversation_ids=[4, 5, 4], customer_ids=[9], order_ids=[11, 12])
    changes = changes_of(applied)
    assert changes.conversations == {4, 5} and changes.customers == {9} and changes.orders == {11, 12}
    assert changes.counts and not changes.all


def test_a_batch_that_touched_only_orders_leaves_the_counts():
    changes = changes_of(AppliedChanges(1, "orders", order_ids=[12]))
    assert changes.orders == {12} and not changes.counts and not changes.conversations
    assert not changes_of(AppliedChanges(1)) and changes_of(AppliedChanges(1)) == NOTHING


def test_an_event_carries_nothing_changed_by_default():
    event = SyncEvent(1, Connectivity.ONLINE, 2, 10, "pulling conversations")
    assert event.changes == NOTHING and event.last_sync is None
