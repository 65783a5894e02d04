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
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from acct_tui.clock import to_local
from acct_tui.models import Account, Activity, Concern, Contact, FollowUp, HealthHistory, database_proxy
from acct_tui.services.domain.health import Health, HealthInputs, HealthPolicy, assess
from acct_tui.services.store.rows import as_date, as_datetime, execute_many, id_in, raw_rows, tuple_rows
from acct_tui.services.store.search import search_text
from acct_tui.services.store.wake import band_drop_reason, wake_snoozed
from acct_tui.vocab import TOUCH_KINDS, ConcernStatus, FollowUpStatus, HealthBand, Tier

if TYPE_CHECKING:
    from acct_tui.services.store.audit import Change

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
    change: Change | None = None,
    kept_touches: Collection[int] = (),
) -> int:
    """Recompute derived columns for these accounts (writing only those that moved); returns how many.

    A score that moved gets a health_history row for `today`; an account that
    dropped a band wakes its snoozed follow-ups (audited in `change` when given).
    `kept_touches`: accounts whose activities the change did not write (their stored
    last touch stands).
    """
    wanted_search = set(search_ids)
    written = 0
    drops: dict[int, str] = {}
    for chunk in _chunks(list(account_ids)):
        written += _refresh_chunk(
            chunk,
            today,
            policy,
            wanted_search,
            drops,
            change.band_changes if change is not None else None,
            kept_touches,
        )
    woken = wake_snoozed(change, drops, today)
    for chunk in _chunks(sorted(woken)):
        # Their next follow-up is now today; the band they dropped to is already stored.
        _refresh_chunk(chunk, today, policy, set(), {})
    return written


@dataclass(frozen=True)
class AccountFacts:
    """What an account's derived columns and health are computed from, read in a few set queries."""

    id: int
    name: str
    domain: str | None
    industry: str
    tier: str
    satisfaction: int | None
    renewal_on: dt.date | None
    last_touch_at: dt.datetime | None
    due_dates: tuple[dt.date, ...]
    severities: tuple[str, ...]
    score: int
    band: str
    health_as_of: dt.date | None
    promised_dates: tuple[dt.date, ...] | None = None
    """Per open follow-up, the day its lateness counts from (None: no date was moved)."""
    stored: tuple[object, ...] = ()
    """The derived columns as stored (in `_COLUMNS` order, as the driver gives them), so a
    refresh writes only what moved."""

    def inputs(self, policy: HealthPolicy) -> HealthInputs:
        return HealthInputs(
            cadence_days=policy.cadence_for(self.tier),
            last_touch=local_date(self.last_touch_at),
            concern_severities=self.severities,
            satisfaction=self.satisfaction,
            open_due_dates=self.due_dates,
            renewal_on=self.renewal_on,
            promised_due_dates=self.promised_dates,
        )


def load_facts(ids: Sequence[int], kept_touches: Collection[int] = ()) -> list[AccountFacts]:
    """The facts of these accounts (one batch: at most a few hundred ids), in five queries.

    For the accounts in `kept_touches` (a change that wrote no activity on them) the last
    touch is the one stored on the account, and their activities are not read again.
    """
    accounts = raw_rows(
        Account.select(
            Account.id,
            Account.name,
            Account.domain,
            Account.industry,
            Account.tier,
            Account.satisfaction,
            Account.renewal_on,
            Account.health_score,
            Account.health_band,
            Account.health_as_of,
            *(getattr(Account, name) for name in _COLUMNS),
        ).where(id_in(Account.id, ids))
    )
    stored = {row[0]: row[_FACT_COLUMNS + _LAST_TOUCH] for row in accounts}
    touches: dict[int, object] = {i: stored[i] for i in stored if i in kept_touches}
    unknown = [i for i in ids if i not in touches]
    if unknown:
        touches.update(
            raw_rows(
                Activity.select(Activity.account, fn.MAX(Activity.occurred_at))
                .where(id_in(Activity.account, unknown), Activity.kind.in_([k.value for k in TOUCH_KINDS]))
                .group_by(Activity.account)
            )
        )
    due_dates: dict[int, list[dt.date]] = defaultdict(list)
    promised: dict[int, list[dt.date]] = defaultdict(list)
    moved: set[int] = set()
    for account_id, due, first in raw_rows(
        FollowUp.select(FollowUp.account, FollowUp.due_on, FollowUp.first_due_on).where(
            id_in(FollowUp.account, ids), FollowUp.status == FollowUpStatus.OPEN.value
        )
    ):
        current = as_date(due)
        due_dates[account_id].append(current)
        # Lateness counts from the earlier of the first promise and the date now set.
        counted = current if first is None else min(current, as_date(first))
        promised[account_id].append(counted)
        if counted != current:
            moved.add(account_id)
    severities: dict[int, list[str]] = defaultdict(list)
    for account_id, severity in raw_rows(
        Concern.select(Concern.account, Concern.severity).where(
            id_in(Concern.account, ids), Concern.status == ConcernStatus.OPEN.value
        )
    ):
        severities[account_id].append(severity)
    return [
        AccountFacts(
            id=account_id,
            name=name,
            domain=domain,
            industry=industry,
            tier=tier,
            satisfaction=satisfaction,
            renewal_on=as_date(renewal_on) if renewal_on else None,
            last_touch_at=as_datetime(touches.get(account_id)),
            due_dates=tuple(due_dates.get(account_id, ())),
            severities=tuple(severities.get(account_id, ())),
            score=int(score),
            band=str(band),
            health_as_of=as_date(as_of) if as_of else None,
            promised_dates=tuple(promised[account_id]) if account_id in moved else None,
            stored=tuple(row[_FACT_COLUMNS:]),
        )
        for row in accounts
        for account_id, name, domain, industry, tier, satisfaction, renewal_on, score, band, as_of in (
            row[:_FACT_COLUMNS],
        )
    ]


