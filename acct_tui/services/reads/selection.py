"""Picking many follow-ups by what they are on, for the command line's bulk verbs.

`done`, `snooze` and `reassign` take, instead of one id, options that pick every
open follow-up on the accounts a portfolio query shows (quick filter, filter
words, the active context, an owner), optionally only those assigned to one
agent or overdue. Only what the agent may see is picked.
"""

from __future__ import annotations

from dataclasses import dataclass

from acct_tui.models import Account, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter, account_ids_query
from acct_tui.services.store.rows import tuple_rows
from acct_tui.services.store.unit import reading
from acct_tui.vocab import FollowUpStatus


@dataclass(frozen=True)
class Picked:
    """One follow-up a selection picked, as a dry run lists it."""

    id: int
    account: str
    title: str
    due_on: str
    assignee_id: int


def pick_followups(
    ctx: Ctx,
    *,
    quick: str | None = None,
    text: str = "",
    owner_id: int | None = None,
    assignee_id: int | None = None,
    overdue: bool = False,
) -> list[Picked]:
    """The open follow-ups the options pick, oldest due first."""
    query = PortfolioQuery(
        text=text,
        quick=QuickFilter(quick) if quick else QuickFilter.ALL,
        context=ctx.context.terms if ctx.context else (),
    )
    select = (
        FollowUp.select(FollowUp.id, Account.name, FollowUp.title, FollowUp.due_on, FollowUp.assignee)
        .join(Account, on=FollowUp.account == Account.id)
        .where(FollowUp.status == FollowUpStatus.OPEN.value, FollowUp.account.in_(account_ids_query(ctx, query)))
    )
    if owner_id is not None:
        select = select.where(Account.owner == owner_id)
    if assignee_id is not None:
        select = select.where(FollowUp.assignee == assignee_id)
    if overdue:
        select = select.where(FollowUp.due_on < ctx.today)
    with reading():
        return [
            Picked(int(i), str(name), str(title), str(due), int(assignee))
            for i, name, title, due, assignee in tuple_rows(select.order_by(FollowUp.due_on, FollowUp.id))
        ]
