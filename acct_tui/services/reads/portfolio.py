"""The portfolio: the accounts an agent may see, filtered, sorted, a page at a time, with totals.

A page is one indexed query on the account row (the derived columns make
that possible); totals are one aggregate query over the same filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from peewee import SQL, Case, Expression, NodeList, Tuple, fn

from acct_tui.models import FOLLOWUP_DOWN, FOLLOWUP_UP, RENEWAL_DOWN, RENEWAL_UP, TOUCH_KEY, Account, Agent
from acct_tui.services.context import Ctx
from acct_tui.services.reads.history import NO_TREND, health_trends
from acct_tui.services.store.derived import local_date
from acct_tui.services.store.rows import tuple_rows
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.search import bounded_lists, first_matches, list_limit, word_clause, words_of
from acct_tui.services.store.unit import reading
from acct_tui.vocab import HealthBand, Stage


class QuickFilter(StrEnum):
    ALL = "all"
    AT_RISK = "at_risk"
    RENEWING = "renewing"
    QUIET = "quiet"

    @property
    def label(self) -> str:
        return {
            QuickFilter.ALL: "all",
            QuickFilter.AT_RISK: "at risk",
            QuickFilter.RENEWING: "renewing in 90 days",
            QuickFilter.QUIET: "gone quiet",
        }[self]


class SortKey(StrEnum):
    NAME = "name"
    TIER = "tier"
    HEALTH = "health"
    ARR = "arr"
    RENEWAL = "renewal"
    LAST_TOUCH = "last_touch"
    NEXT_FOLLOWUP = "next_followup"
    OWNER = "owner"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class PortfolioQuery:
    """What the agent asked to see. `mine` narrows to accounts they own."""

    text: str = ""
    quick: QuickFilter = QuickFilter.ALL
    mine: bool = False
    sort: SortKey = SortKey.HEALTH
    descending: bool = False
    context: tuple[tuple[str, str], ...] = field(default=())

    def with_sort(self, key: SortKey) -> PortfolioQuery:
        """Choosing the current column again reverses it."""
        if key is self.sort:
            return replace(self, descending=not self.descending)
        return replace(self, sort=key, descending=key in (SortKey.ARR,))


@dataclass(frozen=True)
class PortfolioRow:
    id: int
    name: str
    tier: str
    industry: str
    health_score: int
    health_band: HealthBand
    arr: Decimal
    currency: str
    renewal_on: dt.date | None
    last_touch_on: dt.date | None
    next_followup_on: dt.date | None
    owner_login: str
    owner_name: str
    open_concerns: int
    overdue_followups: int
    touch_due_on: dt.date | None
    key: tuple[Any, ...] = ()
    """Its place in the query's order, for fetching the rows around it by index."""
    trend: str = "→"
    """Health over the last weeks: ↑, ↓ or →."""


@dataclass(frozen=True)
class Totals:
    accounts: int = 0
    arr: dict[str, Decimal] = field(default_factory=dict)
    at_risk_arr: dict[str, Decimal] = field(default_factory=dict)
    at_risk: int = 0
    renewals_30: int = 0
    renewals_60: int = 0
    renewals_90: int = 0
    overdue_followups: int = 0


@dataclass(frozen=True)
class PortfolioPage:
    rows: list[PortfolioRow]
    total: int
    totals: Totals


def sort_expressions(query: PortfolioQuery) -> tuple[Any, ...]:
    """The expressions the query orders by, each backed by an index (then the id)."""
    up = not query.descending
    return {
        SortKey.NAME: (Account.sort_name,),
        SortKey.TIER: (Account.tier_rank, Account.sort_name),
        SortKey.HEALTH: (Account.health_score,),
        SortKey.ARR: (Account.arr,),
        SortKey.RENEWAL: (RENEWAL_UP if up else RENEWAL_DOWN,),
        SortKey.LAST_TOUCH: (TOUCH_KEY,),
        SortKey.NEXT_FOLLOWUP: (FOLLOWUP_UP if up else FOLLOWUP_DOWN,),
        SortKey.OWNER: (Account.owner, Account.sort_name),
    }[query.sort]


