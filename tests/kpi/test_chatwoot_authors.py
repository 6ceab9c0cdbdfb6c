"""KPIs over messages as a Chatwoot v4 server lists them, through the real mapping, ingest and rollup hook:
a bot's answer (whose id equals an agent's) is never a human reply in FRT, FCR, the agent table or SLA;
resolution times and reopenings come from the status notices, never from updated_at.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from deskapp.connectors import chatwoot_mapping as cw
from deskapp.connectors import chatwoot_messages as cm
from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.store import accounts
from deskapp.store.ingest import apply_batch
from tests.connectors import chatwoot_payloads as cp

T = cp.T0  # 2025-10-09 08:53 UTC
PERIOD = Period(date(2025, 10, 9), date(2025, 10, 11), ZoneInfo("UTC"))
NOW = T + 86400
AGENTS = [{"id": 3, "name": "Ann", "email": "ann@shop.test", "role": "agent"},
          {"id": 4, "name": "Bob", "email": "bob@shop.test", "role": "agent"}]


def _conversation(cid: int, status: str, *, updated: float) -> dict:
    # updated_at moved with the CSAT survey sent after the resolution: it must not be the resolution time
    return cp.conversation(cid, status=status, created_at=T, updated_at=updated, first_reply=0)


def _apply(db, account, records) -> None:
    with db.write() as conn:
        update_rollups(conn, apply_batch(conn, account, records, stream="test", cursor=None))


def test_bots_never_answer_for_humans_and_notices_say_when_it_was_resolved(db):
    with db.write() as conn:
        account = accounts.insert_account(conn, "chatwoot", "hub", "http://127.0.0.1:9", {"account_id": 7})
    inboxes = {"1": (cw.channel_of_inbox({"channel_type": "Channel::WebWidget"}), "Chat")}
    _apply(db, account, [cw.agent(a, my_id="3") for a in AGENTS])
    _apply(db, account, [cw.conversation(_conversation(1, "resolved", updated=T + 4000), inboxes),
                         cw.conversation(_conversation(2, "open", updated=T + 5), inboxes),
                         cw.conversation(_conversation(3, "resolved", updated=T + 900), inboxes)])
    raw = {
        # answered by the bot at once, by Ann 10 minutes later; resolved; a survey an hour after
        "1": [cp.message(1, 1, created_at=T), cp.message(2, 1, mtype=1, sender=cp.sender_bot(3), created_at=T + 5),
              cp.message(3, 1, mtype=1, sender=cp.sender_user(3), created_at=T + 600),
              cp.activity(4, 1, "Conversation was marked resolved by Ann", created_at=T + 700),
              cp.message(5, 1, mtype=3, content="Please rate the conversation", created_at=T + 4000)],
        # only the bot answered: unanswered, and breaching the chat SLA
        "2": [cp.message(10, 2, created_at=T), cp.message(11, 2, mtype=1, sender=cp.sender_bot(3), created_at=T + 5)],
        # Bob answers, resolves; the customer writes again (reopened, no notice); resolved again
        "3": [cp.message(20, 3, created_at=T), cp.message(21, 3, mtype=1, sender=cp.sender_user(4), created_at=T + 60),
              cp.activity(22, 3, "Conversation was marked resolved by Bob", created_at=T + 100),
              cp.message(23, 3, created_at=T + 200, content="still broken"),
              cp.activity(24, 3, "Conversation was marked resolved by Bob", created_at=T + 900)],
    }
    for conv, messages in raw.items():
        _apply(db, account, [cm.message(m, conv) for m in messages])
    with db.read() as conn:
        f = compute_dashboard(conn, PERIOD, now=NOW).figures
        stored = conn.exec_driver_sql("SELECT author_kind, author_external_id, automated FROM message"
                                      " WHERE external_id IN ('2', '3') ORDER BY external_id").all()
    assert stored == [("bot", "bot:3", 1), ("agent", "3", 0)]
    assert f["frt"] == {"median_s": 330.0, "p90_s": 600.0, "unanswered": 1, "answered": 2}
    assert f["resolution"] == {"median_s": 800.0, "p90_s": 900.0, "count": 2}
    assert f["fcr_counts"] == {"fcr": 1, "resolved": 2}  # 1: one human reply; 3: reopened within 7 days
    assert f["sla"]["breached"] == 2 and f["sla"]["breaching_now"] == 1  # 1 answered in 10 min; 2 never
    replies = {a["name"]: a["replies"] for a in f["agents"]}
    assert replies == {"Ann": 1, "Bob": 1} and f["replies"] == 2
