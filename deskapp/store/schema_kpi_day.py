"""Daily KPI rollups (deskapp.kpi.day_rollup keeps them, deskapp.kpi.day_figures reads them): per local day
and scope, counts, sums and log-scale histograms of the created and resolved cohorts.

``kpi_day`` holds one row per (scope, local day, scope id, metric, bucket): scope is 'all' (scope id '')
or one of 'agent', 'team', 'account', 'channel', 'intent' (the assignee, team, account id, channel or
intent as text, '' for none), or 'label' (the label; metric 'created' only); the same scope with '/m'
appended holds whole months (day = their first).
``kpi_day_zone`` names the time zone the days are cut in: while it is empty the rollups are missing (a
new cache) and the triggers that keep them are idle. ``kpi_zone_day`` maps each local midnight of that
zone (UTC seconds) to its day and month (proleptic ordinals, date.toordinal); ``kpi_hist_edge`` gives each
histogram bucket's lower edge in seconds; ``kpi_sla_target`` the first-response targets the 'late' counts
were made with ('other' for every channel not named). The partial index ``ix_kpi_conv_waiting`` holds only
the conversations still waiting for a first reply, whose SLA state moves with the clock; the covering
``ix_survey_kind_at_score`` lets a dashboard read the survey answers by kind and time from the index alone.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, PrimaryKeyConstraint, Table, Text, text

from deskapp.store.schema import metadata, survey_response
from deskapp.store.schema_kpi import kpi_conversation

kpi_day = Table(
    "kpi_day", metadata,
    Column("scope", Text, nullable=False),
    Column("day", Integer, nullable=False),
    Column("scope_id", Text, nullable=False),
    Column("metric", Text, nullable=False),  # created, frt, late (answered after the SLA target), resolved, fcr
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
    Column("month", Integer, nullable=False),  # the ordinal of the first day of the day's month
)

kpi_hist_edge = Table(
    "kpi_hist_edge", metadata,
    Column("lo", Integer, primary_key=True),
    Column("bucket", Integer, nullable=False),
)

kpi_sla_target = Table(
    "kpi_sla_target", metadata,
    Column("channel", Text, primary_key=True),
    Column("seconds", Integer, nullable=False),
)

WAITING = "first_inbound_at IS NOT NULL AND first_reply_at IS NULL AND status != 'resolved'"
Index("ix_kpi_conv_waiting", kpi_conversation.c.created_at, kpi_conversation.c.channel,
      kpi_conversation.c.first_inbound_at, sqlite_where=text(WAITING))
Index("ix_survey_kind_at_score", survey_response.c.kind, survey_response.c.at, survey_response.c.score,
      survey_response.c.conversation_id)
