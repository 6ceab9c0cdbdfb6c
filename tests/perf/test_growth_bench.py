"""How the desktop's figures grow with the cache: the UI, search, KPI and ingest at 100k, 1M and 10M messages.

Each size's cache is generated once (tests/perf/generate_cache.py) and kept between runs; a run works on a
copy of it. The desktop part (cold start, filter switch, scrolling, opening a conversation, search as you
type, RSS) runs in a process of its own (tests/perf/growth_ui_probe.py); KPI and ingest run here. Every
figure sits beside a raw baseline measured in the same run on the same file, and a table of all the sizes
measured is printed and written to tests/perf/results/growth.json. The performance budget's targets are
asserted at every size (RSS: 350 MB up to 1M messages, 400 MB beyond), and search as you type ≤ 10× the raw
FTS5 query.

Sizes: DESKAPP_BENCH_SIZES, e.g. ``100k,1M,10M`` (default ``100k,1M``). Run with
``DESKAPP_BENCH_SIZES=100k,1M,10M nice -n 10 .venv/bin/python -m pytest tests/perf/test_growth_bench.py -q -s``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.perf import generate_cache as gen
from tests.perf.results import RESULTS, record
from tests.perf.timing import best_of

TZ = ZoneInfo("Europe/Paris")
INGEST_BATCHES = 30  # at 100k ten pages took a tenth of a second: one hiccup of the machine moved the ratio
INGEST_BATCH = 1000  # messages per transaction, as the sync commits them
INGEST_BLOCK = 5  # pages per turn of each writer (see _ingest)
GROWTH = RESULTS.parent / "growth.json"


def _sizes() -> list[int]:
    sizes = []
    for item in os.environ.get("DESKAPP_BENCH_SIZES", "100k,1M").split(","):
        item = item.strip().lower().replace("_", "")
        if item:
            scale = {"k": 1_000, "m": 1_000_000}.get(item[-1], 1)
            sizes.append(int(float(item.rstrip("km")) * scale))
    return sizes


def _parts() -> set[str]:
    """DESKAPP_GROWTH_PARTS, e.g. ``kpi`` or ``kpi,ingest`` (default: ui,kpi,ingest)."""
    return {p.strip() for p in os.environ.get("DESKAPP_GROWTH_PARTS", "ui,kpi,ingest").split(",") if p.strip()}


def _label(messages: int) -> str:
    return f"{messages // 1_000_000}M" if messages % 1_000_000 == 0 else f"{messages // 1000}k"


# --- the desktop, in its own process --------------------------------------------------------------------

def _desktop(data: Path, out: Path) -> dict:
    probe = Path(__file__).with_name("growth_ui_probe.py")
    env = {**os.environ, "DESKAPP_GROWTH_DATA": str(data), "DESKAPP_GROWTH_OUT": str(out)}
    done = subprocess.run([sys.executable, "-m", "pytest", str(probe), "-q", "-s", "-p", "no:cacheprovider",
                           "--timeout=5400"], env=env, cwd=Path(__file__).resolve().parents[2], check=False)
    assert done.returncode == 0, "the desktop probe failed (its output is above)"
    return json.loads(out.read_text(encoding="utf-8"))


# --- KPI --------------------------------------------------------------------------------------------------

def _prepare(db) -> dict[str, float]:
    """Migrate the copy (a kept cache may be at an older revision) and build the daily KPI rollups, timed."""
    from deskapp.services.reports import ReportService
    from deskapp.store import migrate

    started = time.perf_counter()
    migrate.upgrade(db)
    migrated = time.perf_counter() - started
    for saved in db.path.parent.glob(f"{db.path.name}.before-*.bak"):  # the copy aside of a copy: 8 GB at 10M
        saved.unlink()
    service = ReportService(db, timezone=TZ.key)
    try:
        started = time.perf_counter()
        service.ensure_day_rollups(TZ.key)
        return {"migrate": migrated, "kpi_day_backfill": time.perf_counter() - started}
    finally:
        service.close()


def _exact_dashboard(db, period):
    """The dashboard by the exact path (one row per conversation), as before the daily rollups: the rollups
    are switched off (their zone row removed) for the time of the call."""
    from deskapp.kpi.compute import compute_dashboard

    with db.write() as conn:
        zone = conn.exec_driver_sql("SELECT zone FROM kpi_day_zone").scalar()
        conn.exec_driver_sql("DELETE FROM kpi_day_zone")
    try:
        with db.read() as conn:
            compute_dashboard(conn, period, now=gen.NOW)
            started = time.perf_counter()
            figures = compute_dashboard(conn, period, now=gen.NOW).figures
            return figures, time.perf_counter() - started
    finally:
        with db.write() as conn:
            conn.exec_driver_sql("INSERT INTO kpi_day_zone (zone) VALUES (?)", (zone,))


def _agreement(fast: dict, exact: dict) -> float:
    """The largest relative gap of a median or p90 (tiles, trends, agent table) between the rollups and the
    exact path, after checking every count is equal."""
    for key in ("volume", "fcr_counts", "sla", "backlog", "replies"):
        assert fast[key] == exact[key], f"{key}: {fast[key]} != {exact[key]}"
    assert fast["frt"]["answered"] == exact["frt"]["answered"]
    assert fast["resolution"]["count"] == exact["resolution"]["count"]
    pairs = [(fast[k][q], exact[k][q]) for k in ("frt", "resolution") for q in ("median_s", "p90_s")]
    for series in ("frt_median_s", "frt_p90_s", "resolution_median_s", "resolution_p90_s"):
        pairs += zip(fast["trends"][series], exact["trends"][series], strict=True)
    for a, b in zip(fast["agents"], exact["agents"], strict=True):
        assert (a["assigned"], a["resolutions"], a["fcr"]) == (b["assigned"], b["resolutions"], b["fcr"])
        pairs.append((a["frt_median_s"], b["frt_median_s"]))
    assert all((a is None) == (b is None) for a, b in pairs)
    return max((abs(a - b) / abs(b) for a, b in pairs if b), default=0.0)


def _kpi(db, messages: int) -> dict[str, float]:
    from deskapp.kpi.period import Period
    from deskapp.services.reports import ReportService
    from tests.kpi.naive import naive_frt_per_conversation

    month = Period(date(2026, 5, 1), date(2026, 6, 1), TZ)
    quarter = Period(date(2026, 3, 1), date(2026, 6, 1), TZ)
    service = ReportService(db, timezone=TZ.key)
    figures = {}
    try:
        for name, period in (("month", month), ("quarter", quarter)):
            started = time.perf_counter()
            service.dashboard(period, now=gen.NOW)
            figures[f"kpi_{name}_cold"] = time.perf_counter() - started
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                service.dashboard(period, now=gen.NOW)
                runs.append(time.perf_counter() - started)
            figures[f"kpi_{name}_best"], figures[f"kpi_{name}_median"] = min(runs), statistics.median(runs)
            fast = service.dashboard(period, with_previous=False, now=gen.NOW).figures
            exact, figures[f"kpi_{name}_exact"] = _exact_dashboard(db, period)
            figures[f"kpi_{name}_quantile_gap"] = _agreement(fast, exact)
            with db.read() as conn:
                figures[f"kpi_{name}_baseline"] = best_of(
                    lambda c=conn, p=period: naive_frt_per_conversation(c, p.start, p.end), 2)
    finally:
        service.close()
    return figures


# --- ingest -----------------------------------------------------------------------------------------------

def _batches(messages: int, count: int) -> list[list]:
    """New messages as a sync brings them: replies in the newest conversations, and new conversations."""
    from datetime import UTC, datetime

    from deskapp.domain import AuthorKind, Direction, Message

    n_conv, _ = gen.counts(messages)
    batches, next_id = [], 900_000_000
    for b in range(count):
        batch = []
        for k in range(INGEST_BATCH // 10):
            conv = n_conv - 1 - (b * 100 + k) if k % 5 else 20_000_000 + b * 100 + k  # 1 in 5 new
            for j in range(10):
                at = datetime.fromtimestamp(gen.NOW + b * 60 + j, UTC)
                inbound = j % 2 == 0
                batch.append(Message(str(next_id), str(conv if conv >= 20_000_000 else 10_000_000 + conv),
                                     Direction.IN if inbound else Direction.OUT, at,
                                     text=f"parcel {b} tracking {k} delivery update number {next_id} thanks",
                                     author_name="Ana Keller" if inbound else "Agent Ben",
                                     author_external_id=None if inbound else "2",
                                     author_kind=AuthorKind.CONTACT if inbound else AuthorKind.AGENT))
                next_id += 1
        batches.append(batch)
    return batches


class _RawIngest:
    """The floor: executemany of the same rows plus the FTS5 insert, same transactions, no logic."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conv_ids = {}
        self.triggers = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                                          " AND name LIKE 'message_fts_%'").fetchall()

    def run(self, batches: list[list], conversation_id) -> float:
        started = time.perf_counter()
        for batch in batches:
            next_id = self.conn.execute("SELECT max(id) FROM message").fetchone()[0] + 1
            rows, fts = [], []
            for offset, m in enumerate(batch):
                rows.append((next_id + offset, gen.ACCOUNT_ID, "raw" + m.external_id,
                             conversation_id(m.conversation_external_id), str(m.direction), m.author_name, m.text,
                             int(m.sent_at.timestamp())))
                fts.append((next_id + offset, m.text))
            self.conn.execute("BEGIN")
            for name, _sql in self.triggers:  # dropped inside the transaction, back before it commits
                self.conn.execute(f"DROP TRIGGER {name}")
            self.conn.executemany("INSERT INTO message (id, account_id, external_id, conversation_id, direction,"
                                  " author_name, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.executemany("INSERT INTO message_fts (rowid, text, subject, customer_name)"
                                  " VALUES (?, ?, '', '')", fts)
            for _name, sql in self.triggers:
                self.conn.execute(sql)
            self.conn.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


