"""The hub follows Chatwoot's server code where the spec is silent or wrong: unanswered conversations, typed
message authors, contacts without updated_at, resolution seen only in activity messages, rack-attack's 429,
404 for bad ids, 401 bodies that tell a bad token from a permission refusal, attachments without extension."""

from __future__ import annotations

from collections import Counter

import pytest

from deskapp.demo.server import DemoServer
from tests.demo.conftest import PINNED_NOW, DemoClient


def _all(client: DemoClient, path: str, key: str = "payload", **params: object) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get(path, page=page, **params).json()
        chunk = body["data"][key] if "data" in body else body[key]
        if not chunk:
            return out
        out.extend(chunk)
        page += 1


def test_unanswered_conversations_say_0_even_when_a_bot_answered(client: DemoClient, demo: DemoServer) -> None:
    convs = _all(client, client.acc + "/conversations", status="all")
    unanswered = [c for c in convs if c["first_reply_created_at"] == 0]
    assert unanswered and all(type(c["first_reply_created_at"]) is int for c in convs)  # never null, never absent
    bot_only = 0
    for conv in unanswered[:60]:
        msgs = client.get(f"{client.acc}/conversations/{conv['id']}/messages", after=0).json()["payload"]
        assert not [m for m in msgs if m["message_type"] == 1 and not m["private"]
                    and m.get("sender", {}).get("type") == "user"
                    and not demo.state.messages(demo.state.conversation(conv["id"]))[0]["additional_attributes"]]
        bot_only += any(m.get("sender", {}).get("type") == "agent_bot" for m in msgs)
    assert bot_only > 5
    answered = next(c for c in convs if c["first_reply_created_at"])
    state_conv = demo.state.conversation(answered["id"])
    first_human = next(m for m in demo.state.messages(state_conv) if demo.state.is_human_reply(m))
    assert answered["first_reply_created_at"] == first_human["created_at"]


def test_message_authors_are_typed_senders_and_bot_ids_collide_with_user_ids(client: DemoClient) -> None:
    types: Counter[str] = Counter()
    bot_ids, user_ids = set(), set()
    for conv_id in range(1, 2001, 7):
        for m in client.get(f"{client.acc}/conversations/{conv_id}/messages", after=0).json()["payload"]:
            assert not {"sender_type", "sender_id", "updated_at", "account_id", "additional_attributes"} & set(m)
            sender = m.get("sender")
            if m["message_type"] in (2, 3):
                assert sender is None  # activity messages and survey templates have no author
                continue
            types[sender["type"]] += 1
            (bot_ids if sender["type"] == "agent_bot" else user_ids if sender["type"] == "user" else set()).add(
                sender["id"])
            if sender["type"] == "agent_bot":
                assert set(sender) == {"id", "name", "avatar_url", "type"}
    assert set(types) == {"contact", "user", "agent_bot"}
    assert bot_ids & user_ids  # a client that ignores `type` credits a bot's reply to a human agent


def test_a_conversations_last_message_is_push_event_data(client: DemoClient) -> None:
    conv = client.get(client.acc + "/conversations", status="all").json()["data"]["payload"][0]
    last = conv["messages"][0]
    assert last["sender_type"] in ("User", "Contact", "AgentBot", None) and isinstance(last["updated_at"], str)
    assert isinstance(conv["updated_at"], float) and "resolved_at" not in conv
    assert conv["meta"]["sender"].get("type") is None  # the contact partial, not push_event_data


def test_resolution_is_only_in_activity_messages_and_updated_at_moves_past_it(client: DemoClient,
                                                                                demo: DemoServer) -> None:
    """No resolved_at: the resolution moment is the activity message's created_at; a later CSAT survey (a
    template message) or note moves updated_at and last_activity_at past it."""
    later = 0
    for conv in [c for c in demo.state.conversations if c.status == "resolved"][:200]:
        msgs = demo.state.messages(conv)
        resolutions = [m for m in msgs if m["message_type"] == 2
                       and m["content"].startswith("Conversation was marked resolved by ")]
        assert resolutions, conv.id
        shown = client.get(f"{client.acc}/conversations/{conv.id}").json()
        assert shown["updated_at"] >= resolutions[-1]["created_at"]
        if shown["updated_at"] > resolutions[-1]["created_at"]:
            later += 1
            assert any(m["message_type"] == 3 and m["content_type"] == "input_csat" for m in msgs)
    assert later > 20


