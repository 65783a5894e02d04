"""Done and log flows: who a touch was with, the next step in the same save, a note for a reassignment."""

from __future__ import annotations

from acct_tui.models import Activity, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent, find_agent
from acct_tui.vocab import TOUCH_KINDS
from tests.conftest import days


def _account_with_people(ctx: Ctx) -> tuple[int, int, int]:
    account_id = accounts.create_account(ctx, {"name": "Acme", "tier": "gold"})
    ana = accounts.add_contact(ctx, account_id, {"name": "Ana", "is_primary": True})
    bo = accounts.add_contact(ctx, account_id, {"name": "Bo"})
    return account_id, ana, bo


def test_with_defaults_to_the_primary_contact(ctx: Ctx) -> None:
    """An account's contacts come primary first, and the primary is the one prefilled."""
    account_id, ana, _bo = _account_with_people(ctx)
    found = followups.contact_choices(ctx, account_id)
    assert [name for _id, name in found.options] == ["Ana", "Bo"]
    assert found.default == ana


def test_with_defaults_to_the_person_of_the_touch_that_planned_the_follow_up(ctx: Ctx) -> None:
    """Logged a call with Bo and planned a follow-up in the same save: the follow-up's With is Bo."""
    account_id, _ana, bo = _account_with_people(ctx)
    logged = followups.log_activity(
        ctx, account_id, {"kind": "call", "summary": "Pricing"}, contact_id=bo, followup={"due_on": "+3d"}
    )
    assert logged.followup_id is not None
    assert followups.contact_choices(ctx, account_id, logged.followup_id).default == bo
    plain = followups.add_followup(ctx, account_id, {"title": "Other", "due_on": "+1d"})
    assert followups.contact_choices(ctx, account_id, plain).default != bo


def test_an_account_with_nobody_prefills_nobody(ctx: Ctx) -> None:
    """No contacts: no options, no default."""
    account_id = accounts.create_account(ctx, {"name": "Empty"})
    found = followups.contact_choices(ctx, account_id)
    assert (found.options, found.default) == ([], None)


def test_done_with_a_log_records_with_whom_and_plans_the_next_step(ctx: Ctx) -> None:
    """`D`'s save: done, a call with Bo logged, and the next step due in a week, in one change."""
    account_id, _ana, bo = _account_with_people(ctx)
    item = followups.add_followup(ctx, account_id, {"title": "Send quote", "due_on": "today"})
    done = followups.complete_followup(
        ctx,
        item,
        log={"kind": "call", "summary": "Quote sent", "outcome": "they will sign"},
        contact_id=bo,
        next_followup={"due_on": "+1w"},
    )
    assert done.activity_id is not None and done.planned_id is not None
    with reading():
        activity = Activity.get_by_id(done.activity_id)
        planned = FollowUp.get_by_id(done.planned_id)
    assert (activity.contact_id, activity.outcome) == (bo, "they will sign")
    assert (planned.title, planned.due_on.isoformat(), planned.status) == ("Next step: Send quote", days(7), "open")
    assert followups.contact_choices(ctx, account_id, done.planned_id).default == bo


def test_a_reassignment_note_goes_on_top_of_the_follow_ups_notes(ctx: Ctx) -> None:
    """The new assignee reads who gave it, when, and why, above the notes already there."""
    add_agent(ctx, "kim", name="Kim", role="agent")
    kim = find_agent("kim")
    assert kim is not None
    account_id = accounts.create_account(ctx, {"name": "Acme"})
    item = followups.add_followup(ctx, account_id, {"title": "Demo", "due_on": "+1d", "notes": "bring the slides"})
    followups.reassign_followup(ctx, item, kim.id, "they asked for a German speaker")
    with reading():
        row = FollowUp.get_by_id(item)
    assert row.assignee_id == kim.id
    assert row.notes == f"From {ctx.agent.name}, 27 Nov: they asked for a German speaker\nbring the slides"


def test_done_in_the_walk_can_be_logged_as_a_touch(ctx: Ctx) -> None:
    """`d` then `c`: a call "Done: <title>" with the primary contact resets the cadence."""
    account_id, ana, _bo = _account_with_people(ctx)
    item = followups.add_followup(ctx, account_id, {"title": "Call about renewal", "due_on": "today"})
    followups.complete_followup(ctx, item)
    logged = followups.log_done_touch(ctx, item, "call")
    with reading():
        activity = Activity.get_by_id(logged.activity_id)
    assert (activity.kind, activity.summary, activity.contact_id) == ("call", "Done: Call about renewal", ana)
    assert activity.kind in {k.value for k in TOUCH_KINDS}
