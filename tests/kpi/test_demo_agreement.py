"""`deskapp kpi` agrees with the same figures recomputed by hand from the demo server's raw data.

The real Chatwoot connector pulls from the demo backend over loopback, batches go through the real
ingest and the KPI apply-hook, exactly as in a sync. To stay fast, messages are pulled for a sample of
conversations; the server-side recomputation uses the same sample.
"""

import random

from deskapp.connectors.chatwoot import ChatwootConnector
from deskapp.demo.server import DemoServer
from deskapp.kpi.definitions import percentiles
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.services.reports import ReportService
from deskapp.store import accounts
from deskapp.store.ingest import apply_batch
from tests.demo.conftest import PINNED_NOW

SAMPLE = 250


def _pull(db, connector, account, stream):
    cursor = None
    while True:
        batch = connector.pull(stream, cursor)
        with db.write() as conn:
            update_rollups(conn, apply_batch(conn, account, batch.items, stream=stream, cursor=batch.next_cursor))
        cursor = batch.next_cursor
        if batch.done or not batch.items:
            return


def test_kpi_matches_the_demo_servers_raw_data(db):
    srv = DemoServer(seed=3, scale="small", live=False, port=0, host="127.0.0.1", now=PINNED_NOW)
    info = srv.start()
    try:
        with db.write() as conn:
            account = accounts.insert_account(conn, "chatwoot", "demo", info["url"],
                                              {"account_id": info["chatwoot_account_id"]})
        connector = ChatwootConnector(info["url"], info["chatwoot_account_id"], info["chatwoot_token"])
        for stream in ("profile", "agents", "teams", "inboxes", "conversations", "csat"):
            _pull(db, connector, account, stream)
        world = srv.state.world.conversations
        sample = random.Random(5).sample(world, SAMPLE)
        for conv in sample:
            _pull(db, connector, account, f"messages/{conv.id}")
        report = ReportService(db).kpi_report(start="2000-01-01", end="2100-01-01", tz="UTC")

        frt, unanswered, replies = [], 0, 0
        for conv in sample:
            messages = srv.state.messages(conv)
            inbound = [m["created_at"] for m in messages if m["message_type"] == 0]
            # the hub's own rule of a first response (Message#human_response?, public): bots, campaigns,
            # automation rules, CSAT templates and notes never count
            public = [m["created_at"] for m in messages if srv.state.is_human_reply(m)]
            replies += len(public)
            if not inbound:
                continue
            answers = [t for t in public if t >= min(inbound)]
            if answers:
                frt.append(min(answers) - min(inbound))
            elif conv.status != "resolved":
                unanswered += 1
        ratings = [r["rating"] for r in srv.state._collect_csat()]
    finally:
        srv.stop()
    median, p90 = percentiles(frt)
    assert (report["frt"]["median_s"], report["frt"]["p90_s"]) == (median, p90)
    assert report["frt"]["unanswered"] == unanswered
    assert report["replies"] == replies
    assert report["csat"] == sum(r >= 4 for r in ratings) / len(ratings)
    assert report["volume"]["total"] == len(world)
    assert report["backlog"]["open"] == sum(c.status != "resolved" for c in world)
    # a resolution is dated by its notice among the messages (never by updated_at): only the sampled
    # conversations' messages were pulled
    assert report["resolution"]["count"] == sum(c.status == "resolved" for c in sample)