def test_contacts_have_no_updated_at_and_sort_nulls_last(client: DemoClient, demo: DemoServer) -> None:
    first = client.get(client.acc + "/contacts", sort="-last_activity_at").json()
    assert len(first["payload"]) == 15 and all("updated_at" not in c for c in first["payload"])
    everyone = _all(client, client.acc + "/contacts", sort="-last_activity_at")
    stamps = [c.get("last_activity_at") for c in everyone]
    never = stamps.index(None)  # contacts that never wrote have none...
    assert all(s is None for s in stamps[never:]) and stamps[:never] == sorted(stamps[:never], reverse=True)
    ascending = [c.get("last_activity_at") for c in _all(client, client.acc + "/contacts", sort="last_activity_at")]
    assert ascending[-1] is None and ascending[0] is not None  # ...and come last both ways
    emails = [c["email"] for c in _all(client, client.acc + "/contacts", sort="-email")]
    assert emails[0] is None and emails[-1] is not None  # a plain string sort: NULLs first descending
    unsorted = [c["id"] for c in client.get(client.acc + "/contacts", sort="shoe_size").json()["payload"]]
    assert unsorted == sorted(unsorted)  # an unknown sort is ignored, not refused
    assert len(everyone) == len(demo.state.world.contacts) == client.get(client.acc + "/contacts").json()[
        "meta"]["count"]


