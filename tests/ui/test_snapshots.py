"""Snapshots of the main screens at 80x24 and 120x40, on the demo database on a fixed day.

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from acct_tui.app import AcctApp
from tests.ui.conftest import press, settle

SCREENS = {
    "portfolio": [],
    "followups": ["2"],
    "today": ["3"],
    "detail": ["enter"],
    "detail-followups": ["enter", "t"],
    "contact-form": ["enter", "c", "tab"],
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(
    screen: str, size: tuple[int, int], make_app: Callable[..., AcctApp], snap_compare: Any
) -> None:
    """Each main screen renders the demo the same way it did when the snapshot was approved."""
    app = make_app()

    async def drive(pilot: Any) -> None:
        await settle(app, pilot)
        for key in SCREENS[screen]:
            await press(app, pilot, key)

    assert snap_compare(app, terminal_size=size, run_before=drive)
