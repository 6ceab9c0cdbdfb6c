"""Copilot on the demo workspace: real demo backend, real sync with the triage hook, suggestions, bulk answer."""

from __future__ import annotations

import re

import pytest

from deskapp.bootstrap import build_sync_engine
from deskapp.domain import AccountKind
from deskapp.services import accounts as account_service
from deskapp.services import templates as template_service
from deskapp.services.actions import ActionService
from deskapp.services.suggestions import SuggestionService
from deskapp.store.outbox import OutboxStore
from tests.sync.demo_fixture import fast_demo_server

# The demo world's Chatwoot labels (written by the demo backend, not by us) and the intent each means.
LABEL_INTENT = {"order-status": "order_status", "damaged": "damaged_or_wrong_item", "exchange": "return_exchange",
                "refund": "refund", "cancellation": "cancel_order", "discount": "discount_code",
                "address-change": "shipping_address", "pre-sales": "product_question", "billing": "invoice"}


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    from deskapp.bootstrap import Workspace
    from deskapp.paths import resolve_paths
    from deskapp.services.profile_secrets import secret_store
    from deskapp.store import migrate
    from deskapp.store.engine import Database
    from deskapp.store.profile import ProfileStore

    paths = resolve_paths(tmp_path_factory.mktemp("demo-copilot")).ensure()
    db = Database(paths.cache_db)
    migrate.upgrade(db)
    profile = ProfileStore(paths.profile_db)
    ws = Workspace(paths=paths, db=db, secrets=secret_store(profile), profile=profile)
    with fast_demo_server(seed=1) as (_server, info):
        account_service.add_account(ws, AccountKind.CHATWOOT, "Demo hub", info["url"], info["chatwoot_token"],
                                    {"account_id": info["chatwoot_account_id"]})
        account_service.add_account(ws, AccountKind.SHOPIFY, "Demo shop", info.get("shop_url") or info["url"],
                                    info["shopify_token"], {})
        try:
            build_sync_engine(ws, replay=False).sync_all_once()
            yield ws
        finally:
            db.close()
            ws.profile.close()


def test_sync_labels_conversations_and_they_agree_with_the_demo_topics(synced):
    with synced.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.intent, group_concat(l.label) FROM conversation c"
            " LEFT JOIN conversation_label l ON l.conversation_id = c.id GROUP BY c.id").all()
        labelled = conn.exec_driver_sql("SELECT count(*) FROM message WHERE direction = 'in' AND intent IS NOT NULL"
                                        " AND trim(text) != ''").scalar()
        inbound = conn.exec_driver_sql("SELECT count(*) FROM message WHERE direction = 'in' AND trim(text) != ''"
                                       ).scalar()
    assert rows and labelled == inbound > 0
    assert all(intent for intent, _ in rows)
    judged = [(intent, LABEL_INTENT[label]) for intent, labels in rows for label in (labels or "").split(",")
              if label in LABEL_INTENT]
    agree = sum(a == b for a, b in judged) / len(judged)
    print(f"\ndemo topics: {len(judged)} conversations, triage agrees with the demo's own label on {agree:.0%}")
    assert agree >= 0.6


def test_the_urgent_view_holds_angry_or_time_critical_conversations(synced):
    # The inbox's Urgent view (deskapp.services.inbox): open conversations with urgency (or priority) urgent.
    with synced.db.read() as conn:
        urgent = conn.exec_driver_sql(
            "SELECT c.id, c.sentiment, (SELECT group_concat(text, ' | ') FROM message m WHERE m.conversation_id = c.id"
            " AND m.direction = 'in') FROM conversation c WHERE c.urgency = 'urgent'"
            " AND c.status IN ('open', 'pending')").all()
        open_total = conn.exec_driver_sql("SELECT count(*) FROM conversation WHERE status IN ('open', 'pending')"
                                          ).scalar()
    assert urgent, "some demo customers are angry"
    assert len(urgent) < open_total / 3, "urgent must stay a short list"
    angry = re.compile(r"disappointed|unacceptable|ridiculous|still waiting|nobody|third time|lawyer|chargeback|"
                       r"scam|fraud|furious|!!|[A-Z]{4,}")
    judged = [bool(sentiment == "negative" or angry.search(texts or "")) for _cid, sentiment, texts in urgent]
    print(f"\nurgent view: {len(urgent)} of {open_total} open conversations,"
          f" {sum(judged)} angry or time-critical")
    assert sum(judged) >= len(urgent) * 0.8


def test_where_is_my_order_suggestion_has_the_customers_order_number_and_tracking_link(synced):
    svc = SuggestionService(synced.db, synced.profile)
    with synced.db.read() as conn:
        candidates = conn.exec_driver_sql(
            "SELECT c.id, o.number, o.tracking_urls FROM conversation c"
            ' JOIN "order" o ON o.customer_id = c.customer_id'
            " WHERE c.intent = 'order_status' AND o.tracking_urls != '[]'"
            " AND o.placed_at = (SELECT max(placed_at) FROM \"order\" WHERE customer_id = c.customer_id)"
            " LIMIT 20").all()
    assert candidates
    hits = 0
    for cid, number, urls in candidates:
        texts = [s.text for s in svc.suggest(cid)]
        hits += any(number in t and any(u in t for u in __import__("json").loads(urls)) for t in texts)
    assert hits >= len(candidates) * 0.7


def test_forty_where_is_my_order_conversations_answered_in_one_bulk_action(synced):
    ids = template_service.bulk_candidates(synced.db, "order_status", statuses=("open", "pending", "snoozed",
                                                                                   "resolved"))
    assert len(ids) >= 40
    template = next(t for t in template_service.list_templates(synced.db, synced.profile, intent="order_status")
                    if "tracking_url" in t.body)
    items = template_service.bulk_preview(synced.db, template.body, ids[:60])
    ready = [i for i in items if i.selected][:40]
    assert len(ready) == 40
    outbox = OutboxStore(synced.paths.outbox_db)
    try:
        client_ids = template_service.bulk_send(ActionService(synced.db, outbox, synced.profile), ready)
        assert len(set(client_ids)) == 40
        assert len([r for r in outbox.items() if r.client_id in set(client_ids)]) == 40
    finally:
        outbox.close()
