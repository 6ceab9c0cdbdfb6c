"""Realistic caches of a given message count for the growth benchmarks, generated once and kept between runs.

A cache of M messages holds M/10 conversations (2 to 18 messages each, one of 50 HTML mails), a third as
many customers with an email identity, 20 agents, 5 teams, labels, CSAT surveys, Chatwoot-style
resolution notices (with a few reopenings) and the KPI rollups. ``dataset`` yields the records; ``build``
writes them with bulk INSERTs (indexes, FTS and triggers dropped meanwhile, journal off) and then lets
the app's own store code fill every derived column (conversation summaries, resolutions, SLA deadlines,
KPI rollups), so the file is in the state the sync's ingest would leave it in
(tests/perf/test_generate_cache.py checks that on a small size).

Files are kept in $DESKAPP_BENCH_DIR (default ~/.cache/deskapp-bench), named by size, the migrations'
head revision and GENERATOR_VERSION: a schema change or a change here makes a new one.
Run ``python -m tests.perf.generate_cache 1000000`` to make one ahead of a benchmark.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import pwd
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

GENERATOR_VERSION = 1
NOW = int(datetime(2026, 6, 1, 9, 0, tzinfo=UTC).timestamp())  # every cache ends here, whatever the day
ACCOUNT_ID = 1
AGENTS = 20
TEAMS = 5
HTML_CONVERSATION_MESSAGES = 50
CHANNELS = ("email", "web_chat", "whatsapp", "instagram", "messenger", "sms", "telegram")
CHANNEL_WEIGHTS = (30, 30, 20, 7, 6, 4, 3)
LABELS = ("vip", "refund", "shipping", "wholesale", "complaint", "b2b")
SUPPORT_WORDS = ("parcel order refund size delivery address invoice colour return exchange discount tracking"  # noqa: SIM905
                 " late damaged payment account subscription thanks hello please where when cancel change").split()
SYLLABLES = ("ka lo mi ren sa to vel an dor fi gu ho ju ne pa qui ri su ta xe").split()  # noqa: SIM905
FIRST = ("Ana Ben Chloé Dmitri Emma Farid Greta Hugo Ines Jonas Kaori Lena Marco Nadia Oskar Paula Quentin Rosa"  # noqa: SIM905
         " Samir Tove Ugo Vera Wim Xenia Yusuf Zoe").split()
LAST = ("Keller Novak Dubois Rossi Silva Jensen Okafor Tanaka Moreau Weber Costa Nilsen Kowalski Haddad Brown"  # noqa: SIM905
        " Lindqvist Ferreira Schmidt Laurent Ivanova").split()
HTML = ("<table><tr><td style='color:#333'><p>Hello,</p><p>{text}</p><img src='https://t.example/p.gif'>"
        "<p>Kind regards</p><script>track()</script></td></tr></table>")


class GenMessage(NamedTuple):
    external_id: str
    direction: str  # in | out | note | activity
    author_name: str
    author_external_id: str | None
    author_kind: str
    text: str
    html: str
    sent_at: int
    automated: bool
    status_event: str | None


class GenConversation(NamedTuple):
    number: int  # 1-based: the row id both the bulk writer and the ingest give it
    external_id: str
    customer: int  # 1-based customer number
    channel: str
    subject: str
    status: str
    priority: str
    assignee: int | None  # agent number
    team: int | None
    labels: tuple[str, ...]
    created_at: int
    unread: int
    messages: list[GenMessage]
    csat: int | None


def counts(messages: int) -> tuple[int, int]:
    """(conversations, customers) of a cache of ``messages``."""
    conversations = max(2, messages // 10)
    return conversations, max(1, conversations // 3)


def customer_name(number: int) -> str:
    return f"{FIRST[number % len(FIRST)]} {LAST[(number // len(FIRST)) % len(LAST)]}"


def customer_email(number: int) -> str:
    return f"{customer_name(number).split()[0].lower()}.{number}@example.com"


def contact_external_id(number: int) -> str:
    return str(50_000_000 + number)


def agent_name(number: int) -> str:
    return f"Agent {FIRST[number % len(FIRST)]}"


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """20,000 made-up words with Zipf-like cumulative weights, plus the support words at a realistic share."""
    made = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30_000)})[:20_000]
    rng.shuffle(made)
    weights = [1.0 / (rank + 10) for rank in range(len(made))] + [0.004] * len(SUPPORT_WORDS)
    return made + SUPPORT_WORDS, list(itertools.accumulate(weights))


def dataset(messages: int, seed: int = 5) -> Iterator[GenConversation]:
    """The conversations of a cache of ``messages`` (about: the 50-message HTML one adds 40), oldest first,
    each with its messages; the last one is the newest open conversation, the one the UI bench opens."""
    rng = random.Random(seed)
    words, cumulative = _vocabulary(rng)
    choices = rng.choices
    n_conv, n_cust = counts(messages)
    next_message = 100_000_000
    spread = 0
    for number in range(1, n_conv + 1):
        special = number == n_conv
        if special:
            size = HTML_CONVERSATION_MESSAGES
        elif number % 2:  # pairs of conversations sum to 20 messages: the total stays ``messages``
            spread = rng.randint(-8, 8) if number + 1 < n_conv else 0  # the HTML one has no partner
            size = 10 + spread
        else:
            size = 10 - spread
        age = rng.randint(0, 730 * 86400) if not special else 3600
        created = NOW - age
        channel = choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        recent = age < 7 * 86400
        resolved = not special and rng.random() < (0.5 if recent else 0.97)
        status = "resolved" if resolved else "open" if special else choices(
            ("open", "pending", "snoozed"), (10, 3, 1))[0]
        assignee = rng.randint(1, AGENTS) if rng.random() < 0.85 else None
        customer = rng.randint(1, n_cust)
        name = customer_name(customer)
        reopen_at = size - 4 if resolved and size >= 6 and rng.random() < 0.05 else -1
        at = created
        msgs = []
        for j in range(size):
            if resolved and (j == size - 1 or j == reopen_at):
                direction, event = "activity", "resolved"
            elif j == 0 or j == reopen_at + 1 or j % 2 == 0:
                direction, event = "in", None
            else:
                direction, event = ("note" if rng.random() < 0.05 else "out"), None
            if direction == "in":
                text = " ".join(choices(words, cum_weights=cumulative, k=rng.randint(6, 30)))
                author = (name, contact_external_id(customer), "contact")
            elif direction == "activity":
                text = f"Conversation was marked resolved by {agent_name(assignee or 1)}"
                author = ("", None, "system")
            else:
                text = " ".join(choices(words, cum_weights=cumulative, k=rng.randint(6, 30)))
                author = (agent_name(assignee or 1), str(assignee or 1), "agent")
            automated = direction == "out" and j == 1 and rng.random() < 0.2
            html = HTML.format(text=text) if special and direction == "in" else ""
            msgs.append(GenMessage(str(next_message), direction, author[0], author[1],
                                   "bot" if automated else author[2], text, html, at, automated, event))
            next_message += 1
            at += rng.randint(60, 600) if special else rng.randint(30, 6 * 3600)
        overshoot = msgs[-1].sent_at - (NOW - 60)
        if overshoot > 0:  # nothing was written in the future
            msgs = [m._replace(sent_at=m.sent_at - overshoot) for m in msgs]
            created -= overshoot
        subject = (f"Order #{10_000 + number % 90_000}: " + " ".join(choices(SUPPORT_WORDS, k=3))
                   if channel == "email" else "")
        yield GenConversation(
            number=number, external_id=str(10_000_000 + number), customer=customer, channel=channel,
            subject=subject, status=status, priority=choices(("none", "low", "high", "urgent"), (80, 8, 9, 3))[0],
            assignee=assignee, team=rng.randint(1, TEAMS) if rng.random() < 0.6 else None,
            labels=tuple(sorted({lb for lb in LABELS if rng.random() < 0.04})), created_at=created,
            unread=int(not resolved and rng.random() < 0.3), messages=msgs,
            csat=rng.randint(1, 5) if resolved and rng.random() < 0.2 else None)


# --- where caches are kept ---------------------------------------------------------------------------

def bench_dir() -> Path:
    # the account's own home, not $HOME: the test suite points $HOME at a temp folder for the keyring
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    folder = Path(os.environ.get("DESKAPP_BENCH_DIR") or home / ".cache" / "deskapp-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_path(messages: int) -> Path:
    from deskapp.store.schema_version import known_revisions

    head = known_revisions().head or "unknown"
    return bench_dir() / f"cache-{messages}-schema{head}-gen{GENERATOR_VERSION}.sqlite3"


def ensure_cache(messages: int) -> Path:
    """The kept cache of ``messages``, generated first when missing (one process at a time)."""
    path = cache_path(messages)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = path.with_suffix(".partial")
            for side in ("", "-wal", "-shm", "-journal"):
                Path(str(partial) + side).unlink(missing_ok=True)
            started = time.perf_counter()
            build(partial, messages)
            partial.rename(path)
            print(f"\ngenerated {messages:,} messages in {time.perf_counter() - started:.0f} s:"
                  f" {path} ({path.stat().st_size / 2**20:,.0f} MB)", flush=True)
    return path


def kept_cache(messages: int) -> Path:
    """The kept cache of ``messages`` at this code's schema, else one kept at an older revision of the same
    generator (a run copies it and migrates the copy: regenerating 10M messages takes 40 minutes of CPU),
    else a new one."""
    from deskapp.store.schema_version import known_revisions

    current = cache_path(messages)
    if current.exists():
        return current
    known = known_revisions().known
    older = sorted(p for p in bench_dir().glob(f"cache-{messages}-schema*-gen{GENERATOR_VERSION}.sqlite3")
                   if p.name.split("-schema")[1].split("-gen")[0] in known)
    return older[-1] if older else ensure_cache(messages)


# --- the bulk writer ---------------------------------------------------------------------------------

_DEFERRED_TABLES = ("message", "conversation", "kpi_conversation", "kpi_reply", "conversation_event",
                    "conversation_label", "contact", "customer_identity", "survey_response")
_DEFERRED_TRIGGERS = ("message_fts_ai", "message_fts_ad", "message_fts_au", "kpi_conversation_ai",
                      "kpi_conversation_au")


def _build_engine(path: Path):
    """An engine for the build only: no journal, no fsync, a large page cache (a failed build is deleted)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "locking_mode=EXCLUSIVE",
                       "foreign_keys=OFF"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def build(path: Path, messages: int, *, progress: bool = True) -> None:
    """Write a cache of ``messages`` to ``path`` (a new file)."""
    from deskapp.kpi.rollup import rebuild
    from deskapp.store import migrate
    from deskapp.store.engine import Database
    from deskapp.store.ingest import refresh_conversation_summaries
    from deskapp.store.ingest_status import refresh_resolutions

    def say(what: str) -> None:
        if progress:
            print(f"  [{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)

    db = Database(path)
    migrate.upgrade(db)
    db.close()
    engine = _build_engine(path)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        marks = ",".join("?" * len(_DEFERRED_TABLES))
        indexes = raw.execute(f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                              f" AND tbl_name IN ({marks})", _DEFERRED_TABLES).fetchall()
        triggers = raw.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                               f" AND name IN ({','.join('?' * len(_DEFERRED_TRIGGERS))})",
                               _DEFERRED_TRIGGERS).fetchall()
        for name, _table, _sql in indexes:
            raw.execute(f"DROP INDEX {name}")
        for name, _sql in triggers:
            raw.execute(f"DROP TRIGGER {name}")
        say("inserting rows")
        with_notices = _insert_rows(raw, messages)
        say("indexing messages and conversations")
        for _name, table, sql in indexes:
            if table not in ("kpi_conversation", "kpi_reply"):
                raw.execute(sql)
    with engine.begin() as conn:
        say("conversation summaries and resolutions (the ingest's own code)")
        every = [r[0] for r in conn.exec_driver_sql("SELECT id FROM conversation ORDER BY id")]
        refresh_conversation_summaries(conn, every)
        refresh_resolutions(conn, with_notices)
    with engine.begin() as conn:
        say("SLA deadlines and KPI rollups (kpi.rollup.rebuild)")
        rebuild(conn)
        raw = conn.connection.driver_connection
        for _name, table, sql in indexes:
            if table in ("kpi_conversation", "kpi_reply"):
                raw.execute(sql)
    with engine.begin() as conn:
        say("full-text index")
        conn.exec_driver_sql(
            "INSERT INTO message_fts (rowid, text, subject, customer_name)"
            " SELECT m.id, m.text, c.subject, coalesce(cu.name, '') FROM message m"
            " JOIN conversation c ON c.id = m.conversation_id LEFT JOIN customer cu ON cu.id = c.customer_id"
            " ORDER BY m.id")
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
    engine.dispose()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")  # what the app's engine sets; a file left in OFF would keep it
    raw.close()
    say("done")