def _ingest(db, path: Path, messages: int) -> dict[str, float]:
    """The apply alone (the budget's "parsed batch -> committed rows + FTS", as tests/perf/test_sync_bench.py
    measures it) beside the raw floor, and the apply with the KPI apply-hook the sync engine also runs."""
    from deskapp.kpi.rollup_hook import update_rollups
    from deskapp.store.ingest import apply_batch

    batches = _batches(messages, 2 * INGEST_BATCHES)
    raw = _RawIngest(path)
    ids: dict[str, int] = {}

    def conversation_id(ext: str) -> int:
        if ext not in ids:
            ids[ext] = raw.conn.execute("SELECT id FROM conversation WHERE account_id = ? AND external_id = ?",
                                        (gen.ACCOUNT_ID, ext)).fetchone()[0]
        return ids[ext]

    # In blocks, alternated: a write by the other connection empties SQLite's page cache, which batch by batch
    # interleaving would charge to every batch of both; the blocks still share whatever else the machine does.
    apply_only = with_hook = floor = 0.0
    block = INGEST_BLOCK
    for first in range(0, INGEST_BATCHES, block):
        started = time.perf_counter()
        for number in range(first, first + block):
            with db.write() as conn:
                apply_batch(conn, gen.ACCOUNT_ID, batches[2 * number], stream="growth", cursor=str(number))
        apply_only += time.perf_counter() - started
        floor += raw.run([batches[2 * number] for number in range(first, first + block)], conversation_id)
        started = time.perf_counter()
        for number in range(first, first + block):
            with db.write() as conn:  # what the sync engine commits: the batch, its rollups, its cursor
                changes = apply_batch(conn, gen.ACCOUNT_ID, batches[2 * number + 1], stream="growth",
                                      cursor=str(number))
                update_rollups(conn, changes)
        with_hook += time.perf_counter() - started
    raw.close()
    total = INGEST_BATCHES * INGEST_BATCH
    return {"ingest_rate": total / apply_only, "ingest_baseline": total / floor,
            "ingest_with_rollups": total / with_hook}


