"""Reads of the performance tabs besides the KPI figures (deskapp.kpi), for services.reports: the values a
filter box offers."""

from __future__ import annotations

from sqlalchemy import Connection


def distinct_values(conn: Connection, table: str, column: str) -> list[str]:
    """Distinct values of an indexed column by hopping from one to the next through the index
    (a handful of seeks instead of reading every row: SQLite has no skip-scan for DISTINCT)."""
    return [r[0] for r in conn.exec_driver_sql(
        f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM {table} UNION ALL"
        f" SELECT (SELECT min({column}) FROM {table} WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL)"
        " SELECT x FROM v WHERE x IS NOT NULL")]