def _order_by(query: PortfolioQuery, *, reverse: bool = False) -> list[Any]:
    down = query.descending != reverse
    keys = (*sort_expressions(query), Account.id)
    return [key.desc() if down else key.asc() for key in keys]


def _beyond(query: PortfolioQuery, key: Sequence[Any], *, before: bool = False) -> Any:
    """Rows after (or before) `key` in the query's order: a keyset condition on a row value."""
    if query.sort is SortKey.OWNER:
        return _beyond_owner(query, key, before=before)
    columns = Tuple(*sort_expressions(query), Account.id)
    bound = Tuple(*key)
    later = columns < bound if query.descending else columns > bound
    earlier = columns > bound if query.descending else columns < bound
    return earlier if before else later


def _owner_order(descending: bool) -> list[int]:
    """Every agent id, by name (then id): the order of the owner sort. Agents are few; accounts are not."""
    rows: list[tuple[int, str]] = [(int(a.id), str(a.name)) for a in Agent.select(Agent.id, Agent.name)]
    order = [agent_id for agent_id, _name in sorted(rows, key=lambda row: (row[1].casefold(), row[0]))]
    return order[::-1] if descending else order


def _beyond_owner(query: PortfolioQuery, key: Sequence[Any], *, before: bool) -> Any:
    """Rows after (or before) `key` = (owner id, sort name, id) when owners go by name: the owners on
    that side, and the owner's own rows past the key."""
    owners = _owner_order(query.descending)
    owner = key[0]
    at = owners.index(owner) if owner in owners else len(owners)
    side = owners[:at] if before else owners[at + 1 :]
    within, bound = Tuple(Account.sort_name, Account.id), Tuple(*key[1:])
    past = (within > bound) if query.descending == before else (within < bound)
    return Account.owner.in_(side) | ((Account.owner == owner) & past)


def _owner_walk(
    ctx: Ctx,
    query: PortfolioQuery,
    columns: Sequence[Any],
    limit: int,
    *,
    offset: int,
    bound: Sequence[Any] | None,
    backwards: bool,
) -> list[tuple[Any, ...]]:
    """A page in the owner sort (owners by name, then each owner's accounts by name), as the other sorts
    give theirs: walking against the order when `backwards`.

    Agents' names are not in the account index, so owners are taken one at a time
    in name order, each an index seek on (owner, sort name, id): a page costs the
    few owners it crosses, never a sort of every account.
    """
    owners = _owner_order(query.descending)
    if backwards:
        owners.reverse()
    if bound is not None:
        if bound[0] not in owners:
            return []
        owners = owners[owners.index(bound[0]) :]
    down = query.descending != backwards
    within = (Account.sort_name, Account.id)
    order = [column.desc() if down else column.asc() for column in within]
    raw: list[tuple[Any, ...]] = []
    skip = offset
    base = _filtered(ctx, query, columns, for_page=True)
    for owner in owners:
        wanted = limit - len(raw)
        if wanted <= 0:
            break
        sql = base.where(Account.owner == owner)
        if bound is not None and owner == bound[0]:
            row, key = Tuple(*within), Tuple(*bound[1:])
            sql = sql.where(row < key if down else row > key)
        if skip:
            held = int(sql.count())
            if held <= skip:
                skip -= held
                continue
            sql = sql.order_by(*order).limit(wanted).offset(skip)
            skip = 0
        else:
            sql = sql.order_by(*order).limit(wanted)
        raw.extend(sql.tuples())
    return raw


def text_clause(text: str) -> Expression | None:
    """Every typed word must start a word of the name, domain, industry or a contact's name."""
    return word_clause(text)


def _unindexed(column: Any) -> Any:
    """On SQLite, `+column` keeps the planner from using the column's index: a page of a
    common filter (at risk, renewing, quiet) is found fastest along the sort index."""
    from acct_tui.db import is_postgres

    return column if is_postgres() else NodeList((SQL("+"), column), glue="")


