"""The reference for a long list: the stock DataTable holding every row of the portfolio.

    python benchmarks/stock_table.py DB_PATH

Loads the same rows the portfolio shows (all of them) into a DataTable,
the way a first attempt would, and shows "ready" when they are in.
"""

from __future__ import annotations

import sqlite3
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static


class StockTable(App[None]):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield Static("loading", id="state")
        yield DataTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Account", "Tier", "Health", "ARR", "Renewal", "Last touch", "Follow-up", "Owner")
        rows = sqlite3.connect(self.path).execute(
            "SELECT name, tier, health_band || ' ' || health_score, arr, renewal_on, last_touch_at, "
            "next_followup_on, owner_id FROM account ORDER BY health_score, id"
        )
        table.add_rows([tuple(str(v) for v in row) for row in rows])
        table.focus()
        self.query_one("#state", Static).update(f"ready {table.row_count}")


if __name__ == "__main__":
    StockTable(sys.argv[1]).run()
