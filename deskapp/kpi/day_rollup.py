"""Keeps the daily KPI rollups (store/schema_kpi_day.py) current: the SQL of their triggers (migrations 0013
and 0014 create frozen copies of it) and a full rebuild in a zone.

Every change to a ``kpi_conversation`` row (the per-conversation rollup the sync hook and the
conversation triggers keep) takes the row's old contribution out of ``kpi_day`` and puts its new one in,
inside the same transaction, so the day rows follow every writer: ingest, edits, merges, deletions.
``rebuild(conn, zone, targets)`` recomputes them from scratch, label rows included (a new cache, a lost
rollup, another zone or SLA targets); while ``kpi_day_zone`` is empty the triggers do nothing, which also
keeps a bulk rebuild of kpi_conversation fast.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from deskapp.domain.sla import target_for
from deskapp.kpi.period import local_midnight

# Local days 1960..2200 cover every timestamp a cache holds (0 included, in any zone).
FIRST_DAY, END_DAY = date(1960, 1, 1), date(2200, 1, 1)
EXACT_BELOW = 32  # seconds: one bucket per second below this
PER_DOUBLING = 8  # above: 8 buckets per doubling, each at most 2**(1/8) - 1 = 9.1% wide
TOP = 2 ** 33  # seconds (272 years): the last bucket is open-ended

SCOPES = ("agent", "team", "account", "channel", "intent")
_SCOPE_COLUMN = {"agent": "assignee_id", "team": "team_id", "account": "account_id", "channel": "channel",
                 "intent": "intent"}


def bucket_edges() -> list[int]:
    """Lower edges (seconds) of the histogram buckets, ascending; bucket i is [edges[i], edges[i + 1])."""
    edges = list(range(EXACT_BELOW))
    step = 0
    while True:
        lo = round(EXACT_BELOW * 2 ** (step / PER_DOUBLING))
        step += 1
        if lo > edges[-1]:
            edges.append(lo)
        if lo >= TOP:
            return edges


def _day_of(value: str, column: str = "day") -> str:
    return f"(SELECT {column} FROM kpi_zone_day WHERE start <= {value} ORDER BY start DESC LIMIT 1)"


def _bucket_of(value: str) -> str:
    return f"coalesce((SELECT bucket FROM kpi_hist_edge WHERE lo <= {value} ORDER BY lo DESC LIMIT 1), 0)"


def _facts(row: str, source: str = "") -> str:
    """(day, metric, bucket, value) of one kpi_conversation row ``row`` (NEW or OLD), or with ``source``
    (" , <columns> FROM kpi_conversation k", ``row`` = "k") of every row, with those columns added."""
    frt = f"({row}.first_reply_at - {row}.first_inbound_at)"
    resolution = f"({row}.resolved_at - {row}.created_at)"
    resolved = f"{row}.status = 'resolved' AND {row}.resolved_at IS NOT NULL"
    created = f"{_day_of(row + '.created_at')}, {_day_of(row + '.created_at', 'month')}"
    at_resolution = f"{_day_of(row + '.resolved_at')}, {_day_of(row + '.resolved_at', 'month')}"
    answered = (f"{row}.created_at IS NOT NULL AND {row}.first_inbound_at IS NOT NULL"
                f" AND {row}.first_reply_at IS NOT NULL")
    target = (f"coalesce((SELECT seconds FROM kpi_sla_target WHERE channel = {row}.channel),"
              " (SELECT seconds FROM kpi_sla_target WHERE channel = 'other'))")
    first_arm = f"{_day_of(row + '.created_at')} AS day, {_day_of(row + '.created_at', 'month')} AS month"
    return (f"SELECT {first_arm}, 'created' AS metric, 0 AS bucket, 0 AS value{source}"
            f" WHERE {row}.created_at IS NOT NULL"
            f" UNION ALL SELECT {created}, 'frt', {_bucket_of(frt)}, {frt}{source} WHERE {answered}"
            f" UNION ALL SELECT {created}, 'late', 0, 0{source} WHERE {answered} AND {frt} > {target}"
            f" UNION ALL SELECT {at_resolution}, 'resolved', {_bucket_of(resolution)}, {resolution}{source}"
            f" WHERE {resolved}"
            f" UNION ALL SELECT {at_resolution}, 'fcr', 0, 0{source}"
            f" WHERE {resolved} AND {row}.human_replies = 1 AND {row}.reopened_7d = 0")


def _scopes(row: str) -> str:
    parts = ["SELECT 'all' AS scope, '' AS id"]
    parts += [f"SELECT '{scope}', coalesce(CAST({row}.{column} AS TEXT), '')"
              for scope, column in _SCOPE_COLUMN.items()]
    return " UNION ALL ".join(parts)


def _apply(row: str, sign: int) -> str:
    """Adds (``sign`` 1) or takes out (-1) a row's contribution: to its day, and to its month (scope + '/m')."""
    return (f"INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total)"
            f" SELECT CASE g.m WHEN 0 THEN s.scope ELSE s.scope || '/m' END, CASE g.m WHEN 0 THEN f.day"
            f" ELSE f.month END, s.id, f.metric, f.bucket, {sign}, {sign} * f.value"
            f" FROM ({_scopes(row)}) s, ({_facts(row)}) f, (SELECT 0 AS m UNION ALL SELECT 1) g"
            " WHERE f.day IS NOT NULL"
            " ON CONFLICT (scope, day, scope_id, metric, bucket)"
            " DO UPDATE SET n = n + excluded.n, total = total + excluded.total;")


