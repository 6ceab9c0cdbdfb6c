"""Daily KPI rollups (deskapp.kpi.day_rollup keeps them, deskapp.kpi.day_figures reads them): per local day
and scope, counts, sums and log-scale histograms of the created and resolved cohorts.

``kpi_day`` holds one row per (scope, local day, scope id, metric, bucket): scope is 'all' (scope id '')
or one of 'agent', 'team', 'account', 'channel', 'intent' (the assignee, team, account id, channel or
intent as text, '' for none). ``kpi_day_zone`` names the time zone the days are cut in: while it is
empty the rollups are missing (a new cache) and the triggers that keep them are idle. ``kpi_zone_day``
maps each local midnight of that zone (UTC seconds) to its day (a proleptic ordinal, date.toordinal);
``kpi_hist_edge`` gives each histogram bucket's lower edge in seconds.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, Table, Text

from deskapp.store.schema import metadata

kpi_day = Table(
    "kpi_day", metadata,
    Column("scope", Text, nullable=False),
    Column("day", Integer, nullable=False),
    Column("scope_id", Text, nullable=False),
    Column("metric", Text, nullable=False),  # created, frt, resolved, fcr
    Column("bucket", Integer, nullable=False),  # histogram bucket of frt and resolved, 0 otherwise
    Column("n", Integer, nullable=False),
    Column("total", Integer, nullable=False),  # sum of the seconds (frt, resolved)
    PrimaryKeyConstraint("scope", "day", "scope_id", "metric", "bucket"),
    sqlite_with_rowid=False,
)

kpi_day_zone = Table(
    "kpi_day_zone", metadata,
    Column("zone", Text, primary_key=True),
)

kpi_zone_day = Table(
    "kpi_zone_day", metadata,
    Column("start", Integer, primary_key=True),  # UTC seconds of the local midnight
    Column("day", Integer, nullable=False),
)

kpi_hist_edge = Table(
    "kpi_hist_edge", metadata,
    Column("lo", Integer, primary_key=True),
    Column("bucket", Integer, nullable=False),
)