def _insert_rows(raw: sqlite3.Connection, messages: int) -> list[int]:
    """Every base row, in the order (and so with the ids) the ingest would give them; returns the ids of
    the conversations holding resolution notices."""
    _n_conv, n_cust = counts(messages)
    raw.execute("INSERT INTO account (id, kind, name, base_url, settings, state, created_at)"
                " VALUES (?, 'chatwoot', 'bench', 'https://desk.example', '{\"account_id\": 1}', 'online', ?)",
                (ACCOUNT_ID, NOW - 800 * 86400))
    raw.executemany("INSERT INTO agent (id, account_id, external_id, name, email, role, is_me)"
                    " VALUES (?, ?, ?, ?, ?, 'agent', ?)",
                    [(i, ACCOUNT_ID, str(i), agent_name(i), f"agent{i}@shop.example", int(i == 1))
                     for i in range(1, AGENTS + 1)])
    raw.executemany("INSERT INTO team (id, account_id, external_id, name) VALUES (?, ?, ?, ?)",
                    [(i, ACCOUNT_ID, f"t{i}", f"Team {i}") for i in range(1, TEAMS + 1)])
    customer_created = NOW - 800 * 86400
    raw.executemany("INSERT INTO customer (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    ((i, customer_name(i), customer_created, NOW) for i in range(1, n_cust + 1)))
    raw.executemany("INSERT INTO contact (id, account_id, external_id, customer_id, name) VALUES (?, ?, ?, ?, ?)",
                    ((i, ACCOUNT_ID, contact_external_id(i), i, customer_name(i)) for i in range(1, n_cust + 1)))
    raw.executemany("INSERT INTO customer_identity (customer_id, kind, value, account_id) VALUES (?, 'email', ?, ?)",
                    ((i, customer_email(i), ACCOUNT_ID) for i in range(1, n_cust + 1)))
    with_notices: list[int] = []
    convs, msgs, labels, surveys = [], [], [], []
    message_id = 0

    def flush() -> None:
        raw.executemany(
            "INSERT INTO conversation (id, account_id, external_id, customer_id, channel, inbox_name, subject, status,"
            " priority, assignee_id, team_id, labels, created_at, updated_at, last_message_at, unread, csat)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", convs)
        raw.executemany(
            "INSERT INTO message (id, account_id, external_id, conversation_id, direction, author_name,"
            " author_external_id, text, html, sent_at, delivery, automated, author_kind, status_event)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", msgs)
        raw.executemany("INSERT INTO conversation_label (conversation_id, label) VALUES (?, ?)", labels)
        raw.executemany("INSERT INTO survey_response (account_id, external_id, kind, score, conversation_id,"
                        " customer_id, at, comment) VALUES (?, ?, 'csat', ?, ?, ?, ?, '')", surveys)
        for rows in (convs, msgs, labels, surveys):
            rows.clear()

    for c in dataset(messages):
        last = c.messages[-1].sent_at
        convs.append((c.number, ACCOUNT_ID, c.external_id, c.customer, c.channel, inbox_name(c.channel), c.subject,
                      c.status, c.priority, c.assignee, c.team, json.dumps(list(c.labels)), c.created_at, last,
                      last, c.unread, c.csat))
        labels += [(c.number, lb) for lb in c.labels]
        if c.csat is not None:
            surveys.append((ACCOUNT_ID, f"s{c.number}", c.csat, c.number, c.customer, last))
        for m in c.messages:
            message_id += 1
            msgs.append((message_id, ACCOUNT_ID, m.external_id, c.number, m.direction, m.author_name,
                         m.author_external_id, m.text, m.html, m.sent_at, "received" if m.direction == "in" else "sent",
                         int(m.automated), m.author_kind, m.status_event))
        if c.status == "resolved":
            with_notices.append(c.number)
        if len(msgs) >= 100_000:
            flush()
    flush()
    return with_notices


def inbox_name(channel: str) -> str:
    return {"email": "Support mail", "web_chat": "Website"}.get(channel, channel.replace("_", " ").title())


def main(argv: list[str]) -> int:
    sizes = [int(a.replace("_", "")) for a in argv] or [100_000]
    for size in sizes:
        started = time.perf_counter()
        path = ensure_cache(size)
        print(f"{size:,} messages: {path} ({path.stat().st_size / 2**20:,.0f} MB),"
              f" {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
