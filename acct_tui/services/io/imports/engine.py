"""Running an import: read, check every row, plan, then write it all in one transaction.

Nothing is written unless every row is good, or the caller chose to skip
the bad ones (`skip_invalid`); a dry run stops after planning. Whatever
happens, the report lists every bad row with its line, column and reason.
"""

from __future__ import annotations

import csv
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from peewee import IntegrityError, OperationalError

from acct_tui.models import database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.errors import Conflict
from acct_tui.services.io.imports import accounts, activities, contacts, followups, products
from acct_tui.services.io.imports.base import ImportOptions, ImportProgress, ImportReport, Row, RowErrors, chunked
from acct_tui.services.io.imports.columns import ImportKind, map_columns
from acct_tui.services.io.imports.reader import Table, read_table
from acct_tui.services.store.derived import refresh_accounts
from acct_tui.services.store.unit import reading

KINDS: dict[ImportKind, ModuleType] = {
    ImportKind.ACCOUNTS: accounts,
    ImportKind.CONTACTS: contacts,
    ImportKind.ACTIVITIES: activities,
    ImportKind.FOLLOWUPS: followups,
    ImportKind.PRODUCTS: products,
}
REFRESH_BATCH = 2000


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


def run_import(
    ctx: Ctx,
    kind: ImportKind | str,
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    progress: ImportProgress | None = None,
    rejects: str | Path | None = None,
) -> ImportReport:
    """Import a CSV file of `kind`; returns the report (it raises only when the file cannot be read).

    `progress(phase, done, total)` is called from the calling thread as the
    work goes on. `rejects`, when given and some rows are bad, receives those
    rows (as the file had them) with their line and the reasons.
    """
    started = time.perf_counter()
    kind = ImportKind(kind)
    options = options or ImportOptions()
    tick = progress or _quiet
    module = KINDS[kind]
    tick("reading", 0, 1)
    table = read_table(path, delimiter=options.delimiter)
    tick("reading", 1, 1)
    columns = map_columns(kind, table.header, options.mapping)
    report = ImportReport(
        kind=kind,
        file=Path(path).name,
        rows=len(table.rows),
        delimiter=table.delimiter,
        encoding=table.encoding,
        dry_run=options.dry_run,
        skip_invalid=options.skip_invalid,
        columns={name: column for name, (_index, column) in columns.fields.items()},
        ignored_columns=list(columns.ignored),
        notes=list(table.notes),
        header=list(table.header),
        mapped_columns=list(columns.mapped),
    )
    rows = [Row(line, cells) for line, cells in table.rows]
    errors = RowErrors()
    width = len(table.header)
    for row in rows:
        if len(row.cells) > width and any(c.strip() for c in row.cells[width:]):
            errors.add(
                row.line,
                "",
                f"has {len(row.cells)} cells but the header has {width} columns; "
                f"a value holding a {table.delimiter_name} must be in double quotes",
            )
    total = len(rows)
    module.clean(ctx, rows, columns, options, errors, lambda done: tick("checking", done, total))
    tick("checking", total, total)
    if any(e.fatal for e in errors.items):
        return _finish(report, errors, started, table, rows, rejects)
    good = [row for row in rows if row.line not in errors.lines]
    if options.dry_run or (errors.items and not options.skip_invalid):
        with reading():
            plan = module.plan(ctx, good, columns, options, errors)
        _count(report, plan)
        return _finish(report, errors, started, table, rows, rejects)
    change_id = uuid.uuid4().hex
    try:
        return _write(
            ctx, module, report, errors, good, columns, options, change_id, tick, started, table, rows, rejects
        )
    except IntegrityError as exc:
        raise Conflict(
            f"someone saved a record this import also writes while it ran ({exc}); nothing was imported, run it again"
        ) from None
    except OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise Conflict("the database stayed busy with other writers; nothing was imported, try again") from None
        raise


