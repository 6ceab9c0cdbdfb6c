"""The seeded world: the same for the same seed, different for another, and believable (channels, merges,
topics, languages, notes, bots, CSAT, reopened conversations, realistic response times)."""

from __future__ import annotations

import re
import statistics
from collections import Counter

import pytest

from deskapp.demo.seed import CHANNELS, build_world
from deskapp.demo.state import DemoState
from deskapp.domain.identity import normalize_email
from tests.demo.conftest import PINNED_NOW


@pytest.fixture(scope="module")
def state() -> DemoState:
    return DemoState(seed=11, scale="small", now=PINNED_NOW)


def _fingerprint(state: DemoState, sample: range) -> list:
    w = state.world
    convs = [(c.id, c.uuid, c.status, c.assignee_id, c.labels, c.priority, c.created_at, c.updated_at)
             for c in w.conversations]
    msgs = [[(m["id"], m["content"], m["created_at"], m["message_type"]) for m in state.messages(w.conversations[i])]
            for i in sample]
    contacts = [(c.id, c.name, c.email, c.phone, c.identifier) for c in w.contacts]
    orders = [(o.number, o.person_idx, o.financial, o.fulfillment, o.tracking_url) for o in w.orders]
    return [convs, msgs, contacts, orders, state.csat]


def test_same_seed_same_world(state: DemoState) -> None:
    again = DemoState(seed=11, scale="small", now=PINNED_NOW)
    sample = range(0, 2000, 97)
    assert _fingerprint(state, sample) == _fingerprint(again, sample)


def test_other_seed_other_world(state: DemoState) -> None:
    other = DemoState(seed=12, scale="small", now=PINNED_NOW)
    assert [c.name for c in other.world.contacts[:50]] != [c.name for c in state.world.contacts[:50]]


def test_messages_rebuilt_on_demand_are_stable(state: DemoState) -> None:
    conv = state.world.conversations[123]
    first = [dict(m) for m in state.messages(conv)]
    state._seeded_cache.clear()
    assert state.messages(conv) == first
    ids = [m["id"] for m in first]
    assert ids == list(range(conv.msg_base, conv.msg_base + conv.n_seeded))


def test_scale_and_mix(state: DemoState) -> None:
    w = state.world
    assert len(w.conversations) == 2000 and len(w.people) == 600 and len(w.orders) == 1500
    assert len(w.agents) == 8 and len(w.teams) == 2
    assert sum(a["role"] == "administrator" for a in w.agents) == 1
    assert state.agent(state.me_id)["role"] == "agent"
    assert {b["channel_type"] for b in w.inboxes} == {c[1] for c in CHANNELS}
    channels = Counter(c.channel for c in w.conversations)
    assert set(channels) == {c[0] for c in CHANNELS} and min(channels.values()) > 50
    assert all(now_ok for now_ok in (c.created_at >= PINNED_NOW - 90 * 86400 for c in w.conversations))
    statuses = Counter(c.status for c in w.conversations)
    # most are settled; the open backlog is the newest conversations (tests/demo/test_history_shape.py)
    assert statuses["resolved"] > 0.9 * len(w.conversations) and statuses["open"] > 15 and statuses["pending"] > 3
    assert sum("reopened" in c.labels for c in w.conversations) > 30
    assert sum(c.priority in ("high", "urgent") for c in w.conversations) > 50
    # a conversation is picked up (assigned) before it is answered; only what nobody has reached yet is unassigned
    assert all(c.assignee_id is not None for c in w.conversations if c.first_reply_at is not None)
    assert len(state.csat) > 300 and {r["rating"] for r in state.csat} == {1, 2, 3, 4, 5}
    assert Counter(c.lang for c in w.conversations).keys() >= {"en", "de", "es", "fr"}
    assert Counter(c.topic for c in w.conversations).keys() >= {
        "where_is_my_order", "damaged_item", "wrong_size", "refund", "cancel", "discount_code", "address_change"}
    avg = state.message_count() / len(w.conversations)
    assert 7 <= avg <= 13


def test_people_reach_out_on_several_channels_and_can_be_merged(state: DemoState) -> None:
    w = state.world
    multi = [p for p in w.people if len(p.contact_ids) > 1]
    assert len(multi) > 100  # one person, several Chatwoot contacts
    # the shop knows every person's email and phone: exact matches tie the contacts together
    for person in multi[:50]:
        for contact_id in person.contact_ids.values():
            contact = w.contacts[contact_id - 1]
            keys = {normalize_email(contact.email) if contact.email else None, contact.phone} - {None}
            if contact.kind != "social":
                assert keys & {normalize_email(person.email), person.phone}
    assert all(c.email == c.email.lower() for c in w.contacts if c.email)  # Chatwoot downcases contact emails


