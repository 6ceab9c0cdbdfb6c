"""What `deskapp stats` and the status bar read: counts, accounts' sync state, outbox counts, work offline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deskapp.domain import OutboxKind, OutboxState
from deskapp.services import stats
from deskapp.services.profile import set_work_offline
from deskapp.store.outbox import OutboxStore
from tests.ui.fill import NOW, fill


@pytest.fixture
def filled(db):
    fill(db, conversations=12)
    return db


def test_workspace_stats_counts_and_accounts(filled):
    figures = stats.workspace_stats(filled)
    assert (figures["conversations"], figures["messages"], figures["customers"], figures["orders"]) == (12, 48, 4, 8)
    assert [(a["id"], a["kind"], a["state"]) for a in figures["accounts"]] == [(1, "chatwoot", "online"),
                                                                               (2, "shopify", "online")]
    assert figures["accounts"][0]["last_sync"] == datetime.fromtimestamp(NOW, UTC).isoformat()
    assert figures["accounts"][0]["last_error"] is None


def test_status_bar_reads_accounts_outbox_and_the_offline_switch(filled, profile, data_dir):
    accounts, pending, problems, offline = stats.status_bar(filled, None)
    assert [a["name"] for a in accounts] == ["Support hub", "Shop"] and accounts[0]["last_sync"] == NOW
    assert (pending, problems, offline) == (0, 0, False)
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    try:
        first = outbox.append(account_id=1, conversation_external_id="cw1", kind=OutboxKind.NOTE, payload={"text": "a"})
        outbox.append(account_id=1, conversation_external_id="cw2", kind=OutboxKind.NOTE, payload={"text": "b"})
        outbox.mark_problem(first.client_id, OutboxState.CONFLICT, reason="resolved elsewhere")
        set_work_offline(filled, profile, True)
        assert stats.status_bar(filled, outbox)[1:] == (1, 1, True)
        set_work_offline(filled, profile, False)
        assert stats.status_bar(filled, outbox)[3] is False
    finally:
        outbox.close()


def test_status_bar_on_an_empty_cache(db):
    assert stats.status_bar(db, None) == ([], 0, 0, False)
