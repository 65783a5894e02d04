"""The health rule on its own: bands, factor contributions, and when it next moves."""

from __future__ import annotations

import datetime as dt

from acct_tui.services.domain.health import DEFAULT_POLICY, HealthInputs, assess
from acct_tui.services.domain.policy import policy_from_config
from acct_tui.vocab import HealthBand

TODAY = dt.date(2026, 11, 27)


def _ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_a_well_kept_account_is_healthy_with_nothing_taken_off() -> None:
    """Touched inside its cadence, happy, nothing open: 100 and healthy."""
    health = assess(HealthInputs(cadence_days=14, last_touch=_ago(3), satisfaction=9), TODAY)
    assert health.score == 100
    assert health.band is HealthBand.HEALTHY
    assert all(f.points == 0 for f in health.factors)


def test_each_factor_reports_its_points() -> None:
    """Late contact, a critical concern, low satisfaction, overdue work, a near renewal: each is explained."""
    health = assess(
        HealthInputs(
            cadence_days=14,
            last_touch=_ago(22),
            concern_severities=("critical",),
            satisfaction=6,
            open_due_dates=(_ago(2), _ago(1)),
            renewal_on=TODAY + dt.timedelta(days=20),
        ),
        TODAY,
    )
    points = {f.key: f.points for f in health.factors}
    assert points == {"recency": -20, "concerns": -20, "satisfaction": -12, "overdue": -10, "renewal": -15}
    assert health.score == 100 - 77
    assert health.band is HealthBand.AT_RISK
    recency = next(f for f in health.factors if f.key == "recency")
    assert "22 days ago" in recency.detail and "cadence 14" in recency.detail


def test_band_limits() -> None:
    """70 and up is healthy, 45 to 69 watch, below 45 at risk."""
    assert DEFAULT_POLICY.band_for(70) is HealthBand.HEALTHY
    assert DEFAULT_POLICY.band_for(69) is HealthBand.WATCH
    assert DEFAULT_POLICY.band_for(45) is HealthBand.WATCH
    assert DEFAULT_POLICY.band_for(44) is HealthBand.AT_RISK


def test_never_touched_costs_the_full_recency_points() -> None:
    health = assess(HealthInputs(cadence_days=30, last_touch=None, satisfaction=10), TODAY)
    assert next(f for f in health.factors if f.key == "recency").points == -30


def test_next_change_is_the_day_the_cadence_lapses() -> None:
    """Touched 10 days ago on a 14-day cadence: the score moves on day 15."""
    health = assess(HealthInputs(cadence_days=14, last_touch=_ago(10), satisfaction=9), TODAY)
    assert health.next_change == _ago(10) + dt.timedelta(days=15)
    later = assess(HealthInputs(cadence_days=14, last_touch=_ago(10), satisfaction=9), health.next_change)
    assert later.score < health.score


def test_next_change_when_a_follow_up_goes_overdue() -> None:
    health = assess(HealthInputs(cadence_days=60, last_touch=_ago(1), satisfaction=9, open_due_dates=(TODAY,)), TODAY)
    assert health.next_change == TODAY + dt.timedelta(days=1)


def test_config_changes_cadence_and_bands() -> None:
    """The config file's [cadence] and [health] sections override the defaults."""
    policy = policy_from_config({"cadence": {"gold": 5}, "health": {"healthy_at": 90}})
    assert policy.cadence_for("gold") == 5
    assert policy.band_for(85) is HealthBand.WATCH
