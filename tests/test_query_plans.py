"""The queries behind every screen stay on indexes: their SQLite plans, pinned.

Each service call's statements are caught as they run and explained with
EXPLAIN QUERY PLAN. A page of the portfolio in any order walks that order's
index (no sort of every row), the next page and the End key seek it, the
filter goes through the full-text index, the queue reads each section from its
index, and a scoped agent's page never scans the accounts table. PostgreSQL
picks plans from table statistics, so there the benchmark measures instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playhouse.test_utils import count_queries

from acct_tui.db import is_postgres
from acct_tui.models import database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io.seed import seed
from acct_tui.services.reads.detail import timeline_page
from acct_tui.services.reads.portfolio import PortfolioQuery, SortKey, portfolio_after, portfolio_rows, portfolio_tail
from acct_tui.services.reads.queue import followup_queue
from acct_tui.services.writes.agents import add_agent, find_agent
from tests.conftest import TODAY

SORT_INDEX = {
    SortKey.NAME: "account_sort_name_id",
    SortKey.TIER: "account_tier_rank_sort_name_id",
    SortKey.HEALTH: "account_health_score_id",
    SortKey.ARR: "account_arr_id",
    SortKey.RENEWAL: ("account_renewal_up", "account_renewal_down"),
    SortKey.LAST_TOUCH: "account_touch_key",
    SortKey.NEXT_FOLLOWUP: ("account_followup_up", "account_followup_down"),
    SortKey.OWNER: "account_owner_id_sort_name_id",
}


@pytest.fixture
def seeded(ctx: Ctx) -> Ctx:
    if is_postgres():
        pytest.skip("PostgreSQL plans follow table statistics; the benchmark measures them")
    seed(300, seed_value=3, today=TODAY, owner_ids=[ctx.agent.id])
    return ctx


def statement_plans(call: Callable[[], Any]) -> list[tuple[str, str]]:
    """Each SELECT `call` runs, with its plan on one line."""
    with count_queries() as counter:
        call()
    found = []
    for record in counter.get_queries():
        sql, params = record.msg
        if sql.startswith("SELECT"):
            steps = database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            found.append((sql, " / ".join(str(step[-1]) for step in steps)))
    return found


def plans(call: Callable[[], Any]) -> list[str]:
    """The plan of every SELECT `call` runs, one line per statement."""
    return [plan for _sql, plan in statement_plans(call)]


def page_plan(call: Callable[[], Any]) -> str:
    """The plan of the first statement that reads the accounts (the owner sort reads the agents' names first)."""
    return next(plan for sql, plan in statement_plans(call) if 'FROM "account"' in sql)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(SortKey))
def test_every_order_pages_from_its_index(seeded: Ctx, sort: SortKey, descending: bool) -> None:
    query = PortfolioQuery(sort=sort, descending=descending)
    expected = SORT_INDEX[sort]
    index = expected if isinstance(expected, str) else expected[descending]
    first = page_plan(lambda: portfolio_rows(seeded, query, 0, 40))
    assert f"USING INDEX {index}" in first and "TEMP B-TREE" not in first, first

    rows = portfolio_rows(seeded, query, 0, 40)
    after = page_plan(lambda: portfolio_after(seeded, query, rows[-1].key, 40))
    assert f"INDEX {index}" in after and "TEMP B-TREE" not in after, after
    tail = page_plan(lambda: portfolio_tail(seeded, query, 40))
    assert f"INDEX {index}" in tail and "TEMP B-TREE" not in tail, tail


def test_the_filter_reads_the_full_text_index(seeded: Ctx) -> None:
    plan = " | ".join(plans(lambda: portfolio_rows(seeded, PortfolioQuery(text="amb"), 0, 40)))
    assert "account_fts VIRTUAL TABLE" in plan
    assert "SCAN t1 " not in plan and not plan.startswith("SCAN t1")


def test_the_queue_reads_each_section_from_an_index(seeded: Ctx) -> None:
    sections = plans(lambda: followup_queue(seeded))
    assert len(sections) >= 4  # overdue, today, upcoming, snoozed (and a capped count)
    for plan in sections:
        assert "SEARCH t1 USING INDEX follow_up_" in plan or "SEARCH t1 USING COVERING INDEX follow_up_" in plan, plan
        assert "SCAN" not in plan, plan


def test_the_timeline_seeks_the_accounts_newest_activities(seeded: Ctx) -> None:
    account_id = portfolio_rows(seeded, PortfolioQuery(), 0, 1)[0].id
    plan = " | ".join(plans(lambda: timeline_page(seeded, account_id)))
    assert "USING INDEX activity_account_id" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_scoped_agents_page_never_scans_every_account(seeded: Ctx) -> None:
    add_agent(seeded, "sam", name="Sam", role="agent")
    sam = find_agent("sam")
    assert sam is not None
    seed(50, seed_value=4, today=TODAY, owner_ids=[sam.id])
    agent = Ctx(agent=sam, clock=seeded.clock)
    for sort in SortKey:
        plan = page_plan(lambda sort=sort: portfolio_rows(agent, PortfolioQuery(sort=sort), 0, 40))
        assert "SCAN t1" not in plan, plan  # reached through the scope's indexes, then ordered
        assert len(portfolio_rows(agent, PortfolioQuery(sort=sort), 0, 100)) == 50


def test_each_queue_section_reads_only_its_agents_rows_in_order(seeded: Ctx) -> None:
    """Each section walks the agent's (assignee, status, date) index in its order: no sort, no other agents' rows."""
    for plan in plans(lambda: followup_queue(seeded, exact_counts=False)):
        assert "INDEX follow_up_assignee_id_status_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_a_filtered_page_reads_a_bounded_set_of_matches(seeded: Ctx) -> None:
    """The filter's page sorts at most the list's limit of matches: the full-text index with a LIMIT inside."""
    statements = statement_plans(lambda: portfolio_rows(seeded, PortfolioQuery(text="amb"), 0, 40))
    sql, plan = next((sql, plan) for sql, plan in statements if "account_fts" in sql)
    assert "MATCH ?) LIMIT ?)" in sql, sql
    assert "account_fts VIRTUAL TABLE" in plan, plan
