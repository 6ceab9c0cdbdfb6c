"""The inbox's SLA chips and the dashboard's "at risk now" / "breaching now" name the same conversations, on a
cache filled by the real ingest and its KPI hook, with an offline reply, under the default and changed
targets; the "SLA due first" sort follows the deadlines. The clock is pinned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain import AuthorKind, Channel, Conversation, DeliveryState, Direction, Message, OutboxKind, Status
from deskapp.kpi.period import Period
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.services import inbox
from deskapp.services.reports import ReportService
from deskapp.store import accounts, optimistic, profile_mirror
from deskapp.store.ingest import apply_batch

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 3, 1), date(2026, 3, 11), ZoneInfo("UTC"))
MIN = 60

# name: (channel, status, customer wrote this many seconds ago, what followed)
CASES = {
    "chat_at_risk": (Channel.WEB_CHAT, Status.OPEN, 90, None),  # 90 s of 120
    "chat_fresh": (Channel.WEB_CHAT, Status.OPEN, 30, None),
    "whatsapp_bot_only": (Channel.WHATSAPP, Status.OPEN, 5 * MIN, "bot"),  # a bot's answer stops nothing
    "sms_at_risk": (Channel.SMS, Status.PENDING, 40 * MIN, None),
    "sms_answered": (Channel.SMS, Status.OPEN, 50 * MIN, "human"),
    "mail_breaching": (Channel.EMAIL, Status.OPEN, 13 * 3600, "note"),
    "mail_at_risk": (Channel.EMAIL, Status.OPEN, 7 * 3600, None),
    "mail_fresh": (Channel.EMAIL, Status.OPEN, 3600, None),
    "chat_snoozed": (Channel.WEB_CHAT, Status.SNOOZED, 100, None),  # still waiting for its first answer
    "chat_resolved": (Channel.WEB_CHAT, Status.RESOLVED, 100, None),
    "chat_offline_reply": (Channel.WEB_CHAT, Status.OPEN, 100, "queued"),
    "chat_failed_reply": (Channel.WEB_CHAT, Status.OPEN, 100, "failed"),
}


@pytest.fixture
def cache(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:1", {"account_id": 1})
    ids = {}
    for n, (name, (channel, status, waited, then)) in enumerate(CASES.items()):
        ext, wrote = str(n + 1), NOW - timedelta(seconds=waited)
        records = [Conversation(ext, channel, status, None, wrote, wrote),
                   Message(f"{ext}-in", ext, Direction.IN, wrote, text="where is my order?",
                           author_kind=AuthorKind.CONTACT)]
        answer = wrote + timedelta(seconds=10)
        if then == "bot":
            records.append(Message(f"{ext}-bot", ext, Direction.OUT, answer, text="I'm a bot", automated=True,
                                   author_kind=AuthorKind.BOT))
        elif then == "human":
            records.append(Message(f"{ext}-out", ext, Direction.OUT, answer, text="on its way",
                                   author_kind=AuthorKind.AGENT))
        elif then == "note":
            records.append(Message(f"{ext}-note", ext, Direction.NOTE, answer, text="ask DHL",
                                   author_kind=AuthorKind.AGENT))
        with db.write() as conn:
            changes = apply_batch(conn, account, records, stream="conversations", cursor=None)
            update_rollups(conn, changes)
            ids[name] = changes.conversation_ids[0]
            if then in ("queued", "failed"):
                optimistic.apply_item(conn, account_id=account, conversation_external_id=ext, kind=OutboxKind.REPLY,
                                      payload={"text": "on its way"}, client_id=f"c-{ext}",
                                      created_at=answer.timestamp())
            if then == "failed":
                optimistic.set_delivery(conn, account, f"c-{ext}", DeliveryState.FAILED)
    return db, ids


def _inbox_states(db) -> dict[int, str]:
    rows = inbox.rows_for(db, inbox.view_ids(db, inbox.ViewFilter()))
    return {cid: inbox.sla_level(row, NOW.timestamp()) for cid, row in rows.items()}


def _dashboard(db, key: str) -> set[int]:
    return set(ReportService(db).conversation_ids(PERIOD, None, key, now=int(NOW.timestamp())))


def _names(ids: dict[str, int], found: set[int]) -> set[str]:
    return {name for name, cid in ids.items() if cid in found}


def test_inbox_chips_and_dashboard_clocks_agree(cache):
    db, ids = cache
    states = _inbox_states(db)
    at_risk = {cid for cid, s in states.items() if s == "at_risk"}
    breaching = {cid for cid, s in states.items() if s == "breaching"}
    assert _names(ids, at_risk) == {"chat_at_risk", "sms_at_risk", "mail_at_risk", "chat_snoozed",
                                    "chat_failed_reply"}
    assert _names(ids, breaching) == {"whatsapp_bot_only", "mail_breaching"}
    assert _dashboard(db, "sla_at_risk") == at_risk
    assert _dashboard(db, "sla_breaching") == breaching
    figures = ReportService(db).dashboard(PERIOD, now=int(NOW.timestamp()), with_previous=False).figures
    assert (figures["sla"]["at_risk"], figures["sla"]["breaching_now"]) == (len(at_risk), len(breaching))
    outage = ReportService(db).outage_snapshot(now=int(NOW.timestamp()))
    assert {c["conversation_id"] for c in outage["sla_clocks"] if c["state"] == "at_risk"} == at_risk
    assert {c["conversation_id"] for c in outage["sla_clocks"] if c["state"] == "breached"} == breaching
    assert _names(ids, {cid for cid, s in states.items() if s == "ok"}) == {"chat_fresh", "mail_fresh"}


def test_they_still_agree_after_the_targets_change(cache):
    db, ids = cache
    with db.write() as conn:  # what Settings writes into the cache's copy
        profile_mirror.put_setting(conn, "kpi.sla_targets", '{"email": 86400, "sms": 1800}')
    states = _inbox_states(db)
    at_risk = {cid for cid, s in states.items() if s == "at_risk"}
    breaching = {cid for cid, s in states.items() if s == "breaching"}
    assert _names(ids, at_risk) == {"chat_at_risk", "mail_breaching", "chat_snoozed", "chat_failed_reply"}
    assert _names(ids, breaching) == {"whatsapp_bot_only", "sms_at_risk"}
    assert _dashboard(db, "sla_at_risk") == at_risk
    assert _dashboard(db, "sla_breaching") == breaching


def test_sla_due_first_puts_the_nearest_deadline_on_top(cache):
    db, ids = cache
    order = inbox.view_ids(db, inbox.ViewFilter(statuses=inbox.OPEN_STATUSES), sort="sla_due_at", descending=False)
    rows = inbox.rows_for(db, order)
    due = [rows[cid].sla_due_at for cid in order]
    running = [d for d in due if d is not None]
    assert running == sorted(running) and due[:len(running)] == running  # answered ones (no deadline) last
    assert order[0] == ids["mail_breaching"] and order[len(running) - 1] == ids["mail_fresh"]
