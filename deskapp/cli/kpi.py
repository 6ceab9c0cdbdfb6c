"""The `kpi` and `import surveys` verbs of the command line (registered by deskapp.cli.entry), for scripts.

`kpi` prints every KPI figure for a period ([--from, --to) local dates in --tz); `import surveys`
loads NPS/CES/CSAT answers from a survey tool's CSV (see deskapp/kpi/surveys_csv.py for the columns).
"""

from __future__ import annotations

import argparse
import sys

from deskapp.cli.opening import READ
from deskapp.cli.output import fail, print_json


def _cmd_kpi(ws, args: argparse.Namespace) -> int:
    from deskapp.domain.durations import duration_text
    from deskapp.kpi.formatting import fmt_amounts, fmt_rate, fmt_refunds
    from deskapp.services.reports import ReportError, ReportService

    if args.from_hub:
        from deskapp.cli import kpi_hub

        return kpi_hub.run(ws, args)
    service = ReportService(ws.db)
    try:
        report = service.kpi_report(start=args.start, end=args.end, agent_email=args.agent, team_name=args.team,
                                    tz=args.tz)
    except ReportError as exc:
        return fail(f"{exc}")
    if args.json:
        print_json(report)
        return 0
    p = report["period"]
    print(f"period          {p['from']} – {p['to']} (exclusive, {p['tz']})")
    frt = report["frt"]
    print(f"FRT             median {duration_text(frt['median_s'])}, p90 {duration_text(frt['p90_s'])},"
          f" unanswered {report['frt']['unanswered']}")
    print(f"resolution      median {duration_text(report['resolution']['median_s'])},"
          f" p90 {duration_text(report['resolution']['p90_s'])}")
    print(f"FCR             {fmt_rate(report['fcr'])}")
    nps = "–" if report["nps"] is None else f"{report['nps'] * 100:+.0f}"
    ces = "–" if report["ces"] is None else f"{report['ces']:.2f}"
    print(f"CSAT / NPS / CES {fmt_rate(report['csat'])} / {nps} / {ces}")
    print(f"contact rate    {fmt_rate(report['contact_rate'])}")
    print(f"SLA             breach rate {fmt_rate(report['sla']['breach_rate'])}, at risk now"
          f" {report['sla']['at_risk']}, breaching now {report['sla']['breaching_now']}")
    print(f"volume          {report['volume']['total']} conversations, backlog {report['backlog']['open']} open")
    revenue = report["revenue_influenced"]
    print(f"revenue influenced {fmt_amounts(revenue['amounts'])} in {revenue['orders']} orders"
          " (placed within 3 days after a reply)")
    print(f"refunds issued  {fmt_refunds(report['refunds'])}")
    for a in report["agents"]:
        print(f"  {a['name'] or a['email']:<24} assigned {a['assigned']:>5}  replies {a['replies']:>5}"
              f"  FRT {duration_text(a['frt_median_s']):>9}  resolved {a['resolutions']:>5}  FCR {fmt_rate(a['fcr'])}"
              f"  CSAT {fmt_rate(a['csat'])}  influenced {fmt_amounts(a['revenue_influenced']['amounts'])}"
              f"  refunds {fmt_refunds(a['refunds'])}")
    return 0


def _cmd_import(ws, args: argparse.Namespace) -> int:
    from deskapp.services.reports import ReportService

    service = ReportService(ws.db)
    try:
        result = service.import_surveys(args.file, tz=args.tz)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return fail(f"cannot read {args.file}: {exc}")
    for line, error in result.errors:
        print(f"{args.file}:{line}: {error}", file=sys.stderr)
    if args.json:
        print_json(result.as_dict())
    else:
        print(f"{result.imported} answers imported, {result.updated} updated, {len(result.errors)} rows rejected")
    return 1 if result.errors else 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kpi", help="KPI figures (FRT, resolution, FCR, CSAT, NPS, CES, SLA...) for a period")
    p.add_argument("--from", dest="start", metavar="DATE", help="first local day, YYYY-MM-DD (default: 30 days ago)")
    p.add_argument("--to", dest="end", metavar="DATE", help="day after the last, YYYY-MM-DD (default: tomorrow)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--agent", metavar="EMAIL", help="one agent's figures (conversations assigned to them)")
    who.add_argument("--team", metavar="NAME", help="one team's figures")
    p.add_argument("--tz", metavar="ZONE", help="time zone of the days, e.g. Europe/Paris (default: the system's)")
    p.add_argument("--from-hub", action="store_true",
                   help="the team's figures from the hub's reports (Chatwoot reports API v2) beside the cache's")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_kpi, opens=READ)
    p = sub.add_parser("import", help="import data from other tools: `import surveys FILE.csv`")
    p.add_argument("what", choices=["surveys"], help="what the file holds")
    p.add_argument("file", metavar="FILE.csv", help="columns: kind, score, at, [id, conversation, email, comment]")
    p.add_argument("--tz", metavar="ZONE", help="zone for times without an offset (default: the system's)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_import)
