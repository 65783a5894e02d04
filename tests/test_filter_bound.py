"""A filtered list holds a bounded number of matches, says when more match, and never loses the agent's own."""

from __future__ import annotations

import pytest

from acct_tui.db import is_postgres
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import (
    ListedCount,
    PortfolioQuery,
    listed_count,
    portfolio_after,
    portfolio_count,
    portfolio_ids,
    portfolio_rows,
    portfolio_tail,
    portfolio_totals,
    position_of,
)
from acct_tui.services.writes.accounts import create_account
from acct_tui.services.writes.agents import add_agent, find_agent

LIMIT = 5


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> int:
    """Lists hold LIMIT matches (instead of a thousand), so a few accounts show the bound."""
    from acct_tui.services.store import search

    if is_postgres():
        pytest.skip("PostgreSQL lists every match: its trigram index yields no id order to stop early in")
    monkeypatch.setattr(search, "LIST_LIMIT", LIMIT)
    return LIMIT


def _harbours(ctx: Ctx, count: int, *, owner_id: int | None = None, start: int = 0) -> list[int]:
    return [
        create_account(ctx, {"name": f"Harbour {i:02d}", "tier": "silver"}, owner_id=owner_id)
        for i in range(start, start + count)
    ]


def test_more_matches_than_the_list_holds_reads_as_bounded(ctx: Ctx, bounded: int) -> None:
    """Eight accounts match, the list holds five: the count says 5 and more; rows, pages and End stay in the five."""
    _harbours(ctx, 8)
    query = PortfolioQuery(text="harb")
    assert listed_count(ctx, query) == ListedCount(rows=5, more=True)
    rows = portfolio_rows(ctx, query, 0, 100)
    assert len(rows) == 5
    assert portfolio_after(ctx, query, rows[-1].key, 100) == []
    assert [r.id for r in portfolio_tail(ctx, query, 2)] == [r.id for r in rows[-2:]]
    assert position_of(ctx, query, rows[3].id) == 3
    # The command line's count and the totals bar still count every match.
    assert portfolio_count(ctx, query) == 8
    assert portfolio_totals(ctx, query).accounts == 8


def test_as_many_matches_as_the_list_holds_are_all_listed(ctx: Ctx, bounded: int) -> None:
    """Five matches and a limit of five: all five listed, no "more"."""
    _harbours(ctx, 5)
    assert listed_count(ctx, PortfolioQuery(text="harb")) == ListedCount(rows=5, more=False)
    assert len(portfolio_rows(ctx, PortfolioQuery(text="harb"), 0, 100)) == 5


def test_the_bound_counts_only_what_the_agent_may_see(ctx: Ctx, bounded: int) -> None:
    """Others own the first eight matches; an agent's own three later ones are all listed, not crowded out."""
    add_agent(ctx, "sam", name="Sam", role="agent")
    sam = find_agent("sam")
    assert sam is not None
    _harbours(ctx, 8)
    mine = _harbours(ctx, 3, owner_id=sam.id, start=8)
    agent = Ctx(agent=sam, clock=ctx.clock)
    assert listed_count(agent, PortfolioQuery(text="harb")) == ListedCount(rows=3, more=False)
    assert sorted(r.id for r in portfolio_rows(agent, PortfolioQuery(text="harb"), 0, 100)) == sorted(mine)


def test_one_letter_and_cjk_filters_are_bounded_too(ctx: Ctx, bounded: int) -> None:
    """A one-letter word (tested on the row) and a CJK word are held to the limit as well."""
    _harbours(ctx, 7)
    for i in range(6):
        create_account(ctx, {"name": f"株式会社テスト{i}", "tier": "silver"})
    assert listed_count(ctx, PortfolioQuery(text="h")) == ListedCount(rows=5, more=True)
    assert len(portfolio_rows(ctx, PortfolioQuery(text="h"), 0, 100)) == 5
    assert listed_count(ctx, PortfolioQuery(text="テスト")) == ListedCount(rows=5, more=True)


def test_the_page_sorts_only_the_bounded_matches(ctx: Ctx, bounded: int) -> None:
    """The page's statement holds two limits, the matches' inside the full-text match and the page's."""
    from playhouse.test_utils import count_queries

    from acct_tui.models import database_proxy

    _harbours(ctx, 8)
    with count_queries() as counter:
        portfolio_rows(ctx, PortfolioQuery(text="harb"), 0, 100)
    sql, params = next(r.msg for r in counter.get_queries() if "IN (SELECT" in r.msg[0])
    plan = " / ".join(str(row[-1]) for row in database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "account_fts VIRTUAL TABLE" in plan and sql.count("LIMIT") == 2, (sql, plan)


def test_postgresql_lists_every_match(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the list holds every match, counted exactly (no "more")."""
    from acct_tui.services.store import search

    if not is_postgres():
        pytest.skip("SQLite bounds the list")
    monkeypatch.setattr(search, "LIST_LIMIT", LIMIT)
    _harbours(ctx, 8)
    assert listed_count(ctx, PortfolioQuery(text="harb")) == ListedCount(rows=8, more=False)
    assert len(portfolio_rows(ctx, PortfolioQuery(text="harb"), 0, 100)) == 8


def test_mark_all_marks_the_listed_matches_only(ctx: Ctx, bounded: int) -> None:
    """`*` on a filter holding five of eight matches marks those five, not accounts off the list."""
    _harbours(ctx, 8)
    query = PortfolioQuery(text="harb")
    listed = {r.id for r in portfolio_rows(ctx, query, 0, 100)}
    assert set(portfolio_ids(ctx, query)) == listed and len(listed) == 5
