"""The growth benchmarks' bulk-written cache equals the one the sync's ingest makes from the same records.

A small dataset is written both ways: by tests.perf.generate_cache.build, and page by page through
store.ingest.apply_batch with the KPI apply-hook, as the sync engine does. The two files must pass the
app's integrity check, hold the same rows (ids included) and answer the app's queries alike.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain import (
    Agent,
    AuthorKind,
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Identity,
    IdentityKind,
    Message,
    Priority,
    Status,
    StatusEvent,
    SurveyKind,
    SurveyResponse,
    Team,
)
from deskapp.kpi.period import Period
from deskapp.kpi.rollup_hook import update_rollups
from deskapp.kpi.scope import Filters
from deskapp.services.reports import ReportService
from deskapp.services.search import search
from deskapp.store import inbox_rows, migrate
from deskapp.store.cache_integrity import quick_check
from deskapp.store.engine import Database
from deskapp.store.inbox_rows import ViewFilter
from deskapp.store.ingest import apply_batch
from tests.perf import generate_cache as gen

MESSAGES = 3000


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _ingest(path: Path, messages: int) -> None:
    """The same records through the sync's apply path, in pages like a Chatwoot pull."""
    db = Database(path)
    migrate.upgrade(db)
    with db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO account (id, kind, name, base_url, settings, state, created_at)"
            " VALUES (?, 'chatwoot', 'bench', 'https://desk.example', '{\"account_id\": 1}', 'online', ?)",
            (gen.ACCOUNT_ID, gen.NOW - 800 * 86400))

    def apply(records: list, stream: str) -> None:
        with db.write() as conn:
            update_rollups(conn, apply_batch(conn, gen.ACCOUNT_ID, records, stream=stream, cursor="x"))

    apply([Agent(str(i), gen.agent_name(i), f"agent{i}@shop.example", is_me=i == 1) for i in range(1, gen.AGENTS + 1)]
          + [Team(f"t{i}", f"Team {i}") for i in range(1, gen.TEAMS + 1)], "directory")
    _n_conv, n_cust = gen.counts(messages)
    contacts = [Contact(gen.contact_external_id(i), gen.customer_name(i),
                        (Identity(IdentityKind.EMAIL, gen.customer_email(i)),), created_at=_at(gen.NOW - 800 * 86400))
                for i in range(1, n_cust + 1)]
    for start in range(0, len(contacts), 250):
        apply(contacts[start:start + 250], "contacts")
    conversations = list(gen.dataset(messages))
    records = [Conversation(
        c.external_id, Channel(c.channel), Status(c.status), gen.contact_external_id(c.customer), _at(c.created_at),
        _at(c.messages[-1].sent_at), subject=c.subject, priority=Priority(c.priority),
        assignee_external_id=str(c.assignee) if c.assignee else None,
        team_external_id=f"t{c.team}" if c.team else None, labels=c.labels,
        last_message_at=_at(c.messages[-1].sent_at), unread=c.unread, inbox_name=gen.inbox_name(c.channel))
        for c in conversations]
    for start in range(0, len(records), 100):
        apply(records[start:start + 100], "conversations")
    messages_flat = [Message(
        m.external_id, c.external_id, Direction(m.direction), _at(m.sent_at), text=m.text, html=m.html,
        author_name=m.author_name, author_external_id=m.author_external_id,
        delivery=DeliveryState.RECEIVED if m.direction == "in" else DeliveryState.SENT, automated=m.automated,
        author_kind=AuthorKind(m.author_kind), status_event=StatusEvent(m.status_event) if m.status_event else None)
        for c in conversations for m in c.messages]
    for start in range(0, len(messages_flat), 250):  # pages that cut conversations in two
        apply(messages_flat[start:start + 250], "messages")
    apply([SurveyResponse(f"s{c.number}", SurveyKind.CSAT, c.csat, _at(c.messages[-1].sent_at), c.external_id)
           for c in conversations if c.csat is not None], "surveys")
    db.close()


# Columns that hold the time of the write rather than anything synced.
_WALL_CLOCK = {"customer": ("updated_at",)}
_TABLES = ("account", "agent", "team", "customer", "contact", "customer_identity", "conversation", "message",
           "conversation_label", "survey_response", "kpi_conversation", "kpi_reply")


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in _WALL_CLOCK.get(table, ())]
    order = ", ".join(str(i) for i in range(1, len(columns) + 1))
    return conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("caches")
    built, ingested = folder / "built.sqlite3", folder / "ingested.sqlite3"
    gen.build(built, MESSAGES, progress=False)
    _ingest(ingested, MESSAGES)
    return built, ingested


def test_the_generated_cache_passes_the_integrity_check_and_has_the_size_asked(both):
    built, _ = both
    assert quick_check(built) == "ok"
    conn = sqlite3.connect(built)
    messages, conversations = conn.execute(
        "SELECT (SELECT count(*) FROM message), (SELECT count(*) FROM conversation)").fetchone()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM message_fts").fetchone()[0] == messages
    for index in ("message_fts", "customer_fts"):  # FTS5 raises when an index disagrees with its rows
        conn.execute(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")
    conn.rollback()
    conn.close()
    assert conversations == MESSAGES // 10
    assert messages == MESSAGES - 10 + gen.HTML_CONVERSATION_MESSAGES


def test_the_generated_cache_holds_the_rows_the_ingest_writes(both):
    built, ingested = both
    a, b = sqlite3.connect(built), sqlite3.connect(ingested)
    assert a.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == \
        b.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    for table in _TABLES:
        assert _rows(a, table) == _rows(b, table), table
    events = "SELECT conversation_id, kind, at, agent_id, value FROM conversation_event ORDER BY 1, 2, 3, 5"
    assert a.execute(events).fetchall() == b.execute(events).fetchall()
    assert a.execute("SELECT count(*) FROM conversation_event WHERE kind = 'reopened'").fetchone()[0] > 0
    fts = "SELECT rowid, text, subject, customer_name FROM message_fts ORDER BY rowid"
    assert a.execute(fts).fetchall() == b.execute(fts).fetchall()
    vocab = "SELECT term, doc, cnt FROM message_fts_vocab ORDER BY term"
    assert a.execute(vocab).fetchall() == b.execute(vocab).fetchall()
    a.close()
    b.close()


def test_the_generated_cache_answers_the_apps_queries_like_the_ingested_one(both):
    answers = []
    for path in both:
        db = Database(path)
        views = [ViewFilter(statuses=("open", "pending")), ViewFilter(statuses=("resolved",)),
                 ViewFilter(assignee="me"), ViewFilter(channel="email"), ViewFilter(label="vip")]
        ids = [inbox_rows.view_ids(db, v, sort="last_message_at", descending=True, limit=None) for v in views]
        rows = inbox_rows.rows(db, ids[0][:50])
        hits = [search(db, q) for q in ("parcel", "pa", "refund dam", "Ana", "#10012")]
        service = ReportService(db, timezone="Europe/Paris")
        period = Period(date(2026, 3, 1), date(2026, 6, 1), ZoneInfo("Europe/Paris"))
        dash = service.dashboard(period, now=gen.NOW)
        mine = service.dashboard(period, Filters(agent_ids=(1,)), now=gen.NOW)
        service.close()
        db.close()
        answers.append((ids, rows, hits, dash.figures, mine.figures))
    built, ingested = answers
    assert built == ingested
    ids, _rows_shown, hits, figures, _mine = built
    assert all(ids) and all(hits[:3])
    assert figures["frt"]["median_s"] is not None