def test_messages_read_like_a_shop_support_history(state: DemoState) -> None:
    w = state.world
    kinds: Counter[str] = Counter()
    texts = []
    frt = []
    campaigns = 0
    for conv in w.conversations[::5]:
        msgs = state.messages(conv)
        first = msgs[0]
        assert first["created_at"] == conv.created_at
        campaigns += bool(first["additional_attributes"].get("campaign_id"))
        first_in = next(m for m in msgs if m["message_type"] == 0)
        assert first_in is first or first["additional_attributes"]["campaign_id"]  # or a campaign opened it
        for m in msgs:
            kinds[(m["message_type"], m["private"], m["sender_type"])] += 1
            texts.append(m["content"])
        replies = [m for m in msgs if state.is_human_reply(m)]
        assert conv.first_reply_at == (replies[0]["created_at"] if replies else None)
        if replies:
            frt.append(replies[0]["created_at"] - first_in["created_at"])
        times = [m["created_at"] for m in msgs]
        assert times == sorted(times) and times[-1] == conv.last_activity_at == conv.updated_at
    assert kinds[(1, True, "agent")] > 50  # private notes
    assert kinds[(1, False, "agent_bot")] > 50  # bot replies
    assert kinds[(2, False, None)] > 300  # activity messages
    assert kinds[(3, False, None)] > 50  # CSAT survey templates
    assert campaigns > 5
    joined = "\n".join(texts)
    assert re.search(r"#\d{4}", joined) and "https://" in joined  # order numbers and tracking links
    assert "Bestellung" in joined and "pedido" in joined and "commande" in joined
    assert "RIDICULOUS" in joined or "Unacceptable" in joined
    assert "Thanks so much" in joined or "Many thanks" in joined
    median = statistics.median(frt)
    assert 60 < median < 12 * 3600, median  # a minute for chat, minutes for social, hours for email


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        build_world(1, "huge", PINNED_NOW)


def test_exact_merge_count_the_stats_promise(state: DemoState) -> None:
    """Union contacts and shop customers on exact email / E.164 phone: the count /demo/stats announces."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    w = state.world
    for p in w.people:  # a Shopify customer carries both email and phone
        union(f"shop:{p.idx}", f"e:{normalize_email(p.email)}")
        union(f"shop:{p.idx}", f"p:{p.phone}")
    for c in w.contacts:
        node = f"contact:{c.id}"
        find(node)
        if c.email:
            union(node, f"e:{normalize_email(c.email)}")
        if c.phone:
            union(node, f"p:{c.phone}")
    groups = {find(f"contact:{c.id}") for c in w.contacts} | {find(f"shop:{p.idx}") for p in w.people}
    assert len(groups) == state.stats()["counts"]["customers_after_exact_merge"]
    assert sum(1 for _ in state.iter_messages()) == state.message_count()


@pytest.mark.parametrize("later", [3 * 86400, 7 * 86400 + 5 * 3600])
def test_another_day_keeps_ids_and_words(state: DemoState, later: int) -> None:
    """A cache filled on Monday stays valid on Thursday: the same conversations, message ids and words; the
    times follow the calendar (the weekday rhythm moves them a little more or less than the days between)."""
    other = DemoState(seed=11, scale="small", now=PINNED_NOW + later)

    def words(msgs: list[dict]) -> list[tuple[int, int, str]]:  # dates written in notes move with the world
        return [(m["id"], m["message_type"], re.sub(r"\b\d{2} [A-Z][a-z]{2}\b", "<date>", m["content"]))
                for m in msgs]

    for a, b in zip(state.world.conversations, other.world.conversations, strict=True):
        assert (a.id, a.uuid, a.msg_base, a.inbox_id, a.contact_id, a.topic, a.order_idx) == \
               (b.id, b.uuid, b.msg_base, b.inbox_id, b.contact_id, b.topic, b.order_idx)
        assert abs(b.created_at - a.created_at - later) < 36 * 3600
        if a.id % 10 == 0:
            ma, mb = state.messages(a), other.messages(b)
            common = min(len(ma), len(mb))
            assert words(ma[:common]) == words(mb[:common])
    default = DemoState(seed=11, scale="small")
    assert default.world.now % 3600 == 0  # anchored at the hour (UTC) unless told otherwise
