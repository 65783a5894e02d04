"""Writing a captured touch: an activity that knows where it came from, inside a caller's change.

The activity's `source_ref` (a mail's Message-ID, a calendar event's UID) is
unique in the database: a touch captured twice is found by it and left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from acct_tui.models import Activity, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.io.capture.match import Match
from acct_tui.services.store.audit import Change
from acct_tui.services.store.rows import tuple_rows
from acct_tui.services.store.wake import inbound_reason, wake_snoozed
from acct_tui.vocab import Direction

Progress = Callable[[str, int, int], None]
"""(phase, done, total) of a mail or calendar import, as the CSV imports report theirs."""


def quiet(_phase: str, _done: int, _total: int) -> None:
    """No progress shown."""
    return None


LOOKUP_BATCH = 500


def logged_refs(refs: Iterable[str]) -> set[str]:
    """The refs among these that an activity already carries."""
    wanted = sorted(set(refs))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_BATCH):
        chunk = wanted[start : start + LOOKUP_BATCH]
        query = Activity.select(Activity.source_ref).where(Activity.source_ref.in_(chunk))
        found.update(str(row[0]) for row in tuple_rows(query))
    return found


def planned_followup(ref: str) -> FollowUp | None:
    return FollowUp.get_or_none(FollowUp.source_ref == ref)


def clamp(moment: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When a touch happened: its own time, never later than now (a sender's clock running fast), else now."""
    return now if moment is None or moment > now else moment


def record_touch(
    ch: Change,
    ctx: Ctx,
    match: Match,
    *,
    kind: str,
    summary: str,
    body: str,
    occurred_at: dt.datetime,
    ref: str,
    wake: bool = True,
) -> Activity:
    """Log the touch on the matched account; an inbound one wakes the account's snoozes when `wake`."""
    ch.lock(match.account_id)
    direction = Direction.INBOUND if match.inbound else Direction.OUTBOUND
    activity = Activity.create(
        account=match.account_id,
        agent=ctx.agent.id,
        contact=match.contact_id,
        occurred_at=occurred_at,
        kind=kind,
        direction=direction.value,
        summary=summary,
        body=body,
        source_ref=ref,
    )
    ch.created(activity, f"{kind}: {summary}", action="log")
    if match.inbound and wake:
        wake_snoozed(ch, {match.account_id: inbound_reason(kind, summary)}, ctx.today)
    return activity
