"""The `triage` verb of the command line (registered by deskapp.cli.entry): label stdin, retrain, evaluate.

`deskapp triage [--json]` reads one message per line on stdin and prints one line per message as soon
as it is labelled; `deskapp triage retrain` folds agents' corrections into the model; `deskapp triage
evaluate [--json]` retrains on the shipped examples' training split and reports accuracy, calibration,
throughput, size and load time on the held-out split.
"""

from __future__ import annotations

import argparse
import sys


def _cmd_triage(ws, args: argparse.Namespace) -> int:
    import json

    from deskapp.services import triage as triage_service

    if args.action == "evaluate":
        from deskapp.copilot import evaluate

        return evaluate.main(["--json"] if args.json else [])
    if args.action == "retrain":
        report = triage_service.retrain(ws.db, ws.profile)
        summary = {"examples": report.examples, "corrections": report.corrections,
                   "corrections_learned": report.corrections_learned, "model_id": report.model_id}
        if args.json:
            print(json.dumps(summary))
        else:
            print(f"retrained on {report.examples} examples + {report.corrections} corrections;"
                  f" {report.corrections_learned} of the corrections are now labelled as the agents did")
        return 0
    triager = triage_service.current_triager(ws.db)
    for line in sys.stdin:
        message = line.rstrip("\r\n")
        result = triager.triage(message)
        if args.json:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"{result.intent}\t{result.urgency}\t{result.sentiment}\t{result.sentiment_score:+.2f}"
                             f"\t{result.language or '-'}\n")
        sys.stdout.flush()  # a pipe reader gets each label as soon as its line is done
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("triage", help="label messages read one per line on stdin (or: triage retrain | evaluate)")
    p.add_argument("action", nargs="?", choices=["retrain", "evaluate"],
                   help="retrain: fold agents' corrections into the model; evaluate: quality on the held-out split")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(run=_cmd_triage)
