"""A due date typed in the past is warned about under the field, and still saved when confirmed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from acct_tui.app import AcctApp
from acct_tui.models import FollowUp
from acct_tui.screens.form import FieldNote, FormModal
from acct_tui.services.store.unit import reading
from tests.conftest import TODAY
from tests.ui.conftest import press, settle


async def test_rescheduling_into_the_past_warns_under_the_field(make_app: Callable[..., AcctApp]) -> None:
    """`r`, erase "tomorrow", type -3d: the note under the field says it is in the past; enter still saves it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        first = app.screen.query_one("#queue").current
        await press(app, pilot, "r")
        assert isinstance(app.screen, FormModal)
        await press(app, pilot, "end", *["backspace"] * len("tomorrow"), "minus", "3", "d")
        note = str(app.screen.query_one("#error-due_on", FieldNote).render())
        assert "in the past (3 days ago); it will show as overdue" in note
        await press(app, pilot, "enter")
        with reading():
            assert FollowUp.get_by_id(first.id).due_on == TODAY - dt.timedelta(days=3)


async def test_a_future_due_date_has_no_warning(make_app: Callable[..., AcctApp]) -> None:
    """The note under a due date in the future only shows the day it reads as."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        await press(app, pilot, "r")
        await press(app, pilot, "end", "backspace", "backspace")  # "tomorr": not a date yet
        await press(app, pilot, "o", "w")
        note = str(app.screen.query_one("#error-due_on", FieldNote).render())
        assert note.startswith("→ ") and "past" not in note
