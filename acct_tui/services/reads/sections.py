"""The follow-up queue's sections as conditions on FollowUp: what overdue, today, upcoming and snoozed mean.

Kept apart from the queue (`queue`) so the status line (`status`) counts by
the same rules without loading what the queue needs to rank its items.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from acct_tui.models import FollowUp


def section_conditions(day: dt.date, upcoming_days: int) -> dict[str, Any]:
    """Each section's condition on FollowUp, in the queue's order."""
    horizon = day + dt.timedelta(days=upcoming_days)
    snoozing = FollowUp.snoozed_until.is_null(False) & (FollowUp.snoozed_until > day)
    # A snooze moves the due date to the day it ends, so nothing due by today is snoozed.
    return {
        "overdue": (FollowUp.due_on < day),
        "today": (FollowUp.due_on == day),
        "upcoming": ((FollowUp.due_on > day) & (FollowUp.due_on <= horizon) & ~snoozing),
        "snoozed": snoozing,
    }