def _filtered(
    ctx: Ctx, query: PortfolioQuery, select: Sequence[Any], *, for_page: bool = False, listed: bool = False
) -> Any:
    """The accounts the query picks: every match, or with `listed` (implied by `for_page`) the ones
    the list holds, at most `list_limit()` when words are typed (see `acct_tui.services.store.search`)."""
    if (for_page or listed) and words_of(query.text) and bounded_lists():
        held = first_matches(_filtered(ctx, replace(query, text=""), (Account.id,)), query.text)
        return Account.select(*select).where(Account.id.in_(held))
    today = ctx.today
    base = scoped(Account.select(*select), ctx.agent)

    def col(column: Any) -> Any:
        return _unindexed(column) if for_page else column

    if query.mine:
        base = base.where(Account.owner == ctx.agent.id)
    if query.quick is QuickFilter.AT_RISK:
        base = base.where(col(Account.health_band) == HealthBand.AT_RISK.value)
    elif query.quick is QuickFilter.RENEWING:
        base = base.where(col(Account.renewal_on).between(today, today + dt.timedelta(days=90)))
    elif query.quick is QuickFilter.QUIET:
        base = base.where(
            ((col(Account.touch_due_on) < today) | Account.last_touch_at.is_null())
            & (Account.stage != Stage.CHURNED.value)
        )
    for name, value in query.context:
        column = {"tier": Account.tier, "industry": Account.industry, "team": Account.team}.get(name)
        if name == "owner":
            base = base.where(Account.owner.in_(Agent.select(Agent.id).where(Agent.login == value)))
        elif column is not None:
            base = base.where(column == value)
    clause = word_clause(query.text)
    if clause is not None:
        base = base.where(clause)
    return base


PAGE = 100
"""Rows a screen asks for at a time (a few screenfuls)."""

_ROW_COLUMNS = (
    Account.id,
    Account.name,
    Account.tier,
    Account.industry,
    Account.health_score,
    Account.health_band,
    Account.arr,
    Account.currency,
    Account.renewal_on,
    Account.last_touch_at,
    Account.next_followup_on,
    Account.owner,
    Account.open_concerns,
    Account.overdue_followups,
    Account.touch_due_on,
)


def _fetch(
    ctx: Ctx,
    query: PortfolioQuery,
    limit: int,
    *,
    offset: int = 0,
    after: Sequence[Any] | None = None,
    before: Sequence[Any] | None = None,
    tail: bool = False,
) -> list[PortfolioRow]:
    """A window of rows with their sort keys: by offset, after or before a key, or the last ones."""
    keys = sort_expressions(query)
    columns = (*_ROW_COLUMNS, *(key.alias(f"sort_key_{i}") for i, key in enumerate(keys)))
    reverse = before is not None or tail
    with reading():
        if query.sort is SortKey.OWNER:
            raw = _owner_walk(ctx, query, columns, limit, offset=offset, bound=after or before, backwards=reverse)
        else:
            sql = _filtered(ctx, query, columns, for_page=True)
            if after is not None:
                sql = sql.where(_beyond(query, after))
            if before is not None:
                sql = sql.where(_beyond(query, before, before=True))
            sql = sql.order_by(*_order_by(query, reverse=reverse)).limit(limit)
            if offset:
                sql = sql.offset(offset)
            raw = list(sql.tuples())
        owners = _owner_names({row[11] for row in raw})
        trends = health_trends([v[0] for v in raw], ctx.today, scores={v[0]: v[4] for v in raw})
    if reverse:
        raw.reverse()
    width = len(_ROW_COLUMNS)
    return [
        replace(
            _row(values[:width], owners, _key(values[width:], values[0])), trend=trends.get(values[0], NO_TREND).symbol
        )
        for values in raw
    ]


