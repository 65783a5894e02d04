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
from acct_tui.services.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.rows import tuple_rows
from acct_tui.services.seed_rows import ACTIVITY_COLUMNS as ACTIVITY_COLUMNS  # re-exported: benchmarks use it
from acct_tui.services.seed_rows import FIRST, LAST, PRODUCTS, Batch, Plan, generate_batch
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

    Batches are generated independently (each from its own seed), in worker
    processes when the portfolio is large, while this process writes them.
    A large seed into SQLite drops the secondary indexes and the search
    triggers first and rebuilds them once at the end: building an index
    from sorted data is far cheaper than a million random inserts into it.
    """
    rng = random.Random(seed_value)
    day = today or dt.date.today()
    moment = now or dt.datetime.combine(day, dt.time(9, 0))
    result = SeedResult()
    db = database_proxy
    with db.connection_context():
        with db.atomic():
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
            seed_value, first_account, first_contact, tuple(agent_ids), team_of, tuple(product_ids), day, moment, policy
        )
        starts = list(range(0, accounts, batch_size))
        sizes = [min(batch_size, accounts - start) for start in starts]
        bulk = accounts >= BULK_THRESHOLD
        with _bulk_load(enabled=bulk, phases=result.phases):
            started = time.perf_counter()
            if bulk and not _on_postgres() and (workers is None or workers > 0) and len(starts) > 1:
                _load_with_helper(plan, starts, sizes, result, accounts, progress)
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
        from acct_tui.services.checkpoints import mark_out_of_step

        mark_out_of_step()
    return result


BULK_THRESHOLD = 20_000


def _load_with_helper(
    plan: Plan,
    starts: list[int],
    sizes: list[int],
    result: SeedResult,
    accounts: int,
    progress: Progress | None,
) -> None:
    """Split the batches with a second process that writes its half to a scratch SQLite file;
    copy that file's rows in with one INSERT ... SELECT per table (SQLite's own speed)."""
    import multiprocessing
    import shutil
    import tempfile

    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited connection
    folder = tempfile.mkdtemp(prefix="acct-tui-seed-")
    scratch = os.path.join(folder, "half.db")
    done = context.Value("q", 0)
    theirs = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if index % 2]
    mine = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if not index % 2]
    helper = context.Process(target=_helper_load, args=(plan, theirs, scratch, done), daemon=True)
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
        database_proxy.execute_sql("ATTACH DATABASE ? AS half", (scratch,))
        try:
            with database_proxy.atomic():
                for table, columns, _rows in Batch().tables():
                    names = ", ".join(columns)
                    cursor = database_proxy.execute_sql(
                        f"INSERT INTO main.{table} ({names}) SELECT {names} FROM half.{table}"
                    )
                    result.count(table, cursor.rowcount)
        finally:
            database_proxy.execute_sql("DETACH DATABASE half")
        if progress:
            progress(accounts, accounts)
    finally:
        if helper.is_alive():
            helper.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _helper_load(plan: Plan, batches: list[tuple[int, int]], path: str, done: Any) -> None:
    """In the helper process: generate these batches into a plain scratch file."""
    import sqlite3

    import peewee  # noqa: F401  (registers the date and Decimal adapters the rows rely on)

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for table, columns, _rows in Batch().tables():
        connection.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
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
    """Drop secondary indexes and search triggers for a big SQLite load; rebuild them after."""
    from acct_tui.db import create_search, is_postgres

    if not enabled or is_postgres():
        yield
        return
    db = database_proxy.obj
    models = (Account, Contact, Subscription, Activity, FollowUp, Concern, Opportunity)
    dropped: list[str] = []
    for model in models:
        for index in db.get_indexes(model._meta.table_name):
            if not index.unique and not index.name.startswith("sqlite_"):
                db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
                dropped.append(index.name)
    for trigger in ("account_fts_ai", "account_fts_ad", "account_fts_au"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute_sql("PRAGMA synchronous = OFF")
    db.execute_sql("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        started = time.perf_counter()
        db.execute_sql("PRAGMA synchronous = NORMAL")
        for model in models:
            # The table is there, so this only puts back the indexes dropped above (IF NOT EXISTS).
            model.create_table(safe=True)
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