# --- the table --------------------------------------------------------------------------------------------

# (key, label, unit, scale, baseline key, target text)
ROWS = [
    ("cold_start", "cold start to rows shown", "ms", 1000, "cold_start_baseline", "<= 1500"),
    ("switch_median", "filter switch (median of views)", "ms", 1000, "filter_switch_baseline", "<= 50"),
    ("switch_worst", "filter switch (worst view)", "ms", 1000, "filter_switch_baseline", "report"),
    ("page_median", "inbox page after a jump (median)", "ms", 1000, "page_baseline", "<= 50"),
    ("frame_p99", "scroll: paint per screen (p99)", "ms", 1000, None, "report"),
    ("open_median", "open a conversation (50 HTML messages)", "ms", 1000, "open_conversation_baseline", "<= 100"),
    ("search_median", "search as you type (median keystroke, 3+ letters)", "ms", 1000, "search_fts_median", "<= 100"),
    ("search_worst", "search as you type (worst keystroke, 3+ letters)", "ms", 1000, "search_fts_worst", "report"),
    ("search_ratio", "search typed / raw FTS5 (same keystrokes)", "x", 1, None, "<= 10"),
    ("kpi_month_best", "KPI dashboard, a month (warm)", "ms", 1000, "kpi_month_baseline", "<= 200"),
    ("kpi_quarter_best", "KPI dashboard, a quarter (warm)", "ms", 1000, "kpi_quarter_baseline", "<= 200"),
    ("kpi_quarter_exact", "KPI quarter, exact path (no day rollups, no prev.)", "ms", 1000, None, "report"),
    ("kpi_quarter_quantile_gap", "day rollups: largest median/p90 gap vs exact", "%", 100, None, "<= 5"),
    ("kpi_day_backfill", "day rollups: build from scratch", "s", 1, None, "report"),
    ("migrate", "migrate the kept cache's copy (with the app's copy aside)", "s", 1, None, "report"),
    ("ingest_rate", "ingest: apply + FTS + commit", "msg/s", 1, "ingest_baseline", ">= 10000, >= 0.4x"),
    ("ingest_with_rollups", "ingest with the KPI apply-hook", "msg/s", 1, None, "report"),
    ("rss_mb", "desktop RSS after all of the above", "MB", 1, None, "<= 350 (<= 400 at 10M)"),
]


