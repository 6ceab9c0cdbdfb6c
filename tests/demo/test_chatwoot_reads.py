"""demo.chatwoot_reads, called in-process: the contact list pages by 15 and its search needs a string, a
conversation's messages follow MessageFinder (the latest 20, 20 before, up to 100 after, both bounds), ids that
name nothing are 404s, and Ruby's lenient integers read garbage as 0."""

from __future__ import annotations

import pytest

from deskapp.demo import chatwoot_reads as reads
from deskapp.demo.chatwoot_common import ApiError
from deskapp.demo.state import OUTGOING, DemoState
from tests.demo.conftest import PINNED_NOW


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=3, scale="small", now=PINNED_NOW)


@pytest.fixture(scope="module")
def busy(state):
    """A conversation the admin can see, with 60 more messages than it was seeded with."""
    conv = state.conversation(1)
    for n in range(60):
        state.add_message(conv, content=f"extra {n}", message_type=OUTGOING, sender_type="agent", sender_id=1)
    return conv


def q(**params) -> dict[str, list[str]]:
    return {k: [str(v)] for k, v in params.items()}


def ids(answer) -> list[int]:
    status, body = answer
    assert status == 200
    return [m["id"] for m in body["payload"]]


def test_contacts_page_by_fifteen_and_a_page_past_the_end_is_empty(state):
    status, first = reads.contacts(state, 1, q(), None)
    live = len(state.world.contacts) - len(state.merged_contacts) - len(state.deleted_contacts)
    assert status == 200 and len(first["payload"]) == 15 and first["meta"]["count"] == live
    _, garbage = reads.contacts(state, 1, q(page="abc"), None)  # Ruby's "abc".to_i is 0: page 1
    assert garbage["payload"] == first["payload"]
    _, past = reads.contacts(state, 1, q(page=10_000), None)
    assert past["payload"] == [] and past["meta"]["current_page"] == "10000"


def test_contact_search_needs_a_string_and_finds_by_email(state):
    with pytest.raises(ApiError) as refused:
        reads.contacts_search(state, 1, q(q="  "), None)
    assert refused.value.status == 422 and "Specify search string" in refused.value.body["error"]
    someone = next(c for c in state.world.contacts if c.email)
    _, found = reads.contacts_search(state, 1, q(q=someone.email.upper()), None)
    assert someone.id in [c["id"] for c in found["payload"]]


@pytest.mark.parametrize("contact_id", ["0", "-1", "99999999", "abc"])
def test_a_contact_that_does_not_exist_is_404(state, contact_id):
    with pytest.raises(ApiError) as missing:
        reads.contact_show(state, 1, q(), None, contact_id=contact_id)
    assert missing.value.status == 404


def test_messages_follow_the_finder(state, busy):
    every = [m["id"] for m in state.messages(busy)]
    latest = ids(reads.messages(state, 1, q(), None, conv_id=str(busy.id)))
    assert latest == every[-20:]
    older = ids(reads.messages(state, 1, q(before=latest[0]), None, conv_id=str(busy.id)))
    assert older == every[-40:-20]
    newer = ids(reads.messages(state, 1, q(after=every[0]), None, conv_id=str(busy.id)))
    assert newer == every[1:101]
    between = ids(reads.messages(state, 1, q(after=every[5], before=every[9]), None, conv_id=str(busy.id)))
    assert between == every[5:9]  # after <= id < before
    assert ids(reads.messages(state, 1, q(after=every[-1]), None, conv_id=str(busy.id))) == []


def test_an_overlapping_cursor_gives_its_own_message_back(state, busy):
    every = [m["id"] for m in state.messages(busy)]
    again = ids(reads.messages(state, 1, q(after=every[-3]), None, conv_id=str(busy.id), overlap=True))
    assert again == every[-3:]


@pytest.mark.parametrize("conv_id", ["0", "99999999", "abc"])
def test_a_conversation_that_does_not_exist_is_404(state, conv_id):
    for read in (reads.conversation_show, reads.messages, reads.labels_show):
        with pytest.raises(ApiError) as missing:
            read(state, 1, q(), None, conv_id=conv_id)
        assert missing.value.status == 404


def test_csat_between_times_and_by_page(state):
    _, everything = reads.csat_responses(state, 1, q(), None)
    assert everything
    _, none = reads.csat_responses(state, 1, q(since=PINNED_NOW + 10**6), None)
    assert none == []
    _, past = reads.csat_responses(state, 1, q(page=10_000), None)
    assert past == []
