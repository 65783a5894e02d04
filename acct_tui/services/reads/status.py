"""The one-line status of an agent's day: counts for a shell prompt, a tmux status bar or a login banner.

Every count is one indexed `COUNT` (the prompt waits for it): the queue's
sections as the follow-up queue draws them, and the account categories of the
Today walk (`upkeep`): renewals with no renewal plan, accounts at risk. A walk
reason marked reviewed today or "later" still counts here: the status says what
is there, the walk decides what to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import fn

from acct_tui.models import Account, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.reads.contexts import narrow
from acct_tui.services.reads.sections import section_conditions
from acct_tui.services.store.scope import scoped
from acct_tui.vocab import FollowUpKind, FollowUpStatus, HealthBand, Stage

UPCOMING_DAYS = 14
"""The queue's default look-ahead (`queue.UPCOMING_DAYS`; the queue is not imported: it costs the prompt)."""

RENEWAL_DAYS = 90
"""How far ahead a renewal without a plan counts: the Today walk's window."""


@dataclass(frozen=True)
class Status:
    """The counts a status line is made of."""

    overdue: int
    """The agent's open follow-ups due before today."""
    due_today: int
    """Due today."""
    coming_up: int
    """Due in the coming days (the queue's upcoming section), not snoozed."""
    renewals_unplanned: int
    """Accounts the agent owns renewing within the window with no open renewal follow-up."""
    at_risk: int
    """Accounts the agent owns in the at-risk band."""


FIELDS = tuple(Status.__dataclass_fields__)


def unplanned_renewals(ctx: Ctx, today: dt.date, days: int) -> object:
    """The agent's live accounts renewing within `days` with no open renewal follow-up (a checkpoint
    is a reminder, not a plan), as the Today walk decides it."""
    planned = FollowUp.select(FollowUp.account).where(
        FollowUp.status == FollowUpStatus.OPEN.value,
        FollowUp.kind == FollowUpKind.RENEWAL.value,
        FollowUp.checkpoint.is_null(),
    )
    return Account.select(fn.COUNT(Account.id)).where(
        Account.owner == ctx.agent.id,
        Account.stage != Stage.CHURNED.value,
        Account.renewal_on.between(today, today + dt.timedelta(days=days)),
        Account.id.not_in(planned),
    )


def agent_status(ctx: Ctx, *, upcoming_days: int = UPCOMING_DAYS, renewal_days: int = RENEWAL_DAYS) -> Status:
    """The acting agent's counts for today."""
    today = ctx.today
    with database_proxy.connection_context():
        mine = FollowUp.select(FollowUp.id).where(
            FollowUp.status == FollowUpStatus.OPEN.value, FollowUp.assignee == ctx.agent.id
        )
        if not ctx.agent.is_admin or ctx.context is not None:
            # As the queue counts: only follow-ups on accounts the agent may see.
            mine = narrow(scoped(mine.join(Account, on=(FollowUp.account == Account.id)), ctx.agent), ctx.context)
        counts = {
            name: int(mine.where(condition).count())
            for name, condition in section_conditions(today, upcoming_days).items()
        }
        renewals = int(unplanned_renewals(ctx, today, renewal_days).scalar() or 0)  # type: ignore[attr-defined]
        at_risk = int(
            Account.select(fn.COUNT(Account.id))
            .where(
                Account.owner == ctx.agent.id,
                Account.stage != Stage.CHURNED.value,
                Account.health_band == HealthBand.AT_RISK.value,
            )
            .scalar()
            or 0
        )
    return Status(
        overdue=counts["overdue"],
        due_today=counts["today"],
        coming_up=counts["upcoming"],
        renewals_unplanned=renewals,
        at_risk=at_risk,
    )