def record_scores(rows: Iterable[tuple[int, int, str]], today: dt.date) -> None:
    """(account id, score, band) for scores that moved: one row per account for `today`, the last one kept."""
    data = [{"account": account_id, "day": today, "score": score, "band": band} for account_id, score, band in rows]
    if not data:
        return
    (
        HealthHistory.insert_many(data)
        .on_conflict(
            conflict_target=[HealthHistory.account, HealthHistory.day],
            preserve=[HealthHistory.score, HealthHistory.band],
        )
        .as_rowcount()
        .execute()
    )


def _refresh_chunk(
    ids: Sequence[int],
    today: dt.date,
    policy: HealthPolicy,
    search_ids: set[int],
    drops: dict[int, str],
    bands: dict[int, tuple[str, str]] | None = None,
    kept_touches: Collection[int] = (),
) -> int:
    facts = load_facts(ids, kept_touches)
    contact_names: dict[int, list[str]] = defaultdict(list)
    wanted = [i for i in ids if i in search_ids]
    if wanted:
        for account_id, name in tuple_rows(
            Contact.select(Contact.account, Contact.name)
            .where(Contact.account.in_(wanted), Contact.removed_at.is_null())  # who left is not searched for
            .order_by(Contact.id)  # the order they were added, on any backend and any plan
        ):
            contact_names[account_id].append(name)

    plain: dict[tuple[int, ...], list[tuple[object, ...]]] = defaultdict(list)
    native = _native_dates()
    with_search: list[tuple[object, ...]] = []
    moved: list[tuple[int, int, str]] = []
    for fact in facts:
        inputs = fact.inputs(policy)
        health = assess(inputs, today, policy)
        if fact.health_as_of is None or health.score != fact.score or health.band.value != fact.band:
            moved.append((fact.id, health.score, health.band.value))
        if bands is not None and fact.health_as_of is not None and health.band.value != fact.band:
            was = bands.get(fact.id, (fact.band, ""))[0]
            bands[fact.id] = (was, health.band.value)
        if fact.health_as_of is not None and health.band.rank < HealthBand(fact.band).rank:
            drops[fact.id] = band_drop_reason(HealthBand(fact.band), health.band, fact.score, health.score)
        values = _derived_values(fact, inputs, health, today)
        if fact.id in search_ids:
            text = search_text(fact.name, fact.domain, fact.industry, contact_names.get(fact.id, []))
            with_search.append((*values, text, fact.id))
        else:
            # Only the columns that moved: an unchanged indexed column still costs its index update.
            now = values if native else tuple(map(_stored, values))
            if now == fact.stored:
                continue
            moved_columns = tuple(i for i, (new, old) in enumerate(zip(now, fact.stored, strict=True)) if new != old)
            if moved_columns:
                plain[moved_columns].append((*(values[i] for i in moved_columns), fact.id))
    for moved_columns, rows in plain.items():
        _write(rows, [_COLUMNS[i] for i in moved_columns])
    _write(with_search, [*_COLUMNS, "search_text"])
    record_scores(moved, today)
    return len(facts)


def _derived_values(fact: AccountFacts, inputs: HealthInputs, health: Health, today: dt.date) -> tuple[object, ...]:
    """The account's derived columns, in `_COLUMNS` order."""
    touch_date = inputs.last_touch
    dues = fact.due_dates
    return (
        fact.last_touch_at,
        touch_date + dt.timedelta(days=inputs.cadence_days) if touch_date else None,
        inputs.cadence_days,
        tier_rank(fact.tier),
        min(dues) if dues else None,
        len(dues),
        health.overdue,
        len(fact.severities),
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


_FACT_COLUMNS = 10
"""The columns `load_facts` reads before the derived ones."""
_LAST_TOUCH = _COLUMNS.index("last_touch_at")


def _stored(value: object) -> object:
    """A value as SQLite stores it (ISO text for dates), to compare a new value with the one read raw."""
    if isinstance(value, dt.date):
        return value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _native_dates() -> bool:
    """Whether the driver reads dates back as dates (PostgreSQL), not ISO text (SQLite)."""
    from acct_tui.db import is_postgres

    return is_postgres()


def _write(rows: list[tuple[object, ...]], columns: Sequence[str]) -> None:
    if not rows:
        return
    db = database_proxy.obj
    param = db.param
    assignments = ", ".join(f"{name} = {param}" for name in columns)
    sql = f"UPDATE account SET {assignments} WHERE id = {param}"
    execute_many(sql, rows)


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
    return [int(row[0]) for row in tuple_rows(query)]


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