def _summarise(ui: dict) -> dict[str, float]:
    from deskapp.ui.search_popup import MIN_CHARS

    frames = sorted(ui["scroll_frames"])
    # the popup answers "keep typing" to one or two letters without searching: those keystrokes cost nothing
    keys = [k for k in ui["keystrokes"] if len(k) >= MIN_CHARS]
    typed = sum(ui["keystrokes"][k] for k in keys)
    raw_typed = sum(ui["keystroke_fts_ranked"][k] for k in keys)
    return {
        "cold_start": ui["cold_start"], "cold_start_baseline": ui["cold_start_baseline"],
        "switch_median": statistics.median(ui["filter_switch"]), "switch_worst": max(ui["filter_switch"]),
        "filter_switch_baseline": ui["filter_switch_baseline"],
        "page_median": statistics.median(ui["page_after_jump"]), "page_baseline": ui["page_baseline"],
        "frame_p99": frames[min(len(frames) - 1, int(len(frames) * 0.99))],
        "open_median": statistics.median(ui["open_conversation"]),
        "open_conversation_baseline": ui["open_conversation_baseline"],
        "search_median": statistics.median(ui["keystrokes"][k] for k in keys),
        "search_worst": max(ui["keystrokes"][k] for k in keys),
        "search_fts_median": statistics.median(ui["keystroke_fts_ranked"][k] for k in keys),
        "search_fts_worst": max(ui["keystroke_fts_ranked"][k] for k in keys),
        "search_ratio": typed / raw_typed, "rss_mb": ui["rss_mb"],
    }


def _print_details(messages: int, ui: dict) -> None:
    """What the table sums up: each view, each keystroke (beside its raw FTS5 query, ranked and not)."""
    views = ", ".join(f"{k} {v * 1000:.0f}" for k, v in zip(ui["filter_switch_views"], ui["filter_switch"],
                                                            strict=True))
    ranked, first, alone = ui["keystroke_fts_ranked"], ui["keystroke_fts_first_page"], ui["keystroke_service"]
    keys = ", ".join(f"{k!r} {v * 1000:.0f} ({ranked[k] * 1000:.1f} / {first[k] * 1000:.1f};"
                     f" service {alone[k] * 1000:.1f})" for k, v in ui["keystrokes"].items())
    print(f"\n{_label(messages)} filter switch ms: {views}"
          f"\n{_label(messages)} keystrokes ms (raw FTS5 ranked / first page; services.search alone): {keys}"
          f"\n{_label(messages)} open ms: {', '.join(f'{v * 1000:.0f}' for v in ui['open_conversation'])};"
          f" page after a jump ms: {', '.join(f'{v * 1000:.0f}' for v in ui['page_after_jump'])}", flush=True)


