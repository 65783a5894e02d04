"""Snoozes that wake themselves: a snoozed follow-up comes back before its date when something happens.

A snooze ends on its date (the queue then shows it due, "its snooze ended").
It ends early, due today, when its account:

- logs a new inbound activity (the client wrote or called),
- opens a concern,
- drops a health band (healthy to watch, watch to at risk).

The follow-up's `woke_reason` says which, and its snooze reason is kept so
the agent sees what they were waiting for. The wake-up is written in the
transaction of the event that caused it; inside a user action it is part of
that action's audit change, so undoing the action puts the snooze back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from peewee import ModelSelect

from acct_tui.models import FollowUp
from acct_tui.services.store.audit import Change, snapshot
from acct_tui.services.store.rows import tuple_rows
from acct_tui.vocab import FollowUpStatus, HealthBand

_STATE = ["due_on", "snoozed_until", "woke_reason", "version"]
DATE_REASON = "its snooze date came"


def _snoozed(account_ids: list[int], today: dt.date) -> ModelSelect[FollowUp]:
    return FollowUp.select().where(
        FollowUp.account.in_(account_ids),
        FollowUp.status == FollowUpStatus.OPEN.value,
        FollowUp.snoozed_until > today,
    )


def wake_snoozed(ch: Change | None, reasons: Mapping[int, str], today: dt.date) -> set[int]:
    """Wake every snoozed follow-up of these accounts with its account's reason; returns the accounts touched.

    With a change, each follow-up is audited as part of it; without one (the
    nightly health refresh, which no person did) the rows are updated in one
    statement per reason.
    """
    if not reasons:
        return set()
    if ch is None:
        woken: set[int] = set()
        by_reason: dict[str, list[int]] = {}
        for account_id, reason in reasons.items():
            by_reason.setdefault(reason[:200], []).append(account_id)
        for reason, ids in by_reason.items():
            rows = list(tuple_rows(_snoozed(ids, today).select(FollowUp.id, FollowUp.account)))
            if rows:
                FollowUp.update(
                    due_on=today, snoozed_until=None, woke_reason=reason, version=FollowUp.version + 1
                ).where(FollowUp.id.in_([fid for fid, _a in rows])).execute()
                woken.update(int(account_id) for _f, account_id in rows)
        return woken
    woken = set()
    for item in _snoozed(sorted(reasons), today).order_by(FollowUp.id):
        reason = reasons[item.account_id][:200]
        before = snapshot(item, _STATE)
        item.due_on = today
        item.snoozed_until = None
        item.woke_reason = reason
        item.version += 1
        item.save()
        ch.updated(item, before, f"woke {item.title}: {reason}", action="wake")
        woken.add(int(item.account_id))
    return woken


def inbound_reason(kind: str, summary: str) -> str:
    return f"the client got in touch ({kind}): {summary}"


def concern_reason(severity: str, title: str) -> str:
    return f"a {severity} concern was opened: {title}"


def band_drop_reason(old: HealthBand, new: HealthBand, old_score: int, new_score: int) -> str:
    return f"health dropped from {old.label} to {new.label} ({old_score} → {new_score})"
