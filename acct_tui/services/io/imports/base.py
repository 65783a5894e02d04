"""What every kind of import shares: the report, a row, a planned write, and cell cleaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from acct_tui.models import Agent
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.columns import ColumnMap, ImportKind
from acct_tui.services.io.imports.values import DateOrder

# The typed row helpers, here since the importers first needed them; they live in services.rows.
from acct_tui.services.store.rows import dict_rows as dict_rows
from acct_tui.services.store.rows import tuple_rows as tuple_rows

ImportProgress = Callable[[str, int, int], None]
"""Called as (phase, done, total); phases are "reading", "checking", "writing", "refreshing"."""

PROGRESS_EVERY = 2000


# An activity's columns, shared by the activities importer and the CRM last-touch entries.
ACTIVITY_EDITABLE = (
    "kind",
    "direction",
    "occurred_at",
    "summary",
    "body",
    "outcome",
    "contact",
    "agent",
    "external_id",
)
ACTIVITY_CREATE_FIELDS = ("account", "kind", "direction", "occurred_at", "agent", "contact", "summary", "body",
                          "outcome", "external_id", "created_at")  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """Why one row (or, with `fatal`, a whole column) cannot be imported."""

    line: int
    column: str
    reason: str
    fatal: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass(frozen=True)
class ImportOptions:
    mapping: Mapping[str, str] = field(default_factory=dict)
    """{file column: field}; an empty field ignores the column."""
    dry_run: bool = False
    update_existing: bool = False
    skip_invalid: bool = False
    date_order: DateOrder | None = None
    """Day-first or month-first for columns whose dates read both ways."""
    delimiter: str | None = None
    """Force a delimiter instead of detecting it."""
    owner_map: Mapping[str, str] = field(default_factory=dict)
    """{CRM owner id or name: acct-tui login} for owner and assignee columns (`--owner-map`)."""
    strict_owners: bool = False
    """Refuse a row whose owner is neither an agent nor mapped, instead of giving it to the importing agent."""


@dataclass
class ImportReport:
    """What an import found and did; `written` is true only when the transaction committed."""

    kind: ImportKind
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    existing_skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False
    change_id: str | None = None
    seconds: float = 0.0
    rejected_lines: list[int] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    """The file's columns in order, for the per-column account of a dry run."""
    mapped_columns: list[str] = field(default_factory=list)
    """The columns fed to a field by `--map` rather than recognised by name."""
    owners_defaulted: dict[str, int] = field(default_factory=dict)
    """{source owner: rows} that no agent or `--owner-map` matched, now owned by the importing agent."""

    def column_plan(self) -> list[tuple[str, str, str]]:
        """(column, field, how) for each column of the file: how is "recognised", "--map" or "ignored"."""
        by_column = {column: name for name, column in self.columns.items()}
        mapped = set(self.mapped_columns)
        plan = []
        for column in self.header:
            if not column:
                continue
            name = by_column.get(column)
            how = "ignored" if name is None else ("--map" if column in mapped else "recognised")
            plan.append((column, name or "", how))
        return plan

    @property
    def ok(self) -> bool:
        """True when the import (or the dry run) had nothing blocking it."""
        if any(e.fatal for e in self.errors):
            return False
        return not self.errors or self.skip_invalid

    def summary(self) -> str:
        """One line: what was (or would be) written, or why nothing was."""
        head = f"{self.kind.value} from {self.file}: {self.rows:,} rows"
        if not self.ok:
            if any(e.fatal for e in self.errors):
                # A column or an option is wrong for every row: skipping rows cannot help.
                return f"imported nothing: {head}; the file cannot be imported as it is (fix what is listed above)"
            bad = len({e.line for e in self.errors if e.line})
            return f"imported nothing: {head}; {bad:,} bad rows (fix them, or use --skip-invalid to import the rest)"
        parts = [f"{self.created:,} new", f"{self.updated:,} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        if self.existing_skipped:
            parts.append(f"{self.existing_skipped:,} already there (use --update-existing to update them)")
        if self.rejected:
            parts.append(f"{self.rejected:,} rejected")
        verb = "dry run, nothing written" if self.dry_run else "imported"
        return f"{verb}: {head}; " + ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "file": self.file,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "existing_skipped": self.existing_skipped,
            "rejected": self.rejected,
            "errors": [{"line": e.line, "column": e.column, "reason": e.reason} for e in self.errors],
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "change_id": self.change_id,
            "seconds": round(self.seconds, 3),
            "column_plan": [{"column": c, "field": f, "how": h} for c, f, h in self.column_plan()],
            "owners_defaulted": self.owners_defaulted,
        }


