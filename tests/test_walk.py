"""The daily walk's service side: one card per account, marks that outlast a restart, honest reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from acct_tui.clock import FixedClock
from acct_tui.models import FollowUp, WalkMark
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.reads.upkeep import ItemKind, daily_upkeep, walk_cards
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.walkmarks import check_in_later, mark_reviewed
from tests.conftest import TODAY, days


def _risky_and_quiet(ctx: Ctx) -> int:
    """Never contacted, two critical concerns, unhappy: gone quiet and at risk at once."""
    account_id = accounts.create_account(ctx, {"name": "Risky Quiet", "tier": "gold", "satisfaction": "1"})
    accounts.add_concern(ctx, account_id, {"title": "Outage", "severity": "critical"})
    accounts.add_concern(ctx, account_id, {"title": "Outage again", "severity": "critical"})
    return account_id


def _on(ctx: Ctx, day: dt.date) -> Ctx:
    return replace(ctx, clock=FixedClock.on(day))


def test_one_card_per_account_lists_its_follow_ups_and_every_reason(ctx: Ctx) -> None:
    """Two due follow-ups, gone quiet and at risk: one card with both follow-ups and both reasons."""
    account_id = _risky_and_quiet(ctx)
    first = followups.add_followup(ctx, account_id, {"title": "Call back", "due_on": days(-2)})
    second = followups.add_followup(ctx, account_id, {"title": "Send notes", "due_on": "today"})
    cards = walk_cards(ctx)
    assert len(cards) == 1
    card = cards[0]
    assert [f.id for f in card.followups] == [first, second]
    assert [kind for kind, _text in card.reasons] == [ItemKind.QUIET, ItemKind.AT_RISK]
    assert card.kind is ItemKind.FOLLOWUP


def test_a_follow_up_card_shows_the_last_touch_of_an_account_not_flagged_otherwise(ctx: Ctx) -> None:
    """Touched 3 days ago, healthy, one follow-up due: its card knows the last touch."""
    account_id = accounts.create_account(ctx, {"name": "Kept", "tier": "gold", "satisfaction": "10"})
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"}, occurred_on=days(-3))
    followups.add_followup(ctx, account_id, {"title": "Send deck", "due_on": "today"})
    (item,) = daily_upkeep(ctx)
    assert item.kind is ItemKind.FOLLOWUP and item.reasons == ()
    assert item.last_touch_on == TODAY - dt.timedelta(days=3)


def test_a_reviewed_account_stays_off_todays_walk_and_returns_tomorrow(ctx: Ctx) -> None:
    """Reviewed is stored: a fresh walk today leaves it out; tomorrow it is back."""
    account_id = _risky_and_quiet(ctx)
    assert mark_reviewed(ctx, account_id, ["quiet", "at_risk"]) == 2
    assert walk_cards(ctx) == []
    assert [c.account_id for c in walk_cards(_on(ctx, TODAY + dt.timedelta(days=1)))] == [account_id]


def test_a_reason_not_reviewed_still_shows(ctx: Ctx) -> None:
    """Reviewed as gone quiet only: the at-risk reason keeps the account on the walk, alone."""
    account_id = _risky_and_quiet(ctx)
    mark_reviewed(ctx, account_id, ["quiet"])
    (card,) = walk_cards(ctx)
    assert [kind for kind, _text in card.reasons] == [ItemKind.AT_RISK]


def test_reviewing_twice_in_a_day_keeps_one_mark(ctx: Ctx) -> None:
    """The unique (agent, day, account, reason) is respected: a second review updates the mark."""
    account_id = _risky_and_quiet(ctx)
    mark_reviewed(ctx, account_id, ["quiet"])
    mark_reviewed(ctx, account_id, ["quiet"])
    with reading():
        assert WalkMark.select().count() == 1


def test_undo_brings_a_reviewed_account_back(ctx: Ctx) -> None:
    """z after reviewing: the mark is gone and the account is on the walk again."""
    account_id = _risky_and_quiet(ctx)
    mark_reviewed(ctx, account_id, ["quiet", "at_risk"])
    undo_last(ctx)
    assert [c.account_id for c in walk_cards(ctx)] == [account_id]
    with reading():
        assert WalkMark.select().count() == 0


def test_check_in_later_plans_a_follow_up_and_keeps_the_account_off_until_then(ctx: Ctx) -> None:
    """A check-in in 3 days: off the walk tomorrow; on the day, one card with the check-in and the reasons."""
    account_id = _risky_and_quiet(ctx)
    planned = check_in_later(ctx, account_id, ["quiet", "at_risk"], "+3d", "after their board meeting")
    assert planned.until == TODAY + dt.timedelta(days=3)
    with reading():
        item = FollowUp.get_by_id(planned.followup_id)
        assert (item.title, item.due_on, item.kind) == (
            "Check in: after their board meeting",
            planned.until,
            "check-in",
        )
    assert walk_cards(_on(ctx, TODAY + dt.timedelta(days=1))) == []
    (card,) = walk_cards(_on(ctx, planned.until))
    assert [f.id for f in card.followups] == [planned.followup_id]
    assert {kind for kind, _text in card.reasons} == {ItemKind.QUIET, ItemKind.AT_RISK}


def test_check_in_later_is_one_undo(ctx: Ctx) -> None:
    """z takes back the planned check-in and the marks together."""
    account_id = _risky_and_quiet(ctx)
    check_in_later(ctx, account_id, ["quiet"], "+1w")
    undo_last(ctx)
    with reading():
        assert (FollowUp.select().count(), WalkMark.select().count()) == (0, 0)


def test_check_in_later_needs_a_later_day_and_known_reasons(ctx: Ctx) -> None:
    """Today is not later, and a made-up reason is refused by name."""
    account_id = _risky_and_quiet(ctx)
    with pytest.raises(ValidationError):
        check_in_later(ctx, account_id, ["quiet"], "today")
    with pytest.raises(ValidationError):
        mark_reviewed(ctx, account_id, ["bored"])


def test_marks_are_the_agents_own(ctx: Ctx) -> None:
    """Another agent's review does not take the account off my walk."""
    from acct_tui.services.writes.agents import add_agent, find_agent

    account_id = _risky_and_quiet(ctx)
    add_agent(ctx, "kim", name="Kim", role="admin")
    kim = find_agent("kim")
    assert kim is not None
    mark_reviewed(replace(ctx, agent=kim), account_id, ["quiet", "at_risk"])
    assert [c.account_id for c in walk_cards(ctx)] == [account_id]


def test_a_renewal_with_only_its_checkpoint_says_there_is_no_plan_yet(ctx: Ctx) -> None:
    """The 30-day checkpoint exists: the card says it is only the checkpoint, not "no renewal follow-up"."""
    account_id = accounts.create_account(ctx, {"name": "Renewing", "tier": "gold", "renewal_on": days(40)})
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    with reading():
        assert FollowUp.select().where(FollowUp.checkpoint.is_null(False)).exists()
    (card,) = walk_cards(ctx)
    ((kind, text),) = card.reasons
    assert kind is ItemKind.RENEWAL
    assert text == "renews in 40 days: only the automatic checkpoint, no renewal plan yet"
