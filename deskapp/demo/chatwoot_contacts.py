"""Contact changes over the demo's Chatwoot API (ContactsController update/destroy, the contact merge action):
edits a client has to re-read, since a contact carries no updated_at."""

from __future__ import annotations

import re
from typing import Any

from deskapp.demo.chatwoot_common import EMPTY, Answer, ApiError, body_dict, ruby_int
from deskapp.demo.chatwoot_json import contact_json
from deskapp.demo.chatwoot_reads import contact_for
from deskapp.demo.seed import Contact
from deskapp.demo.state import DemoState

_PHONE = re.compile(r"\+[1-9]\d{1,14}\Z")  # Contact's phone_number format validation
_EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def _invalid(message: str, attribute: str) -> ApiError:
    """ActiveRecord::RecordInvalid as render_record_invalid answers it."""
    return ApiError(422, {"message": message, "attributes": [attribute]})


def edit_contact(state: DemoState, contact: Contact, changes: dict) -> None:
    """Apply an update as Chatwoot validates it (format, uniqueness); nothing changes when one field fails."""
    email = changes.get("email", contact.email)
    email = str(email).strip().lower() or None if email else None  # Chatwoot stores emails downcased
    phone = changes.get("phone_number", contact.phone) or None
    identifier = changes.get("identifier", contact.identifier) or None
    if email is not None and not _EMAIL.match(email):
        raise _invalid("Email Invalid email", "email")
    if phone is not None and not _PHONE.match(str(phone)):
        raise _invalid("Phone number should be in e164 format", "phone_number")
    others = [c for c in state.world.contacts if c.id != contact.id and state.contact(c.id) is not None]
    if email and any((c.email or "").lower() == email for c in others):
        raise _invalid("Email has already been taken", "email")
    if phone and any(c.phone == phone for c in others):
        raise _invalid("Phone number has already been taken", "phone_number")
    if identifier and any(c.identifier == identifier for c in others):
        raise _invalid("Identifier has already been taken", "identifier")
    if "name" in changes and changes["name"] is not None:
        contact.name = str(changes["name"])
    contact.email, contact.phone, contact.identifier = email, phone, identifier
    for key, field in (("additional_attributes", "additional_attributes"), ("custom_attributes", "custom_attributes")):
        if isinstance(changes.get(key), dict):  # merged over what is there
            setattr(contact, field, {**(getattr(contact, field) or {}), **changes[key]})
    state.version += 1


def contact_update(state: DemoState, me: int, q: dict, body: Any, contact_id: str) -> Answer:
    body = body_dict(body)
    allowed = {k: v for k, v in body.items() if k in ("name", "email", "phone_number", "identifier",
                                                      "additional_attributes", "custom_attributes")}
    with state.lock:
        contact = contact_for(state, contact_id)
        edit_contact(state, contact, allowed)
        state.record_push("contact_update", 0, body)
        return 200, {"payload": contact_json(state, contact)}


def contact_delete(state: DemoState, me: int, q: dict, body: Any, contact_id: str) -> Answer:
    """ContactPolicy#destroy? is for administrators: an agent meets Pundit's refusal."""
    with state.lock:
        contact = contact_for(state, contact_id)
        if not state.is_admin(me):
            raise ApiError.not_authorized()
        state.deleted_contacts.add(contact.id)
        state.version += 1
        state.record_push("contact_delete", 0, {"id": contact.id})
        return 200, EMPTY


def contact_merge(state: DemoState, me: int, q: dict, body: Any) -> Answer:
    """ContactMergeAction: the mergee's conversations and inboxes move to the base contact, the mergee is deleted;
    merging a contact with itself changes nothing. Unknown ids are a 404 (`contacts.find`). The answer is the
    base contact's partial (actions/contact_merges/create.json.jbuilder)."""
    body = body_dict(body)
    with state.lock:
        base = contact_for(state, ruby_int(body.get("base_contact_id"), 0))
        mergee = contact_for(state, ruby_int(body.get("mergee_contact_id"), 0))
        if base.id != mergee.id:
            for conv in state.world.conversations:
                if conv.contact_id == mergee.id:
                    conv.contact_id = base.id
                    state.touch(conv)
            base.inbox_ids.extend(i for i in mergee.inbox_ids if i not in base.inbox_ids)
            state.merged_contacts[mergee.id] = base.id
            state.version += 1
        state.record_push("contact_merge", 0, body)
        return 200, contact_json(state, base, with_inboxes=False)
