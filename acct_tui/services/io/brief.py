"""A Markdown brief of one account, for a call or a handoff.

The card, the health score and the factors behind it, contacts, open
follow-ups and concerns, opportunities, the last touches and the notes.
Stored text is escaped so nothing a client or a colleague typed can turn
into a link, a heading, a table cell or HTML when the brief is rendered.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from acct_tui.services.context import Ctx
from acct_tui.services.domain.dates import days_ago, days_until, describe_due
from acct_tui.services.io.exports import scrub
from acct_tui.services.reads.detail import ClientDetail, client_detail
from acct_tui.vocab import ConcernStatus, HealthBand, OpportunityStatus

LAST_TOUCHES = 5
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#|~&!])")
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def md(text: object) -> str:
    """Stored text as inert Markdown on one line: markup characters escaped, nothing can link or nest."""
    flat = " ".join(scrub(str(text)).split())
    escaped = _MARKUP.sub(r"\\\1", flat)
    return _LINE_START.sub(lambda m: m.group() + "\\" if m.group().isdigit() else "\\" + m.group(), escaped)


def md_block(text: str) -> list[str]:
    """Multi-line stored text as a quoted block, each line escaped."""
    return [f"> {md(line)}" if line.strip() else ">" for line in scrub(text).splitlines()]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "-"


def _when(text: str) -> str:
    return f" ({md(text)})" if text else ""


def account_brief(ctx: Ctx, account_id: int) -> str:
    """The brief as Markdown text; NotFound when the agent may not see the account."""
    return render_brief(client_detail(ctx, account_id, timeline_limit=LAST_TOUCHES), ctx)


def render_brief(detail: ClientDetail, ctx: Ctx) -> str:
    card, health, today = detail.card, detail.health, ctx.today
    band = HealthBand(health.band)
    lines = [
        f"# {md(card.name)}",
        "",
        f"Brief prepared {today.isoformat()} by {md(ctx.agent.name)}.",
        "",
        "| | |",
        "|---|---|",
        f"| Owner | {md(card.owner_name)} ({md(card.owner_login)}) |",
        f"| Tier | {md(card.tier)} |",
        f"| Stage | {md(card.stage)} |",
        f"| ARR | {md(_money(card.arr, card.currency))} |",
        f"| Renewal | {_day(card.renewal_on)}{_when(days_until(card.renewal_on, today) if card.renewal_on else '')} |",
        f"| Health | {health.score} {md(band.label)} {band.symbol} |",
        f"| Last touch | {_day(card.last_touch_on)}{_when(days_ago(card.last_touch_on, today) if card.last_touch_on else '')} |",
        f"| Contact cadence | every {card.cadence_days} days |",
        f"| Next follow-up | {_day(card.next_followup_on)} |",
    ]
    if card.domain:
        lines.append(f"| Domain | {md(card.domain)} |")
    if card.industry:
        lines.append(f"| Industry | {md(card.industry)} |")
    if card.satisfaction is not None:
        lines.append(f"| Satisfaction | {card.satisfaction}/10 |")
    lines += ["", f"## Health: {health.score} ({md(band.label)} {band.symbol})", ""]
    for factor in health.factors:
        lines.append(f"- {factor.points:+d} {md(factor.label)}: {md(factor.detail)}")
    lines += ["", "## Contacts", ""]
    for contact in detail.contacts:
        reach = ", ".join(md(x) for x in (contact.email, contact.phone) if x)
        primary = " (primary)" if contact.is_primary else ""
        role = f", {md(contact.role)}" if contact.role else ""
        lines.append(f"- **{md(contact.name)}**{primary}{role}" + (f": {reach}" if reach else ""))
    if not detail.contacts:
        lines.append("No contacts recorded.")
    lines += ["", "## Open follow-ups", ""]
    for item in detail.followups:
        snoozed = f", snoozed until {_day(item.snoozed_until)}" if item.snoozed_until else ""
        lines.append(
            f"- {item.due_on.isoformat()} ({md(describe_due(item.due_on, today))}), {md(item.priority)}: "
            f"{md(item.title)} (assigned to {md(item.assignee)}{snoozed})"
        )
    if not detail.followups:
        lines.append("No open follow-ups.")
    lines += ["", "## Open concerns", ""]
    open_concerns = [c for c in detail.concerns if c.status == ConcernStatus.OPEN.value]
    for concern in open_concerns:
        ticket = f", ticket {md(concern.ticket_ref)}" if concern.ticket_ref else ""
        lines.append(
            f"- {md(concern.severity)}: {md(concern.title)} (opened {concern.opened_at.date().isoformat()}{ticket})"
        )
    if not open_concerns:
        lines.append("No open concerns.")
    lines += ["", "## Opportunities", ""]
    open_opportunities = [o for o in detail.opportunities if o.status == OpportunityStatus.OPEN.value]
    for opp in open_opportunities:
        close = f", expected to close {opp.expected_close.isoformat()}" if opp.expected_close else ""
        lines.append(
            f"- {md(opp.title)}: {md(opp.kind)}, {md(opp.stage)}, {md(_money(opp.amount, opp.currency))}{close}"
        )
    if not open_opportunities:
        lines.append("No open opportunities.")
    lines += ["", "## Last touches", ""]
    for touch in detail.timeline[:LAST_TOUCHES]:
        who = f" with {md(touch.contact)}" if touch.contact else ""
        outcome = f": {md(touch.outcome)}" if touch.outcome else ""
        lines.append(
            f"- {touch.occurred_at.date().isoformat()} {md(touch.kind)} ({md(touch.direction)}){who}: "
            f"{md(touch.summary)}{outcome}"
        )
    if not detail.timeline:
        lines.append("Nothing logged yet.")
    if card.notes.strip():
        lines += ["", "## Notes", "", *md_block(card.notes)]
    return "\n".join(lines) + "\n"
