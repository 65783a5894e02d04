"""The morning digest: what the Today walk holds, the renewals of the next 30 days and the accounts that
dropped a health band since yesterday, as plain text for a mail body or as JSON.

A band drop compares the band now with the one in force when yesterday began
(the account's latest health history row from before yesterday): a drop that
happened yesterday, after yesterday's digest went out, is still reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import fn

from acct_tui.models import Account, FollowUp, HealthHistory
from acct_tui.services.context import Ctx
from acct_tui.services.reads.upkeep import ItemKind, daily_upkeep
from acct_tui.services.store.rows import as_date, tuple_rows
from acct_tui.services.store.unit import reading
from acct_tui.vocab import FollowUpKind, FollowUpStatus, HealthBand, Stage

RENEWAL_DAYS = 30


@dataclass(frozen=True)
class WalkLine:
    kind: str
    account_id: int
    account: str
    why: str
    followup_id: int | None
    title: str


@dataclass(frozen=True)
class RenewalLine:
    account_id: int
    account: str
    renewal_on: dt.date
    days: int
    arr: Decimal
    currency: str
    band: str
    planned: bool
    """An open renewal follow-up (not just the automatic checkpoint) exists."""


@dataclass(frozen=True)
class BandDrop:
    account_id: int
    account: str
    was: str
    now: str
    score: int


@dataclass(frozen=True)
class Digest:
    agent: str
    today: dt.date
    walk: tuple[WalkLine, ...]
    renewals: tuple[RenewalLine, ...]
    drops: tuple[BandDrop, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "today": self.today.isoformat(),
            "walk": [vars(line) for line in self.walk],
            "renewals": [{**vars(r), "renewal_on": r.renewal_on.isoformat(), "arr": str(r.arr)} for r in self.renewals],
            "band_drops": [vars(d) for d in self.drops],
        }


def morning_digest(ctx: Ctx, *, renewal_days: int = RENEWAL_DAYS) -> Digest:
    """The acting agent's digest for today (the caller refreshes stale health first)."""
    today = ctx.today
    walk = tuple(
        WalkLine(
            kind=item.kind.value,
            account_id=item.account_id,
            account=item.account_name,
            why=item.why,
            followup_id=item.followup.id if item.followup else None,
            title=item.followup.title if item.followup else "",
        )
        for item in daily_upkeep(ctx)
    )
    me = ctx.agent.id
    live = Account.stage != Stage.CHURNED.value
    with reading():
        rows = list(
            tuple_rows(
                Account.select(
                    Account.id, Account.name, Account.renewal_on, Account.arr, Account.currency, Account.health_band
                )
                .where(
                    Account.owner == me,
                    live,
                    Account.renewal_on.between(today, today + dt.timedelta(days=renewal_days)),
                )
                .order_by(Account.renewal_on, Account.id)
            )
        )
        planned = {
            int(account_id)
            for (account_id,) in tuple_rows(
                FollowUp.select(FollowUp.account).where(
                    FollowUp.account.in_([r[0] for r in rows]),
                    FollowUp.status == FollowUpStatus.OPEN.value,
                    FollowUp.kind == FollowUpKind.RENEWAL.value,
                    FollowUp.checkpoint.is_null(),
                )
            )
        }
        renewals = tuple(
            RenewalLine(
                account_id=int(i),
                account=str(name),
                renewal_on=as_date(on),
                days=(as_date(on) - today).days,
                arr=Decimal(str(arr)),
                currency=str(currency),
                band=str(band),
                planned=int(i) in planned,
            )
            for i, name, on, arr, currency, band in rows
        )
        yesterday = today - dt.timedelta(days=1)
        before = (
            HealthHistory.select(HealthHistory.account, fn.MAX(HealthHistory.day).alias("day"))
            .join(Account, on=(HealthHistory.account == Account.id))
            .where(Account.owner == me, live, HealthHistory.day < yesterday)
            .group_by(HealthHistory.account)
        )
        # Only accounts whose score moved since then can have dropped.
        moved = HealthHistory.select(HealthHistory.account).where(HealthHistory.day >= yesterday)
        then = list(tuple_rows(
            HealthHistory.select(HealthHistory.account, HealthHistory.band, Account.name, Account.health_band,
                                 Account.health_score)
            .join(before, on=((HealthHistory.account == before.c.account_id) & (HealthHistory.day == before.c.day)))
            .switch(HealthHistory)
            .join(Account, on=(HealthHistory.account == Account.id))
            .where(HealthHistory.account.in_(moved))
            .order_by(Account.health_score, Account.id)
        ))  # fmt: skip
    drops = tuple(
        BandDrop(account_id=int(i), account=str(name), was=str(was), now=str(now), score=int(score))
        for i, was, name, now, score in then
        if HealthBand(str(now)).rank < HealthBand(str(was)).rank
    )
    return Digest(agent=ctx.agent.login, today=today, walk=walk, renewals=renewals, drops=drops)


_HEADINGS = {
    ItemKind.FOLLOWUP.value: "Follow-ups due",
    ItemKind.QUIET.value: "Gone quiet",
    ItemKind.RENEWAL.value: "Renewals without a plan",
    ItemKind.AT_RISK.value: "At risk",
}


def digest_text(digest: Digest) -> str:
    """The digest as plain text: short lines, no colour, readable in any mail client."""
    from acct_tui.services.io.exports import scrub

    lines = [f"acct-tui digest for {digest.agent}, {digest.today.isoformat()}", ""]
    lines.append(f"Today's walk: {len(digest.walk)} item{'s' if len(digest.walk) != 1 else ''}")
    order = list(dict.fromkeys(line.kind for line in digest.walk))
    for kind in order:
        group = [line for line in digest.walk if line.kind == kind]
        lines.append(f"  {_HEADINGS.get(kind, kind)} ({len(group)})")
        for line in group:
            what = f"#{line.followup_id} {line.title}: " if line.followup_id is not None else ""
            lines.append(f"    - {scrub(line.account)}: {scrub(what)}{scrub(line.why)}")
    if not digest.walk:
        lines.append("  nothing to walk today")
    lines += ["", f"Renewals in the next {RENEWAL_DAYS} days: {len(digest.renewals)}"]
    for r in digest.renewals:
        plan = "planned" if r.planned else "NO PLAN"
        lines.append(
            f"  - {r.renewal_on.isoformat()} (in {r.days} d) {scrub(r.account)}: {r.arr:,.0f} {r.currency}, "
            f"{HealthBand(r.band).label}, {plan}"
        )
    lines += ["", f"Dropped a health band since yesterday: {len(digest.drops)}"]
    for d in digest.drops:
        lines.append(
            f"  - {scrub(d.account)}: {HealthBand(d.was).label} -> {HealthBand(d.now).label} (score {d.score})"
        )
    return "\n".join(lines) + "\n"
