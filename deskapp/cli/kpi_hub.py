"""`deskapp kpi --from-hub`: the team's figures as the hub's reports give them, beside this computer's cache
(deskapp.services.hub_reports); the exit code is 0 only when the hub answered."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from deskapp.cli.output import fail, print_json

ROWS = (("conversations_count", "conversations", False), ("incoming_messages_count", "incoming messages", False),
        ("outgoing_messages_count", "outgoing messages", False), ("resolutions_count", "resolutions", False),
        ("avg_first_response_time", "first response (avg)", True),
        ("avg_resolution_time", "resolution time (avg)", True), ("reply_time", "reply time (avg)", True))


def run(ws, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from deskapp.domain.durations import duration_text
    from deskapp.kpi.period import parse_period, resolve_timezone
    from deskapp.services.hub_reports import HUB, HubReportService
    from deskapp.services.reports import ReportService

    if args.agent or args.team:
        return fail("--from-hub reads the whole account; leave out --agent and --team")
    reports = ReportService(ws.db)
    try:
        period = parse_period(args.start, args.end, resolve_timezone(args.tz) if args.tz else reports.timezone())
    except ValueError as exc:
        return fail(str(exc))
    reading = HubReportService(ws, reports).read_period(period)
    figures, local = reading.figures, reading.local
    if args.json:
        print_json({"state": reading.state, "message": reading.message, "hub": asdict(figures) if figures else None,
                    "local": asdict(local) if local else None})
        return 0 if reading.state == HUB else 1
    fetched = (datetime.fromtimestamp(figures.fetched_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
               if figures else None)
    print(f"period          {period.first_day} – {period.end_day} (exclusive, {period.tz.key})")
    if reading.state == HUB:
        print(f"source          the hub ({reading.hub_name}), read at {fetched}")
    else:
        print(f"source          {reading.message}" + (f"; last fetched at {fetched}" if fetched else ""))
    for key, label, duration in ROWS:
        if figures is not None:
            value = figures.summary[key]
            print(f"{label:<22} {duration_text(value) if duration else int(value):>10}  from the hub")
    if local is not None:
        print(f"this computer's cache holds {local.conversations} conversations of the period:"
              f" {local.resolutions} resolved, first response median {duration_text(local.frt_median_s)}")
    return 0 if reading.state == HUB else 1