@dataclass
class Row:
    """One data row: its line, the raw cells and the values cleaned so far."""

    line: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Op:
    """One planned write: create a record or update the fields that differ."""

    line: int
    action: str  # "create" or "update"
    values: dict[str, Any]
    record_id: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    account_id: int | None = None
    label: str = ""


@dataclass
class Plan:
    creates: list[Op] = field(default_factory=list)
    updates: list[Op] = field(default_factory=list)
    unchanged: int = 0
    existing_skipped: int = 0
    refresh: set[int] = field(default_factory=set)
    refresh_search: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    owners_defaulted: dict[str, int] = field(default_factory=dict)


class RowErrors:
    """Errors collected over a pass, at most one per (line, column)."""

    def __init__(self) -> None:
        self.items: list[RowError] = []
        self.lines: set[int] = set()

    def add(self, line: int, column: str, reason: str, *, fatal: bool = False) -> None:
        self.items.append(RowError(line, column, reason, fatal))
        self.lines.add(line)

    def from_validation(self, line: int, column: str, exc: ValidationError) -> None:
        self.add(line, column, exc.message)


def cell(row: Row, columns: ColumnMap, name: str) -> str:
    """The raw cell for a field, or "" when the file has no such column."""
    spec = columns.fields.get(name)
    if spec is None:
        return ""
    index = spec[0]
    return row.cells[index] if index < len(row.cells) else ""


def clean_cells(
    rows: Sequence[Row],
    columns: ColumnMap,
    cleaners: Mapping[str, Callable[[str], Any]],
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run each field's cleaner over its non-empty cells, recording every failure."""
    active = [
        (name, columns.fields[name][0], columns.fields[name][1], fn)
        for name, fn in cleaners.items()
        if name in columns.fields
    ]
    for count, row in enumerate(rows, 1):
        cells = row.cells
        for name, index, column, fn in active:
            raw = cells[index] if index < len(cells) else ""
            if not raw or raw.isspace():  # as `not raw.strip()`, without making a string
                continue
            try:
                row.values[name] = fn(raw)
            except ValidationError as exc:
                errors.add(row.line, column, exc.message)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


@dataclass(frozen=True)
class AgentBook:
    """Agents by login and by display name, to read an owner or assignee column."""

    by_login: dict[str, tuple[int, bool]]
    by_name: dict[str, list[tuple[int, bool]]]

    @classmethod
    def load(cls) -> AgentBook:
        by_login: dict[str, tuple[int, bool]] = {}
        by_name: dict[str, list[tuple[int, bool]]] = {}
        for agent_id, login, name, active in tuple_rows(Agent.select(Agent.id, Agent.login, Agent.name, Agent.active)):
            by_login[login.casefold()] = (agent_id, bool(active))
            by_name.setdefault(" ".join(name.casefold().split()), []).append((agent_id, bool(active)))
        return cls(by_login, by_name)

    def find(self, text: str) -> int:
        """The agent a cell names (login or full name); raises ValidationError otherwise."""
        key = text.strip().casefold()
        found = self.by_login.get(key)
        if found is None:
            named = self.by_name.get(" ".join(key.split()), [])
            if len(named) > 1:
                raise ValidationError(f"{text!r} is the name of {len(named)} agents; use their login instead")
            found = named[0] if named else None
        if found is None and "@" in key:
            found = self.by_login.get(key.split("@", 1)[0])
        if found is None:
            raise ValidationError(
                f"no agent {text[:60]!r}; add them (acct-tui agent add LOGIN --name ...) or map the column away"
            )
        if not found[1]:
            raise ValidationError(f"agent {text[:60]!r} is deactivated")
        return found[0]


def chunked(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def today_of(ctx: Ctx) -> dt.date:
    return ctx.today
