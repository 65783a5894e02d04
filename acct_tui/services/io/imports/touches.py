"""A CRM's last activity date as an account's last touch: one timeline entry per account, marked imported.

The account's derived columns (last touch, when the next is due, health) are
always recomputed from the timeline, so a touch kept anywhere else would be
lost on the next refresh; an entry of a touch kind keeps them right through
every refresh, and a later real activity simply wins. The entry's external id
names the account, so a re-import moves it rather than adding another, and
importing the CRM's tasks and events (what the date was computed from)
retires it, audited so undo brings it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from acct_tui.models import Activity
from acct_tui.services.context import Ctx
from acct_tui.services.io.imports.base import ACTIVITY_CREATE_FIELDS, ACTIVITY_EDITABLE, Op, Plan, chunked, tuple_rows
from acct_tui.services.store.derived import local_date
from acct_tui.services.store.unit import snapshot, to_json
from acct_tui.vocab import TOUCH_KINDS, ActivityKind, Direction

# The timeline entry that carries a CRM's last activity date, one per account (its external id names the account).
LAST_ACTIVITY_PREFIX = "crm-last-activity:"
LAST_ACTIVITY_KIND = ActivityKind.CALL.value
"""A touch kind, so the cadence counts from it; its summary and outcome say it was imported."""


@dataclass
class AccountPlan(Plan):
    """An accounts plan, plus the last-touch timeline entries it writes with the accounts."""

    touch_creates: list[tuple[Op, dt.datetime]] = field(default_factory=list)
    """(the account's op, its last activity) for accounts that get a new entry."""
    touch_updates: list[Op] = field(default_factory=list)
    """Entries already there whose moment moves (values: {"occurred_at": ...})."""


def plan_touch_updates(touches: dict[int, dt.datetime], result: AccountPlan) -> None:
    """For matched accounts: add or move the imported last-touch entry unless a real touch is as late."""
    if not touches:
        return
    ids = sorted(touches)
    markers: dict[int, tuple[int, dt.datetime]] = {}
    latest_real: dict[int, dt.datetime] = {}
    kinds = [k.value for k in TOUCH_KINDS]
    for chunk in chunked(ids):
        names = [f"{LAST_ACTIVITY_PREFIX}{account_id}" for account_id in chunk]
        for activity_id, account_id, moment in tuple_rows(
            Activity.select(Activity.id, Activity.account, Activity.occurred_at).where(Activity.external_id.in_(names))
        ):
            markers[account_id] = (activity_id, _as_datetime(moment))
        real = (
            Activity.select(Activity.account, fn.MAX(Activity.occurred_at))
            .where(
                Activity.account.in_(list(chunk)),
                Activity.kind.in_(kinds),
                Activity.external_id.is_null() | ~Activity.external_id.startswith(LAST_ACTIVITY_PREFIX),
            )
            .group_by(Activity.account)
        )
        for account_id, moment in tuple_rows(real):
            latest_real[account_id] = _as_datetime(moment)
    for account_id in ids:
        moment = touches[account_id]
        real_moment = latest_real.get(account_id)
        if real_moment is not None and real_moment >= moment:
            continue  # a logged activity is as late or later: it is the last touch
        marker = markers.get(account_id)
        if marker is None:
            op = Op(0, "create", {}, account_id=account_id)
            op.record_id = account_id
            result.touch_creates.append((op, moment))
        elif marker[1] != moment:
            result.touch_updates.append(
                Op(
                    0,
                    "update",
                    {"occurred_at": moment},
                    record_id=marker[0],
                    before={"occurred_at": to_json(marker[1])},
                    account_id=account_id,
                    label="import moved the CRM's last activity",
                )
            )
        else:
            continue
        result.refresh.add(account_id)


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def retire_covered(
    creates: Sequence[Op], retired: list[tuple[int, int, dict[str, Any]]], refresh: set[int], notes: list[str]
) -> None:
    """Drop an account's "last activity in the CRM" entry once an imported touch is as late.

    The CRM's last activity date is computed from its tasks and events; once those are
    imported the entry standing in for them would only show the same touch twice.
    """
    touch_kinds = {k.value for k in TOUCH_KINDS}
    latest: dict[int, dt.datetime] = {}
    for op in creates:
        if op.values["kind"] in touch_kinds:
            account_id = int(op.account_id or 0)
            moment = op.values["occurred_at"]
            if account_id not in latest or moment > latest[account_id]:
                latest[account_id] = moment
    if not latest:
        return
    for chunk in chunked(sorted(latest)):
        names = [f"{LAST_ACTIVITY_PREFIX}{account_id}" for account_id in chunk]
        for marker in Activity.select().where(Activity.external_id.in_(names)):
            values = snapshot(marker)
            account_id = int(str(values["account"]))
            if _as_datetime(marker.occurred_at) <= latest[account_id]:
                retired.append((int(marker.id), account_id, values))
                refresh.add(account_id)
    if retired:
        count = len(retired)
        notes.append(
            f'{count:,} imported "last activity in the CRM" {"entries" if count != 1 else "entry"} '
            "gave way to the activities imported now"
        )


def write_touches(ctx: Ctx, result: AccountPlan, change_id: str) -> None:
    from acct_tui.services.io.imports.write import apply_updates, audit, indexes_deferred, insert_creates, reserve_ids

    now = ctx.now()
    ops = []
    days: dict[dt.datetime, dt.date | None] = {}  # a CRM export's dates repeat: each converted once
    for account_op, moment in result.touch_creates:
        day = days.get(moment)
        if day is None:
            day = days[moment] = local_date(moment)
        account_id = int(account_op.account_id or 0)
        data = {
            "account": account_id, "kind": LAST_ACTIVITY_KIND, "direction": Direction.INTERNAL.value,
            "occurred_at": moment, "agent": None, "contact": None,
            "summary": "Last activity in the CRM (imported; the export does not say what it was)",
            "body": "",
            "outcome": "imported", "external_id": f"{LAST_ACTIVITY_PREFIX}{account_id}", "created_at": now,
        }  # fmt: skip
        ops.append(
            Op(
                account_op.line,
                "create",
                data,
                account_id=account_id,
                label=f"imported last activity {day}",
            )
        )
    for op, activity_id in zip(ops, reserve_ids(Activity, len(ops)), strict=True):
        op.record_id = activity_id
    with indexes_deferred(Activity, len(ops)):
        insert_creates(Activity, ops, ACTIVITY_CREATE_FIELDS)
    apply_updates(Activity, result.touch_updates, now)
    audit(ctx, change_id, Activity, [*ops, *result.touch_updates], ("account", *ACTIVITY_EDITABLE))
