"""Verbs every install needs: seed, migrate, where, queue."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from acct_tui import locations
from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.numbers import MAX_DAYS, MAX_ROWS, whole_number
from acct_tui.runtime import EXIT_OK, CliError, Progress, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler

QUEUE_LIMIT = 100
"""Items per section the queue verb lists unless --limit says otherwise."""


MAX_SEED_ACCOUNTS = 10_000_000
MAX_SEED_AGENTS = 100_000


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    seed = verbs.add_parser("seed", parents=[common], help="fill a database with a synthetic portfolio")
    seed.add_argument(
        "--accounts",
        type=whole_number(1, MAX_SEED_ACCOUNTS),
        required=True,
        metavar="N",
        help="how many accounts to add",
    )
    seed.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (same seed, same data)")
    seed.add_argument(
        "--agents", type=whole_number(1, MAX_SEED_AGENTS), default=None, metavar="K", help="how many agents own them"
    )
    seed.add_argument("--force", action="store_true", help="seed a database that already holds accounts (admins only)")

    verbs.add_parser("migrate", parents=[common], help="upgrade the database schema to this version")
    verbs.add_parser("where", parents=[common], help="print the paths and the database in use")

    queue = verbs.add_parser("queue", parents=[common], help="print your follow-up queue")
    queue.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    queue.add_argument(
        "--days",
        type=whole_number(1, MAX_DAYS),
        default=14,
        metavar="N",
        help=f"how far ahead 'upcoming' looks, 1 to {MAX_DAYS:,} days (default 14)",
    )
    queue.add_argument(
        "--limit", type=whole_number(1, MAX_ROWS), default=None, metavar="N", help="items per section (default 100)"
    )
    return {"seed": seed_verb, "migrate": migrate_verb, "where": where_verb, "queue": queue_verb}


def seed_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.seed import seed_as

    open_db(settings)
    ctx = make_context(settings, clock)  # on an empty database the first login becomes its admin
    started = time.perf_counter()
    with Progress("seeding", args.accounts) as progress:
        result = seed_as(
            ctx,
            args.accounts,
            force=args.force,
            seed_value=args.seed,
            today=clock.today(),
            now=clock.now(),
            agents=args.agents,
            admin_login=settings.agent_login,
            progress=progress.update,
        )
    elapsed = time.perf_counter() - started
    say(
        f"added {result.accounts:,} accounts, {result.contacts:,} contacts, {result.activities:,} activities, "
        f"{result.followups:,} follow-ups, {result.concerns:,} concerns, {result.opportunities:,} opportunities "
        f"in {elapsed:.1f}s"
    )
    say(f"agents: {', '.join(result.agents)}")
    if result.phases:
        say("phases: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.phases.items()))
    return EXIT_OK


def migrate_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.db import SCHEMA_VERSION, bind, connect, migrate, missing_tables, parse_url, schema_version

    spec = parse_url(settings.database_url)
    if spec.kind == "sqlite" and not Path(spec.path).exists():
        raise CliError(f"no database at {spec.path}")
    from acct_tui.services.store.permissions import require_admin_of

    db = connect(spec)
    bind(db)
    with db.connection_context():
        require_admin_of(db, settings.agent_login, "migrate a database")
        lost = missing_tables(db) if schema_version(db) == SCHEMA_VERSION else []
    applied = migrate(db, init=settings.init_database)
    if lost:
        one = len(lost) == 1
        say(f"recreated the missing {'table' if one else 'tables'} {', '.join(lost)} in {spec.display}")
        say(
            f"note: {'it is' if one else 'they are'} empty; the rows {'it' if one else 'they'} held are only "
            "in a backup (acct-tui restore BACKUP --force)"
        )
    elif applied:
        say(f"upgraded {spec.display} to schema version {SCHEMA_VERSION} (applied: {', '.join(map(str, applied))})")
    else:
        say(f"{spec.display} is already at schema version {SCHEMA_VERSION}")
    return EXIT_OK


def where_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.db import parse_url

    rows = [
        ("config file", str(settings.config_path)),
        ("data folder", str(locations.data_dir())),
        ("database", parse_url(settings.database_url).display),
        ("default database", str(locations.default_database())),
        ("demo database", str(locations.demo_database())),
        ("logs", str(locations.log_dir())),
        ("agent", settings.agent_login),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        say(f"{name:<{width}}  {value}")
    return EXIT_OK


def queue_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.reads.queue import followup_queue
    from acct_tui.services.store.derived import refresh_stale_health

    open_db(settings)
    ctx = make_context(settings, clock, bootstrap=False)
    refresh_stale_health(ctx.today, ctx.policy, assignee_id=ctx.agent.id)
    queue = followup_queue(ctx, upcoming_days=args.days, limit=args.limit or QUEUE_LIMIT)
    cut = {name: queue.counts[name] for name in queue.SECTIONS if queue.counts.get(name, 0) > len(queue.section(name))}
    if cut and args.limit is None:
        # A script reading the list must know it is not the whole queue.
        sections = ", ".join(f"{name} {len(queue.section(name))} of {count:,}" for name, count in cut.items())
        print(
            f"acct-tui: note: listed {sections} (the default --limit {QUEUE_LIMIT}); give --limit N for more",
            file=sys.stderr,
        )
    if args.json:
        payload = {
            "agent": ctx.agent.login,
            "today": queue.today.isoformat(),
            "sections": {name: [item_json(item) for item in queue.section(name)] for name in queue.SECTIONS},
            "counts": queue.counts,
        }
        dump_json(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from acct_tui.services.domain.dates import describe_due
    from acct_tui.text import fit, inert

    for name in queue.SECTIONS:
        items = queue.section(name)
        say(f"{name.upper()} ({queue.counts.get(name, len(items))})")
        for item in items:
            when = describe_due(item.due_on, queue.today)
            if name == "snoozed" and item.snoozed_until:
                when = f"until {item.snoozed_until.isoformat()}"
            account = fit(inert(item.account_name), 28)
            woke = f"  (woke: {inert(item.woke_reason)})" if item.woke_reason else ""
            say(
                f"  #{item.id:<6} {when:<14} {item.priority:<7} {item.health_band.symbol} "
                f"{account} {inert(item.title)}{woke}"
            )
    return EXIT_OK


def item_json(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "account_id": item.account_id,
        "account": item.account_name,
        "title": item.title,
        "kind": item.kind,
        "due_on": item.due_on.isoformat(),
        "priority": item.priority,
        "assignee": item.assignee_login,
        "health": {"score": item.health_score, "band": item.health_band.value},
        "snoozed_until": item.snoozed_until.isoformat() if item.snoozed_until else None,
        "snooze_reason": item.snooze_reason,
        "woke_reason": item.woke_reason,
        "urgency": item.urgency,
        "reasons": list(item.reasons),
    }
