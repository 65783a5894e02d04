"""Keyset paging walks every order exactly like offsets do, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest

from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import (
    PortfolioQuery,
    SortKey,
    neighbour,
    portfolio_after,
    portfolio_before,
    portfolio_rows,
    portfolio_tail,
    position_of,
)
from acct_tui.services.writes import accounts, followups
from tests.conftest import days


@pytest.fixture
def spread(ctx: Ctx) -> Ctx:
    """Twelve accounts with ties and empty values in every sortable column."""
    tiers = itertools.cycle(["gold", "silver", "bronze"])
    for n in range(12):
        values = {
            "name": f"Acct {n % 5}",  # ties on name
            "tier": next(tiers),
            "arr": str(1000 * (n % 4)),  # ties on ARR
            "satisfaction": str(n % 11),
            "renewal_on": days(10 * (n % 3)) if n % 4 else "",  # some empty
        }
        account_id = accounts.create_account(ctx, values, force=True)  # ties on name are the point here
        if n % 3 == 0:
            followups.add_followup(ctx, account_id, {"title": "x", "due_on": days(n - 4)})
        if n % 2 == 0:
            followups.log_activity(ctx, account_id, {"kind": "call", "summary": "hi"}, occurred_on=days(-n))
    return ctx


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(SortKey))
def test_keyset_pages_match_offset_pages(spread: Ctx, sort: SortKey, descending: bool) -> None:
    """Walking forward by key, backward by key and from the tail gives the same order as offsets."""
    query = PortfolioQuery(sort=sort, descending=descending)
    everything = [r.id for r in portfolio_rows(spread, query, 0, 100)]
    assert len(everything) == 12
    forward = portfolio_rows(spread, query, 0, 5)
    while len(forward) < 12:
        forward += portfolio_after(spread, query, forward[-1].key, 5)
    assert [r.id for r in forward] == everything
    backward = portfolio_tail(spread, query, 5)
    while len(backward) < 12:
        backward = portfolio_before(spread, query, backward[0].key, 5) + backward
    assert [r.id for r in backward] == everything
    middle = everything[6]
    assert position_of(spread, query, middle) == 6
    assert neighbour(spread, query, middle, +1) == everything[7]
    assert neighbour(spread, query, middle, -1) == everything[5]


def test_empty_renewals_sort_last_both_ways(spread: Ctx) -> None:
    """No renewal date counts as 'never': last going up, and kept last going down."""
    up = portfolio_rows(spread, PortfolioQuery(sort=SortKey.RENEWAL), 0, 100)
    down = portfolio_rows(spread, PortfolioQuery(sort=SortKey.RENEWAL, descending=True), 0, 100)
    assert [r.renewal_on is None for r in up][-3:] == [True, True, True]
    assert [r.renewal_on is None for r in down][-3:] == [True, True, True]
    assert all(r.renewal_on is not None for r in up[:-3])
