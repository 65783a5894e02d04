"""`health explain` and `health what-if`: the score factor by factor, and the book under another formula."""

from __future__ import annotations

from typing import Any

import pytest

from acct_tui.models import ALL_MODELS, Account
from acct_tui.services.context import Ctx
from acct_tui.services.domain.policy import PolicyError
from acct_tui.services.reads.explain import explain_account, what_if
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.vocab import HealthBand
from tests.conftest import days


def _everything() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a read changed nothing."""
    with reading():
        return {
            model._meta.table_name: sorted(map(repr, model.select().tuples()))  # type: ignore[attr-defined]
            for model in ALL_MODELS
        }


def _book(ctx: Ctx) -> dict[str, int]:
    ids = {
        "Happy": accounts.create_account(ctx, {"name": "Happy", "tier": "gold", "satisfaction": "10"}),
        "Borderline": accounts.create_account(ctx, {"name": "Borderline", "tier": "gold", "satisfaction": "8"}),
        "Lapsed": accounts.create_account(ctx, {"name": "Lapsed", "tier": "platinum", "satisfaction": "9"}),
    }
    followups.log_activity(ctx, ids["Happy"], {"kind": "call", "summary": "Call"})
    followups.log_activity(ctx, ids["Borderline"], {"kind": "call", "summary": "Call"}, occurred_on=days(-20))
    followups.log_activity(ctx, ids["Lapsed"], {"kind": "call", "summary": "Call"}, occurred_on=days(-10))
    return ids


def test_explain_lists_each_factor_and_the_numbers_behind_it(ctx: Ctx) -> None:
    """Borderline: contact 20 days ago on a 14-day cadence and satisfaction 8 each take their points."""
    ids = _book(ctx)
    why = explain_account(ctx, ids["Borderline"])
    points = {f.key: f.points for f in why.factors}
    assert points == {"recency": -10, "concerns": 0, "satisfaction": -5, "overdue": 0, "renewal": 0}
    assert (why.score, why.band, why.stored_score) == (85, HealthBand.HEALTHY, 85)
    assert (why.cadence_days, why.healthy_at, why.watch_at) == (14, 70, 45)
    assert [p.score for p in why.history] == [85]


def test_what_if_shows_who_changes_band_and_changes_nothing(ctx: Ctx) -> None:
    """healthy_at=90 and a 5-day platinum cadence: two accounts drop to watch, reported before/after; no row moves."""
    ids = _book(ctx)
    before = _everything()
    result = what_if(ctx, ["healthy_at=90", "cadence.platinum=5"])
    assert _everything() == before
    moved = {m.name: (m.score_before, m.band_before, m.score_after, m.band_after) for m in result.moved}
    assert moved == {
        "Borderline": (85, HealthBand.HEALTHY, 85, HealthBand.WATCH),
        "Lapsed": (90, HealthBand.HEALTHY, 80, HealthBand.WATCH),
    }
    assert result.bands_before == {"healthy": 3, "watch": 0, "at_risk": 0}
    assert result.bands_after == {"healthy": 1, "watch": 2, "at_risk": 0}
    assert result.scores_changed == 1
    lapsed = next(m for m in result.moved if m.id == ids["Lapsed"])
    assert (lapsed.rank_before, lapsed.rank_after) == (2, 1)
    with reading():
        assert Account.get_by_id(ids["Lapsed"]).health_band == "healthy"


def test_what_if_refuses_a_bad_setting_by_name(ctx: Ctx) -> None:
    """A value the config file would refuse is refused here too, naming the key."""
    with pytest.raises(PolicyError, match=r"health\.watch_at: must be lower than health\.healthy_at"):
        what_if(ctx, ["watch_at=80"])


def test_what_if_starts_from_the_config_file(ctx: Ctx) -> None:
    """The settings are laid over the file's values: a file with healthy_at = 90 and watch_at=89 on top."""
    _book(ctx)
    result = what_if(ctx, ["watch_at=89"], {"health": {"healthy_at": 90}})
    assert result.policy_after["healthy_at"] == 90
    assert result.policy_after["watch_at"] == 89


def _slipping(ctx: Ctx) -> tuple[int, int]:
    """The issue's account: gold, renewing in 5 days, last touch 20 days ago, one follow-up 3 days overdue."""
    account_id = accounts.create_account(ctx, {"name": "Slipping", "tier": "gold", "renewal_on": days(5)})
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"}, occurred_on=days(-20))
    followup_id = followups.add_followup(ctx, account_id, {"title": "Send the quote", "due_on": days(-3)})
    return account_id, followup_id


def _stored(account_id: int) -> tuple[int, str, int]:
    with reading():
        row = Account.get_by_id(account_id)
        return row.health_score, row.health_band, row.overdue_followups


@pytest.mark.parametrize("move", ["reschedule", "snooze"])
def test_moving_an_overdue_follow_ups_date_does_not_raise_health(ctx: Ctx, move: str) -> None:
    """Watch 65 stays watch 65 after a reschedule or a snooze; the queue's overdue counter follows the new date."""
    account_id, followup_id = _slipping(ctx)
    assert _stored(account_id) == (65, "watch", 1)
    if move == "reschedule":
        followups.reschedule_followup(ctx, followup_id, days(7))
    else:
        followups.snooze_followup(ctx, followup_id, days(7), "waiting on legal")
    assert _stored(account_id) == (65, "watch", 0)
    why = explain_account(ctx, account_id)
    overdue = next(f for f in why.factors if f.key == "overdue")
    assert overdue.points == -5
    assert "first promised" in overdue.detail and "not progress" in overdue.detail
    with reading():
        from acct_tui.models import FollowUp

        assert FollowUp.get_by_id(followup_id).first_due_on.isoformat() == days(-3)


def test_a_second_move_keeps_the_first_promise_and_done_ends_the_slip(ctx: Ctx) -> None:
    """Two reschedules keep the first due date; marking it done gives the points back."""
    account_id, followup_id = _slipping(ctx)
    followups.reschedule_followup(ctx, followup_id, days(2))
    followups.reschedule_followup(ctx, followup_id, days(9))
    with reading():
        from acct_tui.models import FollowUp

        assert FollowUp.get_by_id(followup_id).first_due_on.isoformat() == days(-3)
    assert _stored(account_id)[0] == 65
    followups.complete_followup(ctx, followup_id)
    assert _stored(account_id) == (70, "healthy", 0)


def test_moving_a_date_not_yet_due_costs_nothing_until_the_first_date_passes(ctx: Ctx, clock: Any) -> None:
    """Pushed before it was late: no points today; once the first date passes it counts, though the new one has not."""
    account_id = accounts.create_account(ctx, {"name": "Early", "tier": "gold", "satisfaction": "10"})
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    followup_id = followups.add_followup(ctx, account_id, {"title": "Demo", "due_on": days(2)})
    followups.reschedule_followup(ctx, followup_id, days(10))
    assert _stored(account_id) == (100, "healthy", 0)
    clock.advance(days=4)
    overdue = next(f for f in explain_account(ctx, account_id).factors if f.key == "overdue")
    assert overdue.points == -5


def test_undoing_a_reschedule_forgets_the_move(ctx: Ctx) -> None:
    """Undo puts the date and the never-moved mark back."""
    from acct_tui.models import FollowUp
    from acct_tui.services.store.undo import undo_last

    _account_id, followup_id = _slipping(ctx)
    followups.reschedule_followup(ctx, followup_id, days(7))
    undo_last(ctx)
    with reading():
        item = FollowUp.get_by_id(followup_id)
        assert (item.due_on.isoformat(), item.first_due_on) == (days(-3), None)