def _table(measured: dict[str, dict[str, float]]) -> str:
    sizes = sorted(measured, key=int)
    head = f"{'figure':50} {'unit':6}" + "".join(f"{_label(int(s)):>22}" for s in sizes) + "   target"
    lines = [head, "-" * len(head)]
    for key, label, unit, scale, base, target in ROWS:
        cells = ""
        for s in sizes:
            f = measured[s]
            if key not in f:
                cells += f"{'-':>22}"
                continue
            value = f"{f[key] * scale:,.1f}" if scale != 1 or unit == "x" else f"{f[key]:,.0f}"
            if base and base in f:
                value += f" ({f[base] * scale:,.1f})" if scale != 1 else f" ({f[base]:,.0f})"
            cells += f"{value:>22}"
        lines.append(f"{label:50} {unit:6}{cells}   {target}")
    lines.append(f"{'load average while measuring (2 cores)':57}" + "".join(
        f"{measured[s].get('load_average', 0):>22.1f}" for s in sizes))
    lines.append("(in brackets: the raw baseline of the same run, on the same file)")
    return "\n".join(lines)


def _load_growth() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(GROWTH.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@pytest.mark.timeout(4 * 3600)
@pytest.mark.parametrize("messages", _sizes(), ids=_label)
def test_growth(messages, tmp_path):
    from deskapp.paths import resolve_paths
    from deskapp.store.engine import Database

    kept = gen.kept_cache(messages)
    paths = resolve_paths(tmp_path / "data").ensure()
    started = time.perf_counter()
    shutil.copyfile(kept, paths.cache_db)
    print(f"\n{_label(messages)}: copied the kept cache ({kept.stat().st_size / 2**20:,.0f} MB)"
          f" in {time.perf_counter() - started:.0f} s", flush=True)
    load_before = os.getloadavg()[0]
    parts = _parts()
    db = Database(paths.cache_db)
    try:
        figures = _prepare(db)
        if "ui" in parts:
            ui = _desktop(paths.data_dir, tmp_path / "desktop.json")
            figures.update(_summarise(ui))
            _print_details(messages, ui)
        if "kpi" in parts:
            figures.update(_kpi(db, messages))
        if "ingest" in parts:
            figures.update(_ingest(db, paths.cache_db, messages))
    finally:
        db.close()
    figures["load_average"] = (load_before + os.getloadavg()[0]) / 2
    measured = _load_growth()
    measured[str(messages)] = {**measured.get(str(messages), {}), **figures}
    GROWTH.parent.mkdir(parents=True, exist_ok=True)
    GROWTH.write_text(json.dumps(measured, indent=2), encoding="utf-8")
    print("\n" + _table(measured), flush=True)
    label = _label(messages)
    for key, name, unit, scale, base, target in ROWS:
        if key in figures:
            record(f"growth {label}: {name}", round(figures[key] * scale, 2), unit,
                   round(figures[base] * scale, 2) if base else None, target)

    ms = {k: v * 1000 for k, v in figures.items()}
    rss_limit = 350 if messages <= 1_000_000 else 400
    checks = []
    if "ui" in parts:
        checks += [
        (f"cold start {ms['cold_start']:.0f} ms > 1500", ms["cold_start"] <= 1500),
        (f"filter switch median {ms['switch_median']:.0f} ms > 50", ms["switch_median"] <= 50),
        (f"inbox page median {ms['page_median']:.0f} ms > 50", ms["page_median"] <= 50),
        (f"open a conversation {ms['open_median']:.0f} ms > 100", ms["open_median"] <= 100),
        (f"search keystroke median {ms['search_median']:.0f} ms > 100", ms["search_median"] <= 100),
        (f"search {figures['search_ratio']:.1f}x the raw FTS5 query > 10x", figures["search_ratio"] <= 10),
        (f"RSS {figures['rss_mb']:.0f} MB > {rss_limit}", figures["rss_mb"] <= rss_limit)]
    if "kpi" in parts:
        checks += [
            (f"KPI month {ms['kpi_month_best']:.0f} ms > 200", ms["kpi_month_best"] <= 200),
            (f"KPI quarter {ms['kpi_quarter_best']:.0f} ms > 200", ms["kpi_quarter_best"] <= 200),
            (f"quantiles {figures['kpi_quarter_quantile_gap']:.1%} from exact > 5%",
             figures["kpi_quarter_quantile_gap"] <= 0.05)]
    if "ingest" in parts:
        checks += [
            (f"ingest {figures['ingest_rate']:,.0f} msg/s < 10000", figures["ingest_rate"] >= 10_000),
            (f"ingest {figures['ingest_rate'] / figures['ingest_baseline']:.2f}x raw < 0.4x",
             figures["ingest_rate"] >= 0.4 * figures["ingest_baseline"])]
    missed = [what for what, ok in checks if not ok]
    assert not missed, f"{label}: " + "; ".join(missed)