_ACTIVE = "WHEN EXISTS (SELECT 1 FROM kpi_day_zone)"

_COUNTED = ("created_at", "resolved_at", "status", "assignee_id", "team_id", "account_id", "channel", "intent",
            "first_inbound_at", "first_reply_at", "human_replies", "reopened_7d")
# human_replies counts only through FCR (exactly one reply): a second or third reply changes nothing here
_CHANGED = [f"OLD.{c} IS NOT NEW.{c}" for c in _COUNTED if c != "human_replies"] + [
    "(OLD.human_replies = 1) IS NOT (NEW.human_replies = 1)"]

TRIGGERS = [
    f"CREATE TRIGGER kpi_day_ai AFTER INSERT ON kpi_conversation {_ACTIVE} BEGIN {_apply('NEW', 1)} END",
    f"CREATE TRIGGER kpi_day_ad AFTER DELETE ON kpi_conversation {_ACTIVE} BEGIN {_apply('OLD', -1)} END",
    # the copy triggers on conversation set every copied column: only a real change moves the day rows
    f"CREATE TRIGGER kpi_day_au AFTER UPDATE OF {', '.join(_COUNTED)} ON kpi_conversation {_ACTIVE}"
    f" AND ({' OR '.join(_CHANGED)})"
    f" BEGIN {_apply('OLD', -1)} {_apply('NEW', 1)} END",
]


# The conversations created per day and label ('label' scope, metric 'created'), kept by triggers on both
# tables; migration 0014 creates these triggers (a frozen copy: tests compare the two) and counts the rows
# of a cache it upgrades, a rebuild counts them from scratch.
def _count_labels(sign: int, created_at: str, label: str, source: str = "", where: str = "true") -> str:
    return ("INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total)"
            " SELECT CASE g.m WHEN 0 THEN 'label' ELSE 'label/m' END, CASE g.m WHEN 0 THEN d.day ELSE d.month END,"
            f" {label}, 'created', 0, {sign}, 0"
            f" FROM (SELECT day, month FROM kpi_zone_day WHERE start <= {created_at} ORDER BY start DESC LIMIT 1) d,"
            f" (SELECT 0 AS m UNION ALL SELECT 1) g{source} WHERE {where}"
            " ON CONFLICT (scope, day, scope_id, metric, bucket) DO UPDATE SET n = n + excluded.n;")


def _label_row(row: str, sign: int) -> str:
    created_at = f"(SELECT created_at FROM kpi_conversation WHERE conversation_id = {row}.conversation_id)"
    return _count_labels(sign, created_at, f"{row}.label")


def _conversation_labels(row: str, sign: int) -> str:
    return _count_labels(sign, f"{row}.created_at", "lb.label", ", conversation_label lb",
                         f"lb.conversation_id = {row}.conversation_id")


LABEL_TRIGGERS = [
    f"CREATE TRIGGER kpi_label_day_li AFTER INSERT ON conversation_label {_ACTIVE}"
    f" BEGIN {_label_row('NEW', 1)} END",
    f"CREATE TRIGGER kpi_label_day_ld AFTER DELETE ON conversation_label {_ACTIVE}"
    f" BEGIN {_label_row('OLD', -1)} END",
    f"CREATE TRIGGER kpi_label_day_lu AFTER UPDATE ON conversation_label {_ACTIVE}"
    f" BEGIN {_label_row('OLD', -1)} {_label_row('NEW', 1)} END",
    f"CREATE TRIGGER kpi_label_day_ci AFTER INSERT ON kpi_conversation {_ACTIVE}"
    f" BEGIN {_conversation_labels('NEW', 1)} END",
    f"CREATE TRIGGER kpi_label_day_cd AFTER DELETE ON kpi_conversation {_ACTIVE}"
    f" BEGIN {_conversation_labels('OLD', -1)} END",
    f"CREATE TRIGGER kpi_label_day_cu AFTER UPDATE OF created_at ON kpi_conversation {_ACTIVE}"
    " AND OLD.created_at IS NOT NEW.created_at"
    f" BEGIN {_conversation_labels('OLD', -1)} {_conversation_labels('NEW', 1)} END",
]


