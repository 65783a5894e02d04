"""What an agent decided about an account in the daily walk, kept so a new walk or a restart remembers it.

Two decisions change no other data, so they are stored as walk marks, one per
account reason (gone quiet, renewal without a plan, at risk):

- reviewed: "I looked at it today": the reason stays off today's walk;
- later: "check in on another day": a check-in follow-up is planned for that day
  and the reason stays off the walk until then (the follow-up brings the account back).

A mark is written through an audited change, so `z` undoes it like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from acct_tui.models import WalkMark
from acct_tui.services.context import Ctx
from acct_tui.services.domain.dates import parse_date
from acct_tui.services.domain.validation import clean_text
from acct_tui.services.errors import ValidationError
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import Change, change, snapshot
from acct_tui.services.writes.followups import plan_followup

REVIEWED = "reviewed"
LATER = "later"
REASONS = ("quiet", "renewal", "at_risk")


@dataclass(frozen=True)
class CheckIn:
    """A check-in planned from the walk: the follow-up, and the day the account comes back."""

    followup_id: int
    until: dt.date


def hidden_reasons(agent_id: int, today: dt.date, account_ids: Iterable[int] | None = None) -> set[tuple[int, str]]:
    """(account, reason) pairs the agent's marks keep off today's walk (call inside a connection)."""
    query: Any = WalkMark.select(WalkMark.account, WalkMark.reason).where(
        WalkMark.agent == agent_id,
        ((WalkMark.action == REVIEWED) & (WalkMark.day == today))
        | ((WalkMark.action == LATER) & (WalkMark.until > today)),
    )
    if account_ids is not None:
        query = query.where(WalkMark.account.in_(list(account_ids)))
    rows: list[tuple[Any, ...]] = list(query.tuples())
    return {(int(account), str(reason)) for account, reason in rows}


def _reasons(reasons: Sequence[str]) -> list[str]:
    unknown = [r for r in reasons if r not in REASONS]
    if unknown or not reasons:
        raise ValidationError(f"a walk reason is one of {', '.join(REASONS)}", "reason")
    return sorted(set(reasons))


def _mark(ch: Change, ctx: Ctx, account_id: int, reason: str, action: str, until: dt.date | None) -> None:
    existing = WalkMark.get_or_none(
        WalkMark.agent == ctx.agent.id,
        WalkMark.day == ctx.today,
        WalkMark.account == account_id,
        WalkMark.reason == reason,
    )
    label = f"{'reviewed' if action == REVIEWED else f'check in on {until}'} in the walk: {reason.replace('_', ' ')}"
    if existing is None:
        mark = WalkMark.create(
            agent=ctx.agent.id,
            account=account_id,
            reason=reason,
            day=ctx.today,
            action=action,
            until=until,
            created_at=ctx.now(),
        )
        ch.created(mark, label, action="walk")
        return
    before = snapshot(existing, ["action", "until"])
    existing.action = action
    existing.until = until
    existing.save()
    ch.updated(existing, before, label, action="walk")


def mark_reviewed(ctx: Ctx, account_id: int, reasons: Sequence[str]) -> int:
    """`d` on an account in the walk: these reasons stay off today's walk; returns how many were marked."""
    wanted = _reasons(reasons)
    with change(ctx, "walk reviewed") as ch:
        ch.lock(account_id)
        require_account(ctx.agent, account_id)
        for reason in wanted:
            _mark(ch, ctx, account_id, reason, REVIEWED, None)
    return len(wanted)


def check_in_later(ctx: Ctx, account_id: int, reasons: Sequence[str], until: object, note: str = "") -> CheckIn:
    """`s` on an account in the walk: a check-in follow-up on `until`, and the reasons off the walk till then."""
    wanted = _reasons(reasons)
    day = parse_date(until, ctx.today, "until")
    if day <= ctx.today:
        raise ValidationError("check in on a later day than today (tomorrow, +3d, 1w, a date)", "until")
    why = clean_text(note, "reason", max_len=180)
    title = f"Check in: {why or ', '.join(r.replace('_', ' ') for r in wanted)}"[:200]
    with change(ctx, "walk later") as ch:
        ch.lock(account_id)
        require_account(ctx.agent, account_id)
        followup_id = plan_followup(ch, ctx, account_id, {"title": title, "due_on": day, "kind": "check-in"})
        for reason in wanted:
            _mark(ch, ctx, account_id, reason, LATER, day)
    return CheckIn(followup_id, day)