def test_contact_edits_on_the_hub_can_be_re_read(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    r = c.request("PATCH", f"{c.acc}/contacts/7", {"name": "Renamed Person", "custom_attributes": {"tier": "gold"}})
    assert r.status_code == 200 and r.json()["payload"]["name"] == "Renamed Person"
    assert c.get(f"{c.acc}/contacts/7").json()["payload"]["custom_attributes"] == {"tier": "gold"}
    taken = fresh.state.world.contacts[0].email or next(x.email for x in fresh.state.world.contacts if x.email)
    clash = c.request("PUT", f"{c.acc}/contacts/7", {"email": taken.upper()})
    assert clash.status_code == 422 and clash.json() == {"message": "Email has already been taken",
                                                         "attributes": ["email"]}
    assert c.request("PUT", f"{c.acc}/contacts/7", {"phone_number": "0171 555"}).status_code == 422
    elsewhere = c.session.patch(f"{c.url}/demo/contacts/8", json={"email": "New.Address@Example.com"}, timeout=10)
    assert elsewhere.status_code == 200
    assert c.get(f"{c.acc}/contacts/8").json()["payload"]["email"] == "new.address@example.com"
    found = c.get(f"{c.acc}/contacts/search", q="new.address").json()["payload"]
    assert [x["id"] for x in found] == [8]
    assert c.get(f"{c.acc}/contacts/search", q="").status_code == 422


def test_429_is_rack_attacks_fixed_window() -> None:
    clock = [PINNED_NOW + 10.0]
    with DemoServer(seed=3, live=False, now=PINNED_NOW, clock=lambda: clock[0]) as srv:
        c = DemoClient(srv.info())
        srv.set_faults(throttle_limit=5, throttle_period=60)
        codes = [c.get(c.acc + "/agents").status_code for _ in range(7)]
        assert codes == [200] * 5 + [429, 429]
        refused = c.get(c.acc + "/agents")
        assert refused.text == "Retry later\n" and refused.headers["Content-Type"].startswith("text/plain")
        assert "Retry-After" not in refused.headers
        clock[0] = PINNED_NOW + 59.9  # same window: still refused, and still counting
        assert c.get(c.acc + "/agents").status_code == 429
        clock[0] = PINNED_NOW + 60.0  # the window's end: counting starts again
        assert [c.get(c.acc + "/agents").status_code for _ in range(6)] == [200] * 5 + [429]
        assert c.session.get(c.url + "/demo/stats", timeout=10).status_code == 200  # the control plane is free
        srv.set_faults(throttle_limit=1000, throttle_search_limit=2)
        codes = [c.get(c.acc + "/contacts/search", q="a").status_code for _ in range(3)]
        assert codes == [200, 200, 429] and c.get(c.acc + "/contacts").status_code == 200
        assert srv.state.stats()["faults_injected"]["429"] == 6


def test_bad_ids_are_404_and_lenient_params_never_400(client: DemoClient) -> None:
    for path in ("/conversations/999999", "/conversations/abc", "/conversations/abc/messages",
                 "/contacts/999999", "/contacts/x1"):
        r = client.get(client.acc + path)
        assert r.status_code == 404 and r.json() == {"error": "Resource could not be found"}, path
    assert client.request("DELETE", client.acc + "/conversations/3/messages/1").status_code == 404
    assert client.get(client.acc + "/conversations", team_id=77).status_code == 404
    assert client.get(client.acc + "/conversations", page="abc").json()["data"]["payload"]  # page 1
    bogus = client.get(client.acc + "/conversations", status="bogus").json()["data"]
    assert bogus["payload"] == [] and bogus["meta"]["all_count"] == 0
    default = client.get(client.acc + "/conversations", status="all").json()["data"]["payload"]
    assert client.get(client.acc + "/conversations", status="all", sort_by="bogus").json()["data"][
        "payload"] == default
    assert client.request("DELETE", client.acc + "/agents").status_code == 404  # no route: Rails has no 405
    r = client.session.post(client.url + client.acc + "/conversations/3/messages", headers=client.headers,
                            data=b"{not json", timeout=10)
    assert r.status_code == 400
    assert client.post(client.acc + "/conversations/3/messages", {"content": "x", "message_type": "x"}).json() == \
        {"error": "'x' is not a valid message_type"}
    assert client.post(client.acc + "/conversations/3/toggle_status", {"status": "closed"}).status_code == 500


def test_401_bodies_tell_a_bad_token_from_a_refusal(fresh_client: DemoClient, fresh: DemoServer) -> None:
    c = fresh_client
    bad = c.session.get(c.url + c.acc + "/agents", headers={"api_access_token": "nope"}, timeout=10)
    assert bad.status_code == 401 and bad.json() == {"error": "Invalid Access Token"}
    none = c.session.get(c.url + c.acc + "/agents", timeout=10)
    assert none.status_code == 401 and none.json() == {"errors": ["You need to sign in or sign up before continuing."]}
    other = c.get("/api/v1/accounts/1/conversations")
    assert other.status_code == 401 and other.json() == {"error": "You are not authorized to access this account"}
    outsider = fresh.info()["agent_tokens"]["8"]  # only a member of the email and web chat inboxes
    visible = {x["inbox_id"] for x in _all(DemoClient({**fresh.info(), "chatwoot_token": outsider}),
                                           c.acc + "/conversations", status="all")}
    assert visible == {1, 2}
    foreign = next(x for x in fresh.state.conversations if x.inbox_id == 3 and x.status != "resolved")
    for method, path, body in (("GET", f"/conversations/{foreign.id}", None),
                               ("GET", f"/conversations/{foreign.id}/messages", None),
                               ("POST", f"/conversations/{foreign.id}/toggle_status", {"status": "resolved"})):
        r = c.request(method, c.acc + path, body, token=outsider)
        assert r.status_code == 401 and r.json() == {"error": "You are not authorized to do this action"}, path
    assert foreign.status != "resolved" and not fresh.state.pushes  # refused before anything was applied
    assert c.request("DELETE", f"{c.acc}/contacts/5").json() == {"error": "You are not authorized to do this action"}
    admin = c.request("DELETE", f"{c.acc}/contacts/5", token=fresh.info()["supervisor_token"])
    assert admin.status_code == 200 and c.get(f"{c.acc}/contacts/5").status_code == 404


def test_attachments_have_a_url_and_often_no_extension(client: DemoClient, demo: DemoServer) -> None:
    found = []
    for conv in demo.state.conversations:
        if conv.topic in ("damaged_item", "wrong_item") and conv.channel in ("whatsapp", "instagram"):
            msgs = client.get(f"{client.acc}/conversations/{conv.id}/messages", after=0).json()["payload"]
            found += [a for m in msgs for a in m.get("attachments", [])]
        if len(found) >= 3:
            break
    assert found and all(a["extension"] is None and a["file_type"] == "image" for a in found)
    data = client.session.get(found[0]["data_url"], timeout=10).content
    assert data.startswith(b"\x89PNG")  # only the bytes say what it is


@pytest.mark.parametrize("version", ["4.x", "3.x"])
def test_the_version_endpoint_says_which_server_this_is(version: str) -> None:
    with DemoServer(seed=3, live=False, now=PINNED_NOW, chatwoot_version=version) as srv:
        c = DemoClient(srv.info())
        body = c.session.get(c.url + "/api", timeout=10).json()
        assert body["version"].split(".")[0] == version[0] and srv.info()["chatwoot_version"] == version


def test_contact_merge_moves_conversations_and_unknown_ids_are_404(fresh_client: DemoClient,
                                                                    fresh: DemoServer) -> None:
    c = fresh_client
    mergee = next(conv.contact_id for conv in fresh.state.conversations if conv.contact_id != 1)
    moved = [conv.id for conv in fresh.state.conversations if conv.contact_id == mergee]
    r = c.post(f"{c.acc}/actions/contact_merge", {"base_contact_id": 1, "mergee_contact_id": mergee})
    assert r.status_code == 200 and r.json()["id"] == 1 and "contact_inboxes" not in r.json()
    assert c.get(f"{c.acc}/contacts/{mergee}").status_code == 404
    assert {c.get(f"{c.acc}/conversations/{i}").json()["meta"]["sender"]["id"] for i in moved} == {1}
    again = c.post(f"{c.acc}/actions/contact_merge", {"base_contact_id": 1, "mergee_contact_id": mergee})
    assert again.status_code == 404 and again.json() == {"error": "Resource could not be found"}
    assert c.post(f"{c.acc}/actions/contact_merge", {"base_contact_id": 1, "mergee_contact_id": 1}).status_code == 200
    assert c.get(f"{c.acc}/contacts/1").status_code == 200  # merging a contact with itself changes nothing
