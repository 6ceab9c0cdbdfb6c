"""Templates service: default set, CRUD, Chatwoot canned-response import, JSON round trip, previews and bulk answer."""

from __future__ import annotations

import json

import pytest

from deskapp.services import templates as svc
from deskapp.services.actions import ActionService
from deskapp.store.outbox import OutboxStore
from tests.copilot.helpers import T0, add_account, add_conversation, add_customer, add_message, add_order


def test_default_templates_are_seeded_once_and_not_resurrected(db, profile):
    n = svc.ensure_default_templates(profile)
    assert n >= 20
    rows = svc.list_templates(db, profile)
    assert len(rows) == n and all(r.scope == "team" and r.intents for r in rows)
    assert {i for r in rows for i in r.intents} >= {"order_status", "delivery_problem", "refund", "return_exchange",
                                                   "damaged_or_wrong_item", "cancel_order", "shipping_address"}
    svc.delete_template(profile, rows[0].id)
    assert svc.ensure_default_templates(profile) == 0
    assert len(svc.list_templates(db, profile)) == n - 1


def test_create_update_delete_and_validation(db, profile):
    tid = svc.save_template(profile, name="Hello", body="Hi {{ customer.first_name }}", shortcut="/hi",
                            scope="personal", intents=["feedback"])
    t = svc.get_template(db, profile, tid)
    assert (t.name, t.shortcut, t.scope, t.intents) == ("Hello", "/hi", "personal", ("feedback",))
    svc.save_template(profile, template_id=tid, name="Hello 2", body="Hey {{ customer.nickname }}",
                      intents=["other"])
    assert svc.get_template(db, profile, tid).name == "Hello 2"  # unknown variables are warnings, not errors
    for bad in ({"name": "", "body": "x"}, {"name": "x", "body": "{% if %}"},
                {"name": "x", "body": "x", "scope": "galaxy"}, {"name": "x", "body": "x", "intents": ["weather"]}):
        with pytest.raises(svc.TemplateError):
            svc.save_template(profile, **bad)
    with pytest.raises(svc.TemplateError):
        svc.save_template(profile, template_id=9999, name="x", body="x")
    assert svc.delete_template(profile, tid) and svc.get_template(db, profile, tid) is None
    assert list(svc.list_templates(db, profile, intent="feedback")) == []


def test_chatwoot_canned_responses_become_editable_templates_once(db, profile):
    with db.write() as conn:
        add_account(conn)
        conn.exec_driver_sql(
            "INSERT INTO template(account_id, external_id, name, body, shortcut, scope, intents, updated_at)"
            " VALUES (1, '7', 'refund_done', ?, 'refund_done', 'team', '[]', 0)",
            ("Hi {{contact.first_name}}, your refund is on its way back to your card."
             " Regards, {{agent.name}} {{inbox.name}} {% raw",))
    assert svc.import_chatwoot_canned(db, profile) == 1
    copies = [t for t in svc.list_templates(db, profile) if not t.synced]
    assert len(copies) == 1
    copy = copies[0]
    assert copy.external_id == "chatwoot:1:7"
    assert copy.intents == ("refund",)
    result = svc.preview(db, copy.body, None, agent_name="Sam")
    assert result.error is None
    assert "Sam" in result.text and "{{inbox.name}}" in result.text and "{% raw" in result.text
    assert svc.import_chatwoot_canned(db, profile) == 1
    assert len([t for t in svc.list_templates(db, profile) if not t.synced]) == 1, "re-import updates, never duplicates"
    synced = next(t for t in svc.list_templates(db, profile) if t.synced)
    assert svc.get_template(db, profile, synced.id) == synced and synced.id != copy.id
    with pytest.raises(svc.TemplateError, match="Chatwoot"):
        svc.save_template(profile, template_id=synced.id, name="x", body="y")
    assert not svc.delete_template(profile, synced.id)  # it goes away on its server only


def test_json_export_import_round_trip_and_bad_files(db, profile, tmp_path):
    svc.save_template(profile, name="A", body="Hi {{ customer.first_name }}", intents=["order_status"], shortcut="/a")
    svc.save_template(profile, name="B", body="Bye", scope="personal")
    exported = svc.export_json(profile)
    doc = json.loads(exported)
    assert doc["format"] == svc.EXPORT_FORMAT and [t["name"] for t in doc["templates"]] == ["A", "B"]
    for t in svc.list_templates(db, profile):
        svc.delete_template(profile, t.id)
    assert svc.import_json(profile, exported) == 2
    assert svc.import_json(profile, exported) == 2  # same names: updated in place
    assert sorted(t.name for t in svc.list_templates(db, profile)) == ["A", "B"]
    for bad in ("not json", "{}", json.dumps({"templates": [{"name": "x"}]}),
                json.dumps({"templates": [{"name": "x", "body": "{% for %}"}]}),
                json.dumps({"templates": [{"name": "ok", "body": "fine"},
                                          {"name": "bad", "body": "x", "intents": "refund"}]})):
        with pytest.raises(svc.TemplateError):
            svc.import_json(profile, bad)
    assert sorted(t.name for t in svc.list_templates(db, profile)) == ["A", "B"], "a bad file imports nothing"


