"""demo.chatwoot_contacts: contact edits, deletes and merges as Chatwoot's controllers validate them: formats,
uniqueness, all-or-nothing, administrators only for deletes, and the merge moving conversations."""

from __future__ import annotations

import pytest

from deskapp.demo.chatwoot_common import ApiError
from deskapp.demo.chatwoot_contacts import contact_delete, contact_merge, contact_update, edit_contact
from deskapp.demo.state import DemoState
from tests.demo.conftest import PINNED_NOW


@pytest.fixture
def state() -> DemoState:
    return DemoState(seed=5, scale="small", now=PINNED_NOW)


def admin_and_agent(state: DemoState) -> tuple[int, int]:
    admin = next(a["id"] for a in state.world.agents if state.is_admin(a["id"]))
    agent = next(a["id"] for a in state.world.agents if not state.is_admin(a["id"]))
    return admin, agent


def test_an_edit_is_stored_as_chatwoot_stores_it(state):
    contact = state.contact(1)
    version = state.version
    edit_contact(state, contact, {"name": "Ana Lima", "email": "  Ana.Lima@Example.COM ",
                                  "phone_number": "+4915112345678", "custom_attributes": {"tier": "gold"}})
    assert (contact.name, contact.email, contact.phone) == ("Ana Lima", "ana.lima@example.com", "+4915112345678")
    assert contact.custom_attributes["tier"] == "gold" and state.version == version + 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"email": "not-an-email"}, "Email Invalid email"),
    ({"phone_number": "0151 1234"}, "Phone number should be in e164 format"),
    ({"phone_number": "+0123"}, "Phone number should be in e164 format"),
])
def test_a_bad_format_is_a_422_and_changes_nothing(state, changes, message):
    contact = state.contact(1)
    before = (contact.name, contact.email, contact.phone)
    with pytest.raises(ApiError) as refused:
        edit_contact(state, contact, {"name": "Changed", **changes})
    assert refused.value.status == 422 and refused.value.body["message"] == message
    assert (contact.name, contact.email, contact.phone) == before


def test_an_email_or_phone_another_contact_has_is_taken(state):
    other = next(c for c in state.world.contacts[1:] if c.email)
    with pytest.raises(ApiError) as refused:
        edit_contact(state, state.contact(1), {"email": other.email.upper()})
    assert refused.value.body == {"message": "Email has already been taken", "attributes": ["email"]}


def test_update_over_the_api_takes_only_the_allowed_fields(state):
    admin, _agent = admin_and_agent(state)
    status, body = contact_update(state, admin, {}, {"name": "Bea", "id": 999, "blocked": True}, "1")
    assert status == 200 and body["payload"]["name"] == "Bea" and body["payload"]["id"] == 1


def test_only_an_administrator_deletes_a_contact(state):
    admin, agent = admin_and_agent(state)
    with pytest.raises(ApiError) as refused:
        contact_delete(state, agent, {}, None, "2")
    assert refused.value.status == 401 and state.contact(2) is not None
    assert contact_delete(state, admin, {}, None, "2")[0] == 200
    assert state.contact(2) is None
    with pytest.raises(ApiError) as gone:
        contact_delete(state, admin, {}, None, "2")
    assert gone.value.status == 404


def test_a_merge_moves_the_mergees_conversations_and_merging_with_itself_changes_nothing(state):
    admin, _agent = admin_and_agent(state)
    mergee = next(c.contact_id for c in state.conversations if c.contact_id != 1)
    moved = [c.id for c in state.conversations if c.contact_id == mergee]
    status, body = contact_merge(state, admin, {}, {"base_contact_id": 1, "mergee_contact_id": mergee})
    assert status == 200 and body["id"] == 1
    assert all(state.conversation(i).contact_id == 1 for i in moved) and state.contact(mergee) is None
    version = state.version
    assert contact_merge(state, admin, {}, {"base_contact_id": "1", "mergee_contact_id": "1"})[0] == 200
    assert state.version == version
    with pytest.raises(ApiError) as unknown:
        contact_merge(state, admin, {}, {"base_contact_id": 1, "mergee_contact_id": "abc"})
    assert unknown.value.status == 404
