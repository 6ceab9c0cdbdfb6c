"""A cache filled around Paris midnights and the spring DST change, with its daily rollups, and the checks that
compare the rollups' figures with the exact path's, for the day-rollup and day-figures tests."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from deskapp.domain.sla import sla_targets
from deskapp.kpi import day_rollup
from deskapp.kpi.compute import compute_dashboard
from deskapp.kpi.period import Period
from deskapp.kpi.rollup import rebuild
from tests.kpi.builder import CacheBuilder, local

PARIS = "Europe/Paris"
# March 2026 holds the spring DST change in Paris (the 29th has 23 hours)
PERIOD = Period(date(2026, 3, 1), date(2026, 6, 1), ZoneInfo(PARIS))
NOW = local("2026-06-01 09:00", PARIS)
TOLERANCE = 0.05  # stated in docs: each median and p90 within 5% of the exact one (<= 4.6% by construction)
TARGETS = sla_targets(None)
COUNTED = ("volume", "fcr", "fcr_counts", "sla", "backlog", "replies")


def exact_figures(db, period=PERIOD, filters=None):
    """The figures of the exact path: the rollups switched off (no zone) for the time of the call."""
    with db.write() as conn:
        zone = day_rollup.zone_of(conn)
        conn.exec_driver_sql("DELETE FROM kpi_day_zone")
    with db.read() as conn:
        figures = compute_dashboard(conn, period, filters, now=NOW).figures
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO kpi_day_zone (zone) VALUES (?)", (zone,))
    return figures


def close(fast, exact):
    if exact is None or fast is None:
        return fast == exact
    return abs(fast - exact) <= TOLERANCE * abs(exact)


def assert_agree(fast, exact):
    for key in COUNTED:
        assert fast[key] == exact[key], key
    for key in ("frt", "resolution"):
        assert fast[key]["answered" if key == "frt" else "count"] == exact[key]["answered" if key == "frt" else "count"]
        assert close(fast[key]["median_s"], exact[key]["median_s"]), (key, fast[key], exact[key])
        assert close(fast[key]["p90_s"], exact[key]["p90_s"]), (key, fast[key], exact[key])
    for series in ("frt_median_s", "frt_p90_s", "resolution_median_s", "resolution_p90_s"):
        pairs = zip(fast["trends"][series], exact["trends"][series], strict=True)
        assert all(close(a, b) for a, b in pairs), series
    for a, b in zip(fast["agents"], exact["agents"], strict=True):
        assert (a["assigned"], a["resolutions"], a["fcr"]) == (b["assigned"], b["resolutions"], b["fcr"])
        assert close(a["frt_median_s"], b["frt_median_s"])


def fill_paris(db):
    """Conversations on both sides of Paris midnights and of the DST change, answered and resolved."""
    with db.write() as conn:
        b = CacheBuilder(conn)
        ada, ben = b.agent("Ada"), b.agent("Ben")
        team = b.team("Care")
        spots = ["2026-03-28 23:59", "2026-03-29 00:00", "2026-03-29 03:30", "2026-03-31 23:30",
                 "2026-04-01 00:10", "2026-05-31 23:59", "2026-02-28 23:59"]
        spots += [f"2026-04-{d:02d} {h:02d}:17" for d in range(1, 29, 3) for h in (1, 9, 22)]
        for i, spot in enumerate(spots):
            at = local(spot, PARIS)
            agent = (ada, ben, None)[i % 3]
            resolved = at + 3600 * (i + 1) if i % 2 else None
            c = b.conversation(created=at, channel=("email", "web_chat")[i % 2], assignee=agent,
                               team=team if i % 4 else None, status="resolved" if resolved else "open",
                               resolved=resolved, intent=("refund", None)[i % 2])
            b.message(c, "in", at)
            if i % 5:
                b.message(c, "out", at + 7 * i * i + 40, author="Ada" if agent == ada else "Ben")
        rebuild(conn)
        day_rollup.rebuild(conn, PARIS, TARGETS)
    return ada, ben, team