def _write(
    ctx: Ctx,
    module: ModuleType,
    report: ImportReport,
    errors: RowErrors,
    good: list[Row],
    columns: Any,
    options: ImportOptions,
    change_id: str,
    tick: ImportProgress,
    started: float,
    table: Table,
    rows: list[Row],
    rejects: str | Path | None,
) -> ImportReport:
    """Plan under the write lock (SQLite) and write it all, in one transaction."""
    with database_proxy.connection_context(), database_proxy.atomic():
        plan = module.plan(ctx, good, columns, options, errors)
        if any(e.fatal for e in errors.items) or (errors.items and not options.skip_invalid):
            _count(report, plan)
            return _finish(report, errors, started, table, rows, rejects)
        writes = len(plan.creates) + len(plan.updates)
        tick("writing", 0, writes)
        module.write(ctx, plan, change_id, lambda done: tick("writing", done, writes))
        tick("writing", writes, writes)
        ids = sorted(plan.refresh)
        for done, chunk in enumerate(chunked(ids, REFRESH_BATCH), 1):
            refresh_accounts(chunk, ctx.today, ctx.policy, search_ids=plan.refresh_search.intersection(chunk))
            tick("refreshing", min(done * REFRESH_BATCH, len(ids)), len(ids))
        if plan.creates or plan.updates:
            from acct_tui.services.writes.checkpoints import mark_out_of_step

            mark_out_of_step()  # renewal dates came in without their checkpoints
    from acct_tui.db import after_bulk_write

    with database_proxy.connection_context():
        after_bulk_write(len(plan.creates) + len(plan.updates))
    report.written = bool(plan.creates or plan.updates)
    report.change_id = change_id if report.written else None
    if report.written and ctx.listener is not None:
        _tell_listener(ctx, change_id, f"import {module.__name__.rsplit('.', 1)[-1]}")
    _count(report, plan)
    return _finish(report, errors, started, table, rows, rejects)


def _count(report: ImportReport, plan: Any) -> None:
    report.created = len(plan.creates)
    report.updated = len(plan.updates)
    report.unchanged = plan.unchanged
    report.existing_skipped = plan.existing_skipped
    report.notes.extend(plan.notes)
    report.owners_defaulted = dict(plan.owners_defaulted)


def _finish(
    report: ImportReport,
    errors: RowErrors,
    started: float,
    table: Table,
    rows: list[Row],
    rejects: str | Path | None,
) -> ImportReport:
    report.errors = sorted(errors.items, key=lambda e: (e.line, e.column))
    bad = sorted(line for line in errors.lines if line)
    report.rejected_lines = bad
    report.rejected = len(bad)
    if rejects is not None and bad:
        write_rejects(rejects, table, rows, report)
    report.seconds = time.perf_counter() - started
    return report


def write_rejects(path: str | Path, table: Table, rows: list[Row], report: ImportReport) -> None:
    """The bad rows as the file had them, plus their line number and reasons (UTF-8 with a BOM for Excel)."""
    reasons: dict[int, list[str]] = {}
    for error in report.errors:
        text = f"{error.column}: {error.reason}" if error.column else error.reason
        reasons.setdefault(error.line, []).append(text)
    bad = set(report.rejected_lines)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*table.header, "import line", "import errors"])
        for row in rows:
            if row.line in bad:
                cells = row.cells + [""] * (len(table.header) - len(row.cells))
                writer.writerow([*cells, row.line, "; ".join(reasons.get(row.line, []))])


def _tell_listener(ctx: Ctx, change_id: str, action: str) -> None:
    """An import is one change too: its hooks (on-change, on-log…) get it once committed, as any write's."""
    import logging
    from types import SimpleNamespace

    try:
        assert ctx.listener is not None
        ctx.listener.committed(ctx, SimpleNamespace(id=change_id, action=action, band_changes={}))
    except Exception:  # a listener's fault is logged, never the import's
        logging.getLogger("acct_tui.hooks").exception("change listener failed on %s", action)
