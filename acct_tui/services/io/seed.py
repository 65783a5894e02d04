"""Seed a realistic synthetic portfolio of any size, the same for the same seed.

`seed_rows` makes the rows; this module writes them: in large batches with
explicit ids (no per-row round trips), so 100k accounts take seconds rather
than minutes. A large load shares the batches with a helper process and,
on SQLite, rebuilds the secondary indexes and the search index once at the
end instead of row by row.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from acct_tui.models import (
    Account,
    Activity,
    Agent,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Product,
    Subscription,
    Team,
    database_proxy,
)
from acct_tui.services.context import Ctx
from acct_tui.services.domain.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.errors import NotAllowed
from acct_tui.services.io.seed_rows import ACTIVITY_COLUMNS as ACTIVITY_COLUMNS  # re-exported: benchmarks use it
from acct_tui.services.io.seed_rows import FIRST, LAST, PRODUCTS, Batch, Plan, generate_batch
from acct_tui.services.store.permissions import require_admin
from acct_tui.services.store.rows import tuple_rows
from acct_tui.services.store.unit import reading
from acct_tui.vocab import Role

Progress = Callable[[int, int], None]


@dataclass
class SeedResult:
    accounts: int = 0
    contacts: int = 0
    activities: int = 0
    followups: int = 0
    concerns: int = 0
    opportunities: int = 0
    agents: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per phase of a big load, for the curious (and the benchmark)."""

    def count(self, table: str, rows: int) -> None:
        name = {"account": "accounts", "contact": "contacts", "activity": "activities", "follow_up": "followups",
                "concern": "concerns", "opportunity": "opportunities"}.get(table)  # fmt: skip
        if name:
            setattr(self, name, getattr(self, name) + rows)

    def add(self, batch: Batch) -> None:
        self.accounts += len(batch.accounts)
        self.contacts += len(batch.contacts)
        self.activities += len(batch.activities)
        self.followups += len(batch.followups)
        self.concerns += len(batch.concerns)
        self.opportunities += len(batch.opportunities)


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Bulk insert with the driver's fastest path."""
    if not rows:
        return
    db = database_proxy.obj
    names = ", ".join(columns)
    from acct_tui.db import is_postgres

    if is_postgres(db):
        from psycopg2.extras import execute_values

        execute_values(db.cursor(), f"INSERT INTO {table} ({names}) VALUES %s", rows, page_size=2000)
    else:
        marks = ", ".join("?" for _ in columns)
        db.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def ensure_agents(count: int, rng: random.Random, extra_admin: str | None = None) -> list[int]:
    """Seed agents (created once, reused on later seeds); returns their ids."""
    teams = [Team.get_or_create(name=name)[0].id for name in ("East", "West", "Enterprise")]
    ids: list[int] = []
    for index in range(count):
        login = FIRST[index % len(FIRST)].lower() + ("" if index < len(FIRST) else str(index // len(FIRST)))
        name = f"{FIRST[index % len(FIRST)]} {LAST[(index * 7) % len(LAST)]}"
        role = Role.LEAD.value if index % 8 == 0 else Role.AGENT.value
        agent, _ = Agent.get_or_create(
            login=login, defaults={"name": name, "role": role, "team": teams[index % len(teams)]}
        )
        ids.append(agent.id)
    if extra_admin:
        agent, _ = Agent.get_or_create(login=extra_admin, defaults={"name": extra_admin, "role": Role.ADMIN.value})
        ids.insert(0, agent.id)
    return ids


def ensure_products() -> list[int]:
    return [
        Product.get_or_create(name=name, defaults={"sku": sku, "category": cat})[0].id for name, sku, cat in PRODUCTS
    ]


def _next_id(model: Any) -> int:
    return int(model.select(fn.MAX(model.id)).scalar() or 0) + 1


def seed(
    accounts: int,
    *,
    seed_value: int = 1,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    agents: int | None = None,
    admin_login: str | None = None,
    owner_ids: Sequence[int] | None = None,
    policy: HealthPolicy = DEFAULT_POLICY,
    progress: Progress | None = None,
    batch_size: int = 5000,
    workers: int | None = None,
) -> SeedResult:
    """Add `accounts` synthetic accounts (and their history) to the bound database.

    All or nothing: the whole load is one transaction, so a seed that is
    killed or fails leaves the database as it was, schema included. Batches
    are generated independently (each from its own seed), in a helper process
    when the portfolio is large, while this process writes them. A large seed
    into SQLite drops the secondary indexes and the search triggers inside
    that transaction and rebuilds them once at the end: building an index
    from sorted data is far cheaper than a million random inserts into it.
    """
    rng = random.Random(seed_value)
    day = today or dt.date.today()
    moment = now or dt.datetime.combine(day, dt.time(9, 0))
    result = SeedResult()
    db = database_proxy
    bulk = accounts >= BULK_THRESHOLD
    starts = list(range(0, accounts, batch_size))
    sizes = [min(batch_size, accounts - start) for start in starts]
    helped = bulk and not _on_postgres() and (workers is None or workers > 0) and len(starts) > 1
    with db.connection_context(), _scratch(enabled=helped) as scratch:
        if not _on_postgres():
            # Set outside the transaction (SQLite ignores them inside one); the
            # load's one commit is durable whatever they say.
            db.execute_sql("PRAGMA synchronous = OFF" if bulk else "PRAGMA synchronous = NORMAL")
        # DEFERRED: the scratch file attached for the helper is locked only when read, after it is done.
        with db.atomic(*(() if _on_postgres() else ("DEFERRED",))):
            agent_count = agents if agents is not None else max(4, min(50, accounts // 2000))
            agent_ids = list(owner_ids) if owner_ids else ensure_agents(agent_count, rng, admin_login)
            product_ids = ensure_products()
            result.agents = [a.login for a in Agent.select(Agent.login).where(Agent.id.in_(agent_ids))]
            team_of: dict[int, int | None] = dict(
                tuple_rows(Agent.select(Agent.id, Agent.team).where(Agent.id.in_(agent_ids)))
            )
            first_account = _next_id(Account)
            first_contact = _next_id(Contact)
            plan = Plan(
                seed_value,
                first_account,
                first_contact,
                tuple(agent_ids),
                team_of,
                tuple(product_ids),
                day,
                moment,
                policy,
            )
            with _bulk_load(enabled=bulk, phases=result.phases):
                started = time.perf_counter()
                if scratch is not None:
                    _load_with_helper(plan, starts, sizes, result, accounts, progress, scratch)
                else:
                    for start, size in zip(starts, sizes, strict=True):
                        batch = generate_batch(plan, start, size)
                        with db.atomic():
                            for table, columns, rows in batch.tables():
                                insert_rows(table, columns, rows)
                        result.add(batch)
                        if progress:
                            progress(result.accounts, accounts)
                result.phases["generate and insert"] = time.perf_counter() - started
            _fix_sequences()
            from acct_tui.services.writes.checkpoints import mark_out_of_step

            mark_out_of_step()
        if not _on_postgres():
            db.execute_sql("PRAGMA synchronous = NORMAL")
    return result


def seed_as(ctx: Ctx, accounts: int, *, force: bool = False, **options: Any) -> SeedResult:
    """`seed` on behalf of the agent of `ctx`: an admin's job, and into a database that already
    holds accounts only when forced (the synthetic ones would mix with real ones)."""
    require_admin(ctx.agent, "seed a database")
    with reading():
        existing = Account.select().count()
    if existing and not force:
        raise NotAllowed(
            f"this database already holds {existing:,} accounts and seed would add synthetic ones to them; "
            "seed a new database (--db NEW.db), or add --force"
        )
    return seed(accounts, **options)


BULK_THRESHOLD = 20_000
SCRATCH_PREFIX = "acct-tui-seed-"
"""A seed's scratch folder, beside the database file: `.<file name>.acct-tui-seed-<pid>-<random>`
(the form `acct_tui.dbfile.remove_stale_scratch` knows)."""


@contextmanager
def _scratch(*, enabled: bool) -> Iterator[str | None]:
    """A scratch file for the helper process, attached to the connection as `half`.

    The folder sits beside the database (same disk, same permissions), named
    after this process, so a seed that was killed leaves a folder the next
    start removes (`acct_tui.dbfile.remove_stale_scratch`).
    """
    if not enabled:
        yield None
        return
    import shutil
    import sqlite3
    import tempfile

    from acct_tui.db import sqlite_path

    target = sqlite_path(database_proxy.obj)
    assert target is not None
    where = os.path.dirname(os.path.abspath(target))
    folder = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.{SCRATCH_PREFIX}{os.getpid()}-", dir=where)
    path = os.path.join(folder, "half.db")
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = OFF")
        for table, columns, _rows in Batch().tables():
            connection.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        connection.close()
        database_proxy.execute_sql("ATTACH DATABASE ? AS half", (path,))
        try:
            yield path
        finally:
            database_proxy.execute_sql("DETACH DATABASE half")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load_with_helper(
    plan: Plan,
    starts: list[int],
    sizes: list[int],
    result: SeedResult,
    accounts: int,
    progress: Progress | None,
    scratch: str,
) -> None:
    """Split the batches with a second process that writes its half to the scratch file;
    copy that file's rows in with one INSERT ... SELECT per table (SQLite's own speed)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited connection
    done = context.Value("q", 0)
    theirs = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if index % 2]
    mine = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if not index % 2]
    helper = context.Process(target=_helper_load, args=(plan, theirs, scratch, done, os.getpid()), daemon=True)
    helper.start()
    try:
        for start, size in mine:
            batch = generate_batch(plan, start, size)
            with database_proxy.atomic():
                for table, columns, rows in batch.tables():
                    insert_rows(table, columns, rows)
            result.add(batch)
            if progress:
                progress(result.accounts + int(done.value), accounts)
        while helper.is_alive():
            helper.join(0.5)
            if progress:
                progress(result.accounts + int(done.value), accounts)
        if helper.exitcode != 0:
            raise RuntimeError(f"the seeding helper process failed (exit {helper.exitcode})")
        with database_proxy.atomic():
            for table, columns, _rows in Batch().tables():
                names = ", ".join(columns)
                cursor = database_proxy.execute_sql(
                    f"INSERT INTO main.{table} ({names}) SELECT {names} FROM half.{table}"
                )
                result.count(table, cursor.rowcount)
        if progress:
            progress(accounts, accounts)
    finally:
        if helper.is_alive():
            helper.kill()
            helper.join()


def die_with_parent(parent: int) -> None:
    """End this helper process when `parent` ends, however it ends (a kill -9 runs no clean-up).

    Linux delivers a signal on the parent's death (prctl PR_SET_PDEATHSIG);
    elsewhere a watcher thread notices the parent is gone.
    """
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _helper_load(plan: Plan, batches: list[tuple[int, int]], path: str, done: Any, parent: int) -> None:
    """In the helper process: generate these batches into the scratch file."""
    import sqlite3

    import peewee  # noqa: F401  (registers the date and Decimal adapters the rows rely on)

    die_with_parent(parent)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for start, size in batches:
        batch = generate_batch(plan, start, size)
        connection.execute("BEGIN")
        for table, columns, rows in batch.tables():
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        connection.execute("COMMIT")
        with done.get_lock():
            done.value += size
    connection.close()


@contextmanager
def _bulk_load(*, enabled: bool, phases: dict[str, float]) -> Iterator[None]:
    """Drop secondary indexes and search triggers for a big SQLite load; rebuild them after.

    Runs inside the seed's transaction (SQLite's DDL is transactional): if the
    load fails or is killed, the indexes and triggers come back with the rollback.
    """
    from acct_tui.db import SEARCH_TRIGGERS, create_search, is_postgres

    if not enabled or is_postgres():
        yield
        return
    db = database_proxy.obj
    models = (Account, Contact, Subscription, Activity, FollowUp, Concern, Opportunity)
    for model in models:
        for index in db.get_indexes(model._meta.table_name):
            if not index.unique and not index.name.startswith("sqlite_"):
                db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    for trigger in SEARCH_TRIGGERS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute_sql("PRAGMA cache_size = -262144")
    yield
    # Only after a load that worked: on an error the rollback restores what was dropped.
    started = time.perf_counter()
    for model in models:
        model.create_table(safe=True)  # the table is there: only the dropped indexes come back
    phases["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    db.execute_sql("INSERT INTO account_fts(account_fts) VALUES ('rebuild')")
    create_search(db)
    phases["search index"] = time.perf_counter() - started
    started = time.perf_counter()
    db.execute_sql("PRAGMA cache_size = -32000")
    db.execute_sql("PRAGMA analysis_limit = 1000")  # statistics from a sample: seconds, not minutes
    db.execute_sql("ANALYZE")
    phases["statistics"] = time.perf_counter() - started


def _on_postgres() -> bool:
    from acct_tui.db import is_postgres

    return is_postgres()


def _fix_sequences() -> None:
    """On PostgreSQL: move the id sequences past the ids written, and gather the planner's
    statistics (until autovacuum comes round it would plan for empty tables)."""
    if not _on_postgres():
        return
    for table in ("account", "contact"):
        database_proxy.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )
    database_proxy.execute_sql("ANALYZE")


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
