"""CSV imports from CRM exports: accounts, contacts, activities and follow-ups.

The one entry point is `run_import(ctx, kind, path, options, progress=...)`;
it returns an `ImportReport` and raises only when the file cannot be read
at all (`ReadError`) or its columns cannot be matched (`ValidationError`).
Every row is checked before anything is written; the write is one
transaction with one audit change id, so an import is all there or not there.
"""

from __future__ import annotations

from acct_tui.services.io.imports.base import ImportOptions, ImportProgress, ImportReport, RowError
from acct_tui.services.io.imports.columns import ALIASES, ImportKind, parse_mapping
from acct_tui.services.io.imports.engine import run_import
from acct_tui.services.io.imports.owners import parse_owner_map
from acct_tui.services.io.imports.reader import ReadError, Table, read_table
from acct_tui.services.io.imports.values import DateOrder

__all__ = [
    "ALIASES",
    "DateOrder",
    "ImportKind",
    "ImportOptions",
    "ImportProgress",
    "ImportReport",
    "ReadError",
    "RowError",
    "Table",
    "parse_mapping",
    "parse_owner_map",
    "read_table",
    "run_import",
]