def _count_all_labels(conn: Connection) -> None:
    """Count the label rows of every conversation (into rollups that hold none)."""
    for grain, suffix in (("day", ""), ("month", "/m")):
        conn.exec_driver_sql(
            f"INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total)"
            f" SELECT 'label{suffix}', {_day_of('k.created_at', grain)} AS d, lb.label, 'created', 0, count(*), 0"
            " FROM conversation_label lb JOIN kpi_conversation k ON k.conversation_id = lb.conversation_id"
            " WHERE k.created_at IS NOT NULL GROUP BY d, lb.label HAVING d IS NOT NULL")


def zone_of(conn: Connection) -> str | None:
    """The zone the day rows are cut in, or None when they are missing."""
    found = conn.exec_driver_sql("SELECT zone FROM kpi_day_zone").first()
    return found[0] if found else None


def targets_of(conn: Connection) -> dict[str, int]:
    """The SLA targets the 'late' counts were made with."""
    return {c: int(s) for c, s in conn.exec_driver_sql("SELECT channel, seconds FROM kpi_sla_target")}


def _target_rows(targets: dict[str, int]) -> dict[str, int]:
    return {**targets, "other": target_for(targets, "other")}


def current(conn: Connection, zone: str, targets: dict[str, int]) -> bool:
    """Whether the day rows are there, cut in ``zone``, with ``targets``."""
    return zone_of(conn) == zone and targets_of(conn) == _target_rows(targets)


def rebuild(conn: Connection, zone: str, targets: dict[str, int]) -> None:
    """Recompute every day row in ``zone`` with the SLA ``targets`` from kpi_conversation; call inside a
    write transaction."""
    tz = ZoneInfo(zone)
    conn.exec_driver_sql("DELETE FROM kpi_day_zone")  # the triggers idle while the rows are rebuilt
    for table in ("kpi_day", "kpi_zone_day", "kpi_hist_edge", "kpi_sla_target"):
        conn.exec_driver_sql(f"DELETE FROM {table}")
    conn.exec_driver_sql("INSERT INTO kpi_sla_target (channel, seconds) VALUES (?, ?)",
                         list(_target_rows(targets).items()))
    days = (END_DAY - FIRST_DAY).days
    conn.exec_driver_sql("INSERT INTO kpi_zone_day (start, day, month) VALUES (?, ?, ?)", [
        (local_midnight(d, tz), d.toordinal(), d.replace(day=1).toordinal())
        for d in (FIRST_DAY + timedelta(days=i) for i in range(days))])
    conn.exec_driver_sql("INSERT INTO kpi_hist_edge (lo, bucket) VALUES (?, ?)",
                         [(lo, i) for i, lo in enumerate(bucket_edges())])
    conn.exec_driver_sql("DROP TABLE IF EXISTS temp.kpi_day_facts")
    columns = ", ".join(f"k.{c} AS {c}" for c in _SCOPE_COLUMN.values())
    conn.exec_driver_sql(f"CREATE TEMP TABLE kpi_day_facts AS SELECT * FROM"
                         f" ({_facts('k', f', {columns} FROM kpi_conversation k')}) WHERE day IS NOT NULL")
    for grain, suffix in (("day", ""), ("month", "/m")):
        conn.exec_driver_sql(f"INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total)"
                             f" SELECT 'all{suffix}', {grain}, '', metric, bucket, count(*), total(value)"
                             f" FROM temp.kpi_day_facts GROUP BY {grain}, metric, bucket")
        for scope, column in _SCOPE_COLUMN.items():
            conn.exec_driver_sql(f"INSERT INTO kpi_day (scope, day, scope_id, metric, bucket, n, total)"
                                 f" SELECT '{scope}{suffix}', {grain}, coalesce(CAST({column} AS TEXT), '') AS sid,"
                                 f" metric, bucket, count(*), total(value) FROM temp.kpi_day_facts"
                                 f" GROUP BY {grain}, sid, metric, bucket")
    conn.exec_driver_sql("DROP TABLE temp.kpi_day_facts")
    _count_all_labels(conn)
    conn.exec_driver_sql("INSERT INTO kpi_day_zone (zone) VALUES (?)", (zone,))


def ensure(conn: Connection, zone: str, targets: dict[str, int]) -> bool:
    """Rebuild when the rows are missing, cut in another zone or made with other targets; True when it did."""
    if current(conn, zone, targets):
        return False
    rebuild(conn, zone, targets)
    return True
