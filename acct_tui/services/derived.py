"""The account row's derived columns: last touch, next follow-up, counts, health, search text.

They exist so a portfolio page is one indexed query. `refresh_accounts`
recomputes them from the child rows in a handful of set queries per batch
(never one query per account) and is called inside the writing transaction,
after the account row is locked, so concurrent writers cannot interleave a
stale read with their write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from peewee import fn

from acct_tui.clock import to_local
from acct_tui.models import Account, Activity, Concern, Contact, FollowUp, database_proxy
from acct_tui.services.health import Health, HealthInputs, HealthPolicy, assess
from acct_tui.services.search import search_text
from acct_tui.vocab import TOUCH_KINDS, ConcernStatus, FollowUpStatus, Tier

BATCH = 500
_TIER_RANK = {tier.value: rank for rank, tier in enumerate(Tier)}


def tier_rank(tier: str) -> int:
    return _TIER_RANK.get(tier, len(_TIER_RANK))


def _chunks(ids: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return to_local(moment).date() if moment is not None else None


def refresh_accounts(
    account_ids: Sequence[int],
    today: dt.date,
    policy: HealthPolicy,
    *,
    search_ids: Iterable[int] = (),
) -> int:
    """Recompute derived columns for these accounts; returns how many rows were written."""
    wanted_search = set(search_ids)
    written = 0
    for chunk in _chunks(list(account_ids)):
        written += _refresh_chunk(chunk, today, policy, wanted_search)
    return written


def _refresh_chunk(ids: Sequence[int], today: dt.date, policy: HealthPolicy, search_ids: set[int]) -> int:
    accounts = list(
        Account.select(
            Account.id,
            Account.name,
            Account.domain,
            Account.industry,
            Account.tier,
            Account.satisfaction,
            Account.renewal_on,
        )
        .where(Account.id.in_(list(ids)))
        .tuples()
    )
    touches = dict(
        Activity.select(Activity.account, fn.MAX(Activity.occurred_at))
        .where(Activity.account.in_(list(ids)), Activity.kind.in_([k.value for k in TOUCH_KINDS]))
        .group_by(Activity.account)
        .tuples()
    )
    due_dates: dict[int, list[dt.date]] = defaultdict(list)
    for account_id, due in (
        FollowUp.select(FollowUp.account, FollowUp.due_on)
        .where(FollowUp.account.in_(list(ids)), FollowUp.status == FollowUpStatus.OPEN.value)
        .tuples()
    ):
        due_dates[account_id].append(_as_date(due))
    severities: dict[int, list[str]] = defaultdict(list)
    for account_id, severity in (
        Concern.select(Concern.account, Concern.severity)
        .where(Concern.account.in_(list(ids)), Concern.status == ConcernStatus.OPEN.value)
        .tuples()
    ):
        severities[account_id].append(severity)
    contact_names: dict[int, list[str]] = defaultdict(list)
    wanted = [i for i in ids if i in search_ids]
    if wanted:
        for account_id, name in (
            Contact.select(Contact.account, Contact.name)
            .where(Contact.account.in_(wanted))
            .order_by(Contact.id)  # the order they were added, on any backend and any plan
            .tuples()
        ):
            contact_names[account_id].append(name)

    plain: list[tuple[object, ...]] = []
    with_search: list[tuple[object, ...]] = []
    for account_id, name, domain, industry, tier, satisfaction, renewal_on in accounts:
        last_touch_at = _as_datetime(touches.get(account_id))
        cadence = policy.cadence_for(tier)
        health = assess(
            HealthInputs(
                cadence_days=cadence,
                last_touch=local_date(last_touch_at),
                concern_severities=tuple(severities.get(account_id, ())),
                satisfaction=satisfaction,
                open_due_dates=tuple(due_dates.get(account_id, ())),
                renewal_on=_as_date(renewal_on) if renewal_on else None,
            ),
            today,
            policy,
        )
        values = _derived_values(
            last_touch_at, cadence, tier, due_dates.get(account_id, []), severities, account_id, health, today
        )
        if account_id in search_ids:
            with_search.append(
                (*values, search_text(name, domain, industry, contact_names.get(account_id, [])), account_id)
            )
        else:
            plain.append((*values, account_id))
    _write(plain, search=False)
    _write(with_search, search=True)
    return len(accounts)


def _derived_values(
    last_touch_at: dt.datetime | None,
    cadence: int,
    tier: str,
    dues: list[dt.date],
    severities: dict[int, list[str]],
    account_id: int,
    health: Health,
    today: dt.date,
) -> tuple[object, ...]:
    touch_date = local_date(last_touch_at)
    return (
        last_touch_at,
        touch_date + dt.timedelta(days=cadence) if touch_date else None,
        cadence,
        tier_rank(tier),
        min(dues) if dues else None,
        len(dues),
        health.overdue,
        len(severities.get(account_id, ())),
        health.score,
        health.band.value,
        today,
        health.next_change,
    )


_COLUMNS = (
    "last_touch_at",
    "touch_due_on",
    "cadence_days",
    "tier_rank",
    "next_followup_on",
    "open_followups",
    "overdue_followups",
    "open_concerns",
    "health_score",
    "health_band",
    "health_as_of",
    "health_next_change",
)
DERIVED_COLUMNS: frozenset[str] = frozenset((*_COLUMNS, "search_text"))
"""The account columns the services compute; no person ever edits them."""


def _write(rows: list[tuple[object, ...]], *, search: bool) -> None:
    if not rows:
        return
    db = database_proxy.obj
    param = db.param
    columns = list(_COLUMNS) + (["search_text"] if search else [])
    assignments = ", ".join(f"{name} = {param}" for name in columns)
    sql = f"UPDATE account SET {assignments} WHERE id = {param}"
    db.cursor().executemany(sql, rows)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def stale_health_ids(
    today: dt.date, limit: int | None = None, assignee_id: int | None = None, *, lock: bool = False
) -> list[int]:
    """Accounts whose score may have moved since it was computed.

    With `lock`, the rows are locked (PostgreSQL; SQLite already holds the write
    lock) in id order, like every writer takes them, for the rest of the transaction.
    """
    query = Account.select(Account.id).where((Account.health_next_change <= today) | Account.health_as_of.is_null())
    if assignee_id is not None:
        mine = FollowUp.select(FollowUp.account).where(
            FollowUp.assignee == assignee_id, FollowUp.status == FollowUpStatus.OPEN.value
        )
        query = query.where(Account.id.in_(mine))
    if limit:
        query = query.limit(limit)
    if lock:
        from acct_tui.db import is_postgres

        if is_postgres():
            # A row changed while we waited for it is checked again and skipped if no longer stale.
            query = query.order_by(Account.id).for_update()
    return [row[0] for row in query.tuples()]


def refresh_stale_health(
    today: dt.date, policy: HealthPolicy, batch: int = 2000, assignee_id: int | None = None
) -> int:
    """Bring every account whose day has come up to date, a batch per transaction.

    With `assignee_id`, only the accounts where that agent holds open follow-ups.
    The batch's rows are locked before their children are read: otherwise a touch
    committed between that read and the write would be overwritten by stale values.
    """
    total = 0
    with database_proxy.connection_context():
        while True:
            with database_proxy.atomic():
                ids = stale_health_ids(today, limit=batch, assignee_id=assignee_id, lock=True)
                if not ids:
                    break
                total += refresh_accounts(ids, today, policy)
    return total
