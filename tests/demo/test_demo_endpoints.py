"""demo.demo_endpoints: the hub's control plane, called in-process: fault switches (set, patched, refused),
live events on demand (bounded), a customer writing in and a contact edited elsewhere, with the refusals a
script gets for a bad body or an unknown id."""

from __future__ import annotations

from deskapp.demo.demo_endpoints import demo_endpoint


def test_faults_are_set_patched_and_a_bad_switch_refused(fresh):
    status, faults = demo_endpoint(fresh, "GET", "/demo/faults", None)
    assert status == 200 and isinstance(faults, dict)
    status, body = demo_endpoint(fresh, "POST", "/demo/faults", {"no_such_switch": True})
    assert status == 400 and "error" in body
    assert demo_endpoint(fresh, "GET", "/demo/faults", None) == (200, faults)  # a refused change changes nothing


def test_stats_and_what_the_hub_received(fresh):
    status, stats = demo_endpoint(fresh, "GET", "/demo/stats", None)
    assert status == 200 and stats
    assert demo_endpoint(fresh, "GET", "/demo/received_messages", None) == (200, [])


def test_live_events_on_demand_are_bounded(fresh):
    status, body = demo_endpoint(fresh, "POST", "/demo/live", {"events": 3})
    assert status == 200 and len(body["events"]) == 3
    assert demo_endpoint(fresh, "POST", "/demo/live", {"events": -5}) == (200, {"events": []})
    assert len(demo_endpoint(fresh, "POST", "/demo/live", ["not", "an", "object"])[1]["events"]) == 1


def test_a_customer_writes_in(fresh):
    before = fresh.state.stats()
    status, body = demo_endpoint(fresh, "POST", "/demo/conversations/1/incoming", {"content": "Any news?"})
    assert status == 200 and body["conversation_id"] == 1 and body["id"]
    assert fresh.state.stats() != before


def test_a_customer_message_needs_content_and_an_existing_conversation(fresh):
    for bad in (None, {}, {"content": ""}, {"content": 42}, ["content"]):
        assert demo_endpoint(fresh, "POST", "/demo/conversations/1/incoming", bad)[0] == 400
    assert demo_endpoint(fresh, "POST", "/demo/conversations/999999/incoming", {"content": "hi"}) == (
        404, {"error": "no such conversation"})


def test_a_contact_edited_elsewhere_and_the_refusals(fresh):
    status, body = demo_endpoint(fresh, "PATCH", "/demo/contacts/1", {"name": "Ana Lima-Berg"})
    assert status == 200 and body["name"] == "Ana Lima-Berg" and body["id"] == 1
    assert demo_endpoint(fresh, "PATCH", "/demo/contacts/1", "Ana")[0] == 400
    assert demo_endpoint(fresh, "PATCH", "/demo/contacts/999999", {"name": "x"}) == (404, {"error": "no such contact"})


def test_anything_else_is_not_found(fresh):
    for method, path in (("GET", "/demo/nothing"), ("DELETE", "/demo/faults"), ("GET", "/demo/contacts/1"),
                         ("POST", "/demo/conversations/abc/incoming")):
        assert demo_endpoint(fresh, method, path, None) == (404, {"error": "Not found"})