def _key(values: Sequence[Any], account_id: int) -> tuple[Any, ...]:
    """A row's position in its order, as values the database compares like it stored them."""
    from acct_tui.db import is_postgres

    if is_postgres():
        return (*values, account_id)
    return (*(float(v) if isinstance(v, Decimal) else v for v in values), account_id)


def portfolio_rows(ctx: Ctx, query: PortfolioQuery, offset: int, limit: int) -> list[PortfolioRow]:
    """Rows [offset, offset + limit) in the query's order (for a jump; paging uses keys)."""
    return _fetch(ctx, query, limit, offset=offset)


def portfolio_after(ctx: Ctx, query: PortfolioQuery, key: Sequence[Any], limit: int) -> list[PortfolioRow]:
    """The rows that follow the row with sort key `key` (the next page, from an index seek)."""
    return _fetch(ctx, query, limit, after=key)


def portfolio_before(ctx: Ctx, query: PortfolioQuery, key: Sequence[Any], limit: int) -> list[PortfolioRow]:
    """The rows that come just before the row with sort key `key`, in order."""
    return _fetch(ctx, query, limit, before=key)


def portfolio_tail(ctx: Ctx, query: PortfolioQuery, limit: int) -> list[PortfolioRow]:
    """The last `limit` rows, in order (the End key, without an offset over every row)."""
    return _fetch(ctx, query, limit, tail=True)


def sort_key_of(ctx: Ctx, query: PortfolioQuery, account_id: int) -> tuple[Any, ...] | None:
    """Where one account sits in the query's order, or None if it is not in the query."""
    keys = sort_expressions(query)
    with reading():
        row = _filtered(ctx, query, keys, listed=True).where(Account.id == account_id).tuples().first()
    return None if row is None else _key(row, account_id)


def _owner_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {
        agent_id: (login, name)
        for agent_id, login, name in tuple_rows(
            Agent.select(Agent.id, Agent.login, Agent.name).where(Agent.id.in_(list(ids)))
        )
    }


def _row(values: Sequence[Any], owners: dict[int, tuple[str, str]], key: tuple[Any, ...] = ()) -> PortfolioRow:
    (id_, name, tier, industry, score, band, arr, currency, renewal, touch, follow, owner, concerns, overdue, due) = (
        values
    )
    login, owner_name = owners.get(owner, ("?", "?"))
    return PortfolioRow(
        id=id_,
        name=name,
        tier=tier,
        industry=industry,
        health_score=score,
        health_band=HealthBand(band),
        arr=Decimal(str(arr)).quantize(Decimal("0.01")),
        currency=currency,
        renewal_on=_date(renewal),
        last_touch_on=local_date(_datetime(touch)),
        next_followup_on=_date(follow),
        owner_login=login,
        owner_name=owner_name,
        open_concerns=concerns,
        overdue_followups=overdue,
        touch_due_on=_date(due),
        key=key,
    )