def _wismo_cache(db, n: int):
    """n open 'where is my order' conversations, each customer with an order and tracking link."""
    ids = []
    with db.write() as conn:
        add_account(conn)
        for i in range(n):
            cust = add_customer(conn, f"Customer{i} Test", f"c{i}@example.com")
            add_order(conn, cust, f"#{2000 + i}", tracking_url=f"https://track.example/{2000 + i}",
                      lines=(("Blue Mug", 1),))
            cid = add_conversation(conn, f"w{i}", cust, subject="Where is my order?")
            add_message(conn, cid, "in", f"Hi, where is my order #{2000 + i}?", at=T0 + i)
            conn.exec_driver_sql("UPDATE conversation SET intent = 'order_status' WHERE id = ?", (cid,))
            ids.append(cid)
        no_order = add_conversation(conn, "w-none", add_customer(conn, "Nobody Here"), subject="?")
        conn.exec_driver_sql("UPDATE conversation SET intent = 'order_status' WHERE id = ?", (no_order,))
    return ids, no_order


def test_bulk_answer_previews_each_reply_and_queues_them_through_the_outbox(db, profile, data_dir):
    ids, no_order = _wismo_cache(db, 40)
    candidates = svc.bulk_candidates(db, "order_status")
    assert set(candidates) == set(ids) | {no_order}
    body = next(t.body for t in svc.list_templates(db, profile, intent="order_status") if "tracking_url" in t.body) \
        if svc.ensure_default_templates(profile) else None
    items = svc.bulk_preview(db, body, candidates, agent_name="Sam")
    by_id = {i.conversation_id: i for i in items}
    assert "#2007" in by_id[ids[7]].text and "https://track.example/2007" in by_id[ids[7]].text
    assert "Customer7" in by_id[ids[7]].text and "#2008" not in by_id[ids[7]].text
    assert not by_id[no_order].selected and "order.number" in by_id[no_order].result.missing
    outbox = OutboxStore(data_dir / "outbox.sqlite3")
    try:
        client_ids = svc.bulk_send(ActionService(db, outbox, profile), items)
        assert len(client_ids) == 40
        pending = outbox.items() if hasattr(outbox, "items") else None
        if pending is not None:
            assert len(pending) == 40
        with db.read() as conn:
            queued = conn.exec_driver_sql(
                "SELECT conversation_id, text FROM message WHERE direction = 'out' AND delivery = 'queued'").all()
        assert len(queued) == 40
        assert all(f"#{2000 + ids.index(cid)}" in text for cid, text in queued)
    finally:
        outbox.close()


def _shop(conn, account_id: int, name: str, url: str = "https://green-leaf.myshopify.com") -> None:
    conn.exec_driver_sql("INSERT INTO account(id, kind, name, base_url, created_at) VALUES (?, 'shopify', ?, ?, 0)",
                         (account_id, name, url))


def test_agent_email_and_shop_name_are_filled_from_the_accounts(db):
    body = "{{ shop.name }} · {{ agent.email }}"
    with db.write() as conn:
        add_account(conn)  # the help desk: its signed-in agent is sam@shop
        _shop(conn, 2, "Green Leaf Tea")
        conn.exec_driver_sql(
            "INSERT INTO account(id, kind, name, settings, created_at) VALUES (3, 'imap_smtp', 'mail', ?, 0)",
            (json.dumps({"host": "127.0.0.1", "security": "plain", "user": "support@green-leaf.test"}),))
        buyer = add_customer(conn, "Ida Buyer")
        add_order(conn, buyer, "#3001", account_id=2)
        on_desk = add_conversation(conn, "c1", buyer)
        by_mail = add_conversation(conn, "c2", buyer, account_id=3)
        no_order = add_conversation(conn, "c3", add_customer(conn, "New Person"))
    result = svc.preview(db, body, on_desk)
    assert (result.text, result.missing) == ("Green Leaf Tea · sam@shop", [])
    # a mail account has no agent profile: the customer writes to the mailbox our replies come from
    assert svc.preview(db, body, by_mail).text == "Green Leaf Tea · support@green-leaf.test"
    # no order to say which shop: the only shop there is
    assert svc.preview(db, body, no_order).text == "Green Leaf Tea · sam@shop"


def test_agent_email_and_shop_name_are_reported_missing_rather_than_made_up(db):
    body = "{{ shop.name }} · {{ agent.email }}"
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO account(id, kind, name, created_at) VALUES (1, 'chatwoot', 'hub', 0)")
        conn.exec_driver_sql("INSERT INTO agent(account_id, external_id, name, email, is_me)"
                             " VALUES (1, 'me', 'Sam', '', 1), (1, 'oz', 'Oz', 'oz@shop', 0)")
        _shop(conn, 2, "Shopify")  # what the accounts dialog calls a shop left unnamed
        buyer = add_customer(conn, "Ida Buyer")
        add_order(conn, buyer, "#3001", account_id=2)
        cid = add_conversation(conn, "c1", buyer)
    result = svc.preview(db, body, cid)
    assert result.text == "·" and result.missing == ["shop.name", "agent.email"]
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE account SET name = 'shopify https://green-leaf.myshopify.com' WHERE id = 2")
        _shop(conn, 4, "Second Shop", "https://second.myshopify.com")
        other = add_conversation(conn, "c2", add_customer(conn, "New Person"))
    assert svc.preview(db, body, cid).missing == ["shop.name", "agent.email"]  # the CLI's stand-in name
    assert svc.preview(db, body, other).missing == ["shop.name", "agent.email"]  # two shops, no order: which?
