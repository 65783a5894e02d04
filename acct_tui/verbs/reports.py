"""`acct-tui report NAME`: a report of the book as a text table (bars and numbers), `--json` or `--csv`.

The figures come from `services.reads.reports`, the same the dashboard's Reports
view shows; the text is the same rendering (`services.io.report_text`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler

# Kept here as well as in the service so `acct-tui --help` builds without loading the models.
REPORT_NAMES = ("health", "renewals", "followups", "concerns", "satisfaction", "team")


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    report = verbs.add_parser(
        "report",
        parents=[common],
        help="a report: health, renewals, followups, concerns, satisfaction or team",
        description="health: ARR by health band week by week; renewals: the next 12 months with the ARR at risk; "
        "followups: due and done per week; concerns: open by severity and age; satisfaction: accounts per score; "
        "team: per agent (leads see their team).",
    )
    report.add_argument("name", choices=REPORT_NAMES, help="which report")
    shape = report.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    shape.add_argument("--csv", action="store_true", help="CSV on stdout")
    report.add_argument("--context", metavar="NAME", help="a [contexts.NAME] of the config file")
    return {"report": report_verb}


def report_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.exports import plain, write_csv
    from acct_tui.services.io.report_text import report_data, report_table, report_text
    from acct_tui.services.reads.reports import read_report

    open_db(settings)
    ctx = make_context(settings, clock, bootstrap=False, context=args.context)
    report = read_report(ctx, args.name)
    if args.json:
        payload = {"report": args.name, "agent": ctx.agent.login, "today": ctx.today, **report_data(report)}
        dump_json(plain(payload), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.csv:
        header, rows = report_table(report)
        write_csv(sys.stdout, header, rows)
    else:
        for line in report_text(report, ctx.today):
            say(line)
    return EXIT_OK