def _date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _datetime(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def portfolio_count(ctx: Ctx, query: PortfolioQuery) -> int:
    """How many accounts the query matches, every one (the command line's count)."""
    with reading():
        return int(_filtered(ctx, query, (Account.id,)).count())


@dataclass(frozen=True)
class ListedCount:
    """How many rows the portfolio's list holds, and whether more accounts match than it holds."""

    rows: int
    more: bool = False


def listed_count(ctx: Ctx, query: PortfolioQuery) -> ListedCount:
    """The rows the list holds: every account without words typed, else up to `list_limit()` matches,
    counted no further than one past the limit (a prefix shared by half a million accounts costs
    what a thousand do)."""
    if not words_of(query.text) or not bounded_lists():
        return ListedCount(portfolio_count(ctx, query))
    with reading():
        most = list_limit()
        ids = first_matches(_filtered(ctx, replace(query, text=""), (Account.id,)), query.text, most + 1)
        found = int(ids.count())
    return ListedCount(min(found, most), found > most)


MARK_LIMIT = 50_000
"""The most accounts `*` marks at once: a bulk action beyond that belongs on the command line."""


def account_ids_query(ctx: Ctx, query: PortfolioQuery) -> Any:
    """The ids of the accounts the query shows, as a query to use inside another (not run here)."""
    return _filtered(ctx, query, (Account.id,))


def portfolio_ids(ctx: Ctx, query: PortfolioQuery, limit: int = MARK_LIMIT) -> list[int]:
    """The ids of the accounts the query shows (for `*`, mark all), up to `limit`, in no promised order:
    a filter's listed matches only, never accounts the list does not hold."""
    with reading():
        return [int(i) for (i,) in _filtered(ctx, query, (Account.id,), listed=True).limit(limit).tuples()]


def portfolio_totals(ctx: Ctx, query: PortfolioQuery) -> Totals:
    """ARR, at-risk ARR, renewals in 30/60/90 days and overdue follow-ups of the filtered set."""
    today = ctx.today

    def renewing(days: int) -> Any:
        window = Account.renewal_on.between(today, today + dt.timedelta(days=days))
        return fn.SUM(Case(None, [(window, 1)], 0))

    at_risk = Account.health_band == HealthBand.AT_RISK.value
    columns = (
        Account.currency,
        fn.COUNT(Account.id),
        fn.SUM(Account.arr),
        fn.SUM(Case(None, [(at_risk, Account.arr)], 0)),
        fn.SUM(Case(None, [(at_risk, 1)], 0)),
        renewing(30),
        renewing(60),
        renewing(90),
        fn.SUM(Account.overdue_followups),
    )
    with reading():
        rows = list(_filtered(ctx, query, columns).group_by(Account.currency).tuples())
    arr: dict[str, Decimal] = {}
    risk_arr: dict[str, Decimal] = {}
    counts = [0, 0, 0, 0, 0, 0]
    for currency, count, total, risk_total, risky, r30, r60, r90, overdue in rows:
        arr[currency] = _money(total)
        risk_arr[currency] = _money(risk_total)
        for index, value in enumerate((count, risky, r30, r60, r90, overdue)):
            counts[index] += int(value or 0)
    return Totals(
        accounts=counts[0],
        arr=arr,
        at_risk_arr=risk_arr,
        at_risk=counts[1],
        renewals_30=counts[2],
        renewals_60=counts[3],
        renewals_90=counts[4],
        overdue_followups=counts[5],
    )


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def portfolio(ctx: Ctx, query: PortfolioQuery | None = None, *, page: int = 0, page_size: int = 50) -> PortfolioPage:
    """A page of the portfolio with the count and totals of the whole filtered set."""
    query = query or PortfolioQuery()
    return PortfolioPage(
        rows=portfolio_rows(ctx, query, page * page_size, page_size),
        total=portfolio_count(ctx, query),
        totals=portfolio_totals(ctx, query),
    )


def position_of(ctx: Ctx, query: PortfolioQuery, account_id: int) -> int | None:
    """Where an account sits in the query's order (a count of the rows before it)."""
    key = sort_key_of(ctx, query, account_id)
    if key is None:
        return None
    with reading():
        held = _filtered(ctx, query, (Account.id,), listed=True)
        return int(held.where(_beyond(query, key, before=True)).count())


def neighbour(ctx: Ctx, query: PortfolioQuery, account_id: int, step: int) -> int | None:
    """The account before (-1) or after (+1) this one in the portfolio's order."""
    key = sort_key_of(ctx, query, account_id)
    if key is None:
        return None
    rows = portfolio_after(ctx, query, key, 1) if step > 0 else portfolio_before(ctx, query, key, 1)
    return rows[0].id if rows else None


def place_of(ctx: Ctx, query: PortfolioQuery, account_id: int) -> tuple[int | None, int]:
    """Where an account sits in the query's order (None when it left it) and how many rows the query holds.

    The client detail's "N of M" asks again each time an account opens: an edit
    or a new account moves the rows, and counting on from the first place goes stale.
    """
    return position_of(ctx, query, account_id), listed_count(ctx, query).rows
