"""The health score: 0-100, a band, and the points each factor took away.

Pure functions over plain values, so the same rule explains a score on the
detail card, ranks the portfolio and is tested without a database. The
score starts at 100 and each factor subtracts points:

- contact recency against the tier's cadence (stepped: on time, late, very late, lapsed);
- open concerns by severity;
- satisfaction (0-10; unknown costs a little);
- overdue follow-ups, counted from the date first promised: rescheduling or
  snoozing an overdue follow-up is not progress, so the slip keeps costing
  until the follow-up is done;
- renewal proximity without a touch inside the cadence.

Every factor is a step function of the date, so `next_change` can say on
which day the score would move by itself; the daily refresh only recomputes
accounts whose day has come.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from acct_tui.vocab import DEFAULT_CADENCE_DAYS, HealthBand, Severity, Tier


@dataclass(frozen=True)
class HealthPolicy:
    """The formula's numbers; the config file may change any of them."""

    cadence_days: Mapping[str, int] = field(
        default_factory=lambda: {tier.value: days for tier, days in DEFAULT_CADENCE_DAYS.items()}
    )
    # (multiple of the cadence, points lost once contact is later than that)
    recency_steps: tuple[tuple[float, int], ...] = ((1.0, 10), (1.5, 20), (2.0, 30))
    never_touched_points: int = 30
    concern_points: Mapping[str, int] = field(
        default_factory=lambda: {
            Severity.LOW.value: 2,
            Severity.MEDIUM.value: 6,
            Severity.HIGH.value: 12,
            Severity.CRITICAL.value: 20,
        }
    )
    concern_max: int = 30
    # (lowest satisfaction score, points lost), checked from the top.
    satisfaction_steps: tuple[tuple[int, int], ...] = ((9, 0), (7, 5), (5, 12), (0, 20))
    satisfaction_unknown_points: int = 5
    overdue_each: int = 5
    overdue_max: int = 15
    # (days to renewal, points lost when not touched within the cadence), tightest first.
    renewal_windows: tuple[tuple[int, int], ...] = ((30, 15), (60, 10), (90, 5))
    healthy_at: int = 70
    watch_at: int = 45

    def cadence_for(self, tier: str) -> int:
        return int(self.cadence_days.get(tier, DEFAULT_CADENCE_DAYS[Tier.SILVER]))

    def band_for(self, score: int) -> HealthBand:
        if score >= self.healthy_at:
            return HealthBand.HEALTHY
        if score >= self.watch_at:
            return HealthBand.WATCH
        return HealthBand.AT_RISK


DEFAULT_POLICY = HealthPolicy()


class HealthInputs(NamedTuple):
    """What the score is computed from, for one account on one day."""

    cadence_days: int
    last_touch: dt.date | None
    concern_severities: tuple[str, ...] = ()
    satisfaction: int | None = None
    open_due_dates: tuple[dt.date, ...] = ()
    renewal_on: dt.date | None = None
    promised_due_dates: tuple[dt.date, ...] | None = None
    """For each open follow-up, the day it counts as overdue from: the earlier of its first
    due date and its due date. None: no date was ever moved (the same as `open_due_dates`)."""

    @property
    def counted_due_dates(self) -> tuple[dt.date, ...]:
        return self.open_due_dates if self.promised_due_dates is None else self.promised_due_dates


class Factor(NamedTuple):
    """One reason the score is what it is."""

    key: str
    label: str
    points: int  # negative: points taken away
    detail: str


class Health(NamedTuple):
    """A score, its band, the factors behind it, and the day it would next move by itself."""

    score: int
    band: HealthBand
    factors: tuple[Factor, ...]
    next_change: dt.date | None
    overdue: int
    """Follow-ups past their current due date (the queue's overdue section, the account's counter)."""

    def explain(self) -> str:
        lines = [f"{self.score} {self.band.label}"]
        lines += [f"{f.points:+d}  {f.label}: {f.detail}" for f in self.factors if f.points]
        return "\n".join(lines)


def assess(inputs: HealthInputs, today: dt.date, policy: HealthPolicy = DEFAULT_POLICY) -> Health:
    """Score one account for `today` and say when the score would next move."""
    cadence = max(1, inputs.cadence_days)
    since = (today - inputs.last_touch).days if inputs.last_touch else None
    factors = [
        _recency(since, cadence, policy),
        _concerns(inputs.concern_severities, policy),
        _satisfaction(inputs.satisfaction, policy),
    ]
    overdue = sum(1 for due in inputs.open_due_dates if due < today)
    factors.append(_overdue(inputs, today, policy))
    factors.append(_renewal(inputs.renewal_on, since, cadence, today, policy))
    score = max(0, min(100, 100 + sum(f.points for f in factors)))
    return Health(
        score=score,
        band=policy.band_for(score),
        factors=tuple(factors),
        next_change=_next_change(inputs, cadence, today, policy),
        overdue=overdue,
    )


