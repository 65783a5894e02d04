"""Health you can argue with: one account's score factor by factor, and the book under another formula.

`explain_account` recomputes an account's score from its facts today and
lists what each factor took away, with the formula's numbers that applied.
`what_if` scores every account the agent may see (in the active context)
under the formula in force and under one with some `KEY=VALUE` changes, and
says which accounts would change band and how the health order would move.
Both only read: nothing is written, and the config file is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from acct_tui.models import Account
from acct_tui.services.context import Ctx
from acct_tui.services.domain.health import Factor, HealthPolicy, assess
from acct_tui.services.domain.policy import describe_policy, policy_from_config, with_overrides
from acct_tui.services.reads.contexts import narrow
from acct_tui.services.reads.history import HistoryPoint, Trend, health_trends, score_history
from acct_tui.services.store.derived import AccountFacts, load_facts
from acct_tui.services.store.scope import require_account, scoped
from acct_tui.services.store.unit import reading
from acct_tui.vocab import HealthBand

CHUNK = 500


@dataclass(frozen=True)
class Explanation:
    """Why an account scores what it scores, today."""

    account_id: int
    name: str
    tier: str
    score: int
    band: HealthBand
    stored_score: int
    """The score on the account row (it can lag a day behind, until the daily refresh)."""
    factors: tuple[Factor, ...]
    cadence_days: int
    healthy_at: int
    watch_at: int
    next_change: dt.date | None
    trend: Trend
    history: tuple[HistoryPoint, ...]


def explain_account(ctx: Ctx, account_id: int) -> Explanation:
    """The account's health recomputed now, with each factor's points and the numbers behind them."""
    with reading():
        account = require_account(ctx.agent, account_id)
        facts = load_facts([account.id])[0]
    health = assess(facts.inputs(ctx.policy), ctx.today, ctx.policy)
    return Explanation(
        account_id=facts.id,
        name=facts.name,
        tier=facts.tier,
        score=health.score,
        band=health.band,
        stored_score=facts.score,
        factors=health.factors,
        cadence_days=ctx.policy.cadence_for(facts.tier),
        healthy_at=ctx.policy.healthy_at,
        watch_at=ctx.policy.watch_at,
        next_change=health.next_change,
        trend=health_trends([facts.id], ctx.today)[facts.id],
        history=tuple(score_history(facts.id, limit=10)),
    )


# What-if ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """An account whose band would change."""

    id: int
    name: str
    tier: str
    score_before: int
    band_before: HealthBand
    score_after: int
    band_after: HealthBand
    rank_before: int
    """1 for the account most at risk (the portfolio's health order)."""
    rank_after: int

    @property
    def worse(self) -> bool:
        return self.band_after.rank < self.band_before.rank


@dataclass(frozen=True)
class WhatIf:
    """The book under the formula in force and under the changed one."""

    settings: tuple[str, ...]
    accounts: int
    bands_before: dict[str, int]
    bands_after: dict[str, int]
    scores_changed: int
    moved: list[Moved]
    """Accounts that change band: those getting worse first, then by their new score."""
    policy_after: dict[str, object]


Progress = Callable[[int, int], None]


def what_if(
    ctx: Ctx,
    settings: Sequence[str],
    raw: Mapping[str, object] | None = None,
    *,
    progress: Progress | None = None,
) -> WhatIf:
    """Score the visible book under `raw` (the config file's data) with `settings` (`KEY=VALUE`) laid over it.

    Raises `PolicyError` naming the key when a setting is not a valid value.
    """
    after_policy = policy_from_config(with_overrides(raw or {}, settings))
    with reading():
        query = narrow(scoped(Account.select(Account.id), ctx.agent), ctx.context).order_by(Account.id)
        ids = [account_id for (account_id,) in query.tuples()]
        scored: list[tuple[AccountFacts, int, HealthBand, int, HealthBand]] = []
        for start in range(0, len(ids), CHUNK):
            for facts in load_facts(ids[start : start + CHUNK]):
                scored.append((facts, *_score(facts, ctx.policy, ctx.today), *_score(facts, after_policy, ctx.today)))
            if progress is not None:
                progress(min(start + CHUNK, len(ids)), len(ids))
    rank_before = _ranks([(score, facts.id) for facts, score, _b, _s, _a in scored])
    rank_after = _ranks([(score, facts.id) for facts, _s, _b, score, _a in scored])
    moved = [
        Moved(
            id=facts.id,
            name=facts.name,
            tier=facts.tier,
            score_before=before,
            band_before=band_before,
            score_after=after,
            band_after=band_after,
            rank_before=rank_before[facts.id],
            rank_after=rank_after[facts.id],
        )
        for facts, before, band_before, after, band_after in scored
        if band_before is not band_after
    ]
    moved.sort(key=lambda m: (not m.worse, m.score_after, m.id))
    return WhatIf(
        settings=tuple(settings),
        accounts=len(scored),
        bands_before=_bands(band for _f, _s, band, _a, _b in scored),
        bands_after=_bands(band for _f, _s, _b, _a, band in scored),
        scores_changed=sum(1 for _f, before, _b, after, _a in scored if before != after),
        moved=moved,
        policy_after=describe_policy(after_policy),
    )


def _score(facts: AccountFacts, policy: HealthPolicy, today: dt.date) -> tuple[int, HealthBand]:
    health = assess(facts.inputs(policy), today, policy)
    return health.score, health.band


def _ranks(keys: list[tuple[int, int]]) -> dict[int, int]:
    return {account_id: index for index, (_score, account_id) in enumerate(sorted(keys), start=1)}


def _bands(bands: Iterable[HealthBand]) -> dict[str, int]:
    counts = Counter(bands)
    return {band.value: counts.get(band, 0) for band in HealthBand}