def _recency(since: int | None, cadence: int, policy: HealthPolicy) -> Factor:
    if since is None:
        return Factor("recency", "Contact recency", -policy.never_touched_points, "never contacted")
    lost = 0
    for multiple, points in policy.recency_steps:
        if since > cadence * multiple:
            lost = points
    detail = f"last touch {since} days ago, cadence {cadence} days"
    if lost:
        detail += f" ({since - cadence} days past)"
    return Factor("recency", "Contact recency", -lost, detail)


def _overdue(inputs: HealthInputs, today: dt.date, policy: HealthPolicy) -> Factor:
    late = sum(1 for due in inputs.counted_due_dates if due < today)
    # Moved past their promise: overdue by the date first promised, not (yet) by the date now set.
    moved = late - sum(1 for due in inputs.open_due_dates if due < today)
    lost = -min(policy.overdue_max, late * policy.overdue_each)
    if not late:
        return Factor("overdue", "Overdue follow-ups", 0, "none overdue")
    detail = f"{late} overdue"
    if moved > 0:
        detail += (
            f" ({moved} moved to a later date: still counted from the date first promised, "
            "as a new date is not progress, until done)"
        )
    return Factor("overdue", "Overdue follow-ups", lost, detail)


def _concerns(severities: Iterable[str], policy: HealthPolicy) -> Factor:
    items = list(severities)
    total = sum(policy.concern_points.get(s, 0) for s in items)
    lost = min(policy.concern_max, total)
    if not items:
        return Factor("concerns", "Open concerns", 0, "none open")
    counts: dict[str, int] = {}
    for severity in items:
        counts[severity] = counts.get(severity, 0) + 1
    order = [s.value for s in reversed(Severity)]
    detail = ", ".join(f"{counts[s]} {s}" for s in order if s in counts)
    return Factor("concerns", "Open concerns", -lost, detail)


def _satisfaction(score: int | None, policy: HealthPolicy) -> Factor:
    if score is None:
        return Factor("satisfaction", "Satisfaction", -policy.satisfaction_unknown_points, "not measured")
    lost = policy.satisfaction_steps[-1][1]
    for lowest, points in policy.satisfaction_steps:
        if score >= lowest:
            lost = points
            break
    return Factor("satisfaction", "Satisfaction", -lost, f"{score}/10")


def _renewal(
    renewal_on: dt.date | None, since: int | None, cadence: int, today: dt.date, policy: HealthPolicy
) -> Factor:
    if renewal_on is None:
        return Factor("renewal", "Renewal", 0, "no renewal date")
    days = (renewal_on - today).days
    touched = since is not None and since <= cadence
    when = f"renews in {days} days" if days >= 0 else f"renewal date passed {-days} days ago"
    if touched:
        return Factor("renewal", "Renewal", 0, f"{when}, touched within cadence")
    for window, points in policy.renewal_windows:
        if days <= window:
            return Factor("renewal", "Renewal", -points, f"{when} with no touch in {cadence} days")
    return Factor("renewal", "Renewal", 0, when)


def _next_change(inputs: HealthInputs, cadence: int, today: dt.date, policy: HealthPolicy) -> dt.date | None:
    """The first day after `today` on which any factor crosses a step."""
    candidates: list[dt.date] = []
    if inputs.last_touch is not None:
        for multiple, _points in policy.recency_steps:
            limit = math.floor(cadence * multiple)
            candidates.append(inputs.last_touch + dt.timedelta(days=limit + 1))
        candidates.append(inputs.last_touch + dt.timedelta(days=cadence + 1))
    # Both dates: the score moves on the promised date, the overdue counter on the current one.
    candidates += [due + dt.timedelta(days=1) for due in (*inputs.open_due_dates, *inputs.counted_due_dates)]
    if inputs.renewal_on is not None:
        candidates += [inputs.renewal_on - dt.timedelta(days=w) for w, _p in policy.renewal_windows]
    future = [day for day in candidates if day > today]
    return min(future) if future else None


def health_symbol(band: str) -> str:
    return HealthBand(band).symbol
