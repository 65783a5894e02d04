"""The reading verbs' answers: the portfolio, an account, a health explanation, a what-if.

Each returns an `Outcome` holding plain data (for `--json`) and a plain-text
rendering (for a terminal or the dashboard's reading view). Text from the
database is made inert before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from acct_tui.models import AuditEntry
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound
from acct_tui.services.grammar.outcome import Outcome, plain
from acct_tui.services.grammar.syntax import CommandError
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import reading
from acct_tui.text import fit, inert


def _outcome(message: str, data: dict[str, Any], text: str = "") -> Outcome:
    return Outcome(message, plain(data), text=text)


def account_version(ctx: Ctx, account_id: int) -> int:
    with reading():
        return int(require_account(ctx.agent, account_id).version)


def latest_change(ctx: Ctx) -> str:
    """The id of the agent's newest change that can still be undone, from any session.

    The background checkpoint runs (every entry a "checkpoint") are nobody's action to undo.
    """
    with reading():
        entry = (
            AuditEntry.select(AuditEntry.change_id)
            .where(
                AuditEntry.agent == ctx.agent.id,
                AuditEntry.undone_by.is_null(),
                AuditEntry.action.not_in(["undo", "checkpoint"]),
            )
            .order_by(AuditEntry.id.desc())
            .first()
        )
    if entry is None:
        raise NotFound("you have no change to undo")
    return str(entry.change_id)


def portfolio(ctx: Ctx, args: Mapping[str, Any]) -> Outcome:
    from acct_tui.services.reads.history import health_trends
    from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter, SortKey, portfolio_count, portfolio_rows

    saved: dict[str, Any] = {}
    if args.get("view"):
        from acct_tui.services.writes.views import saved_view

        saved = saved_view(ctx, args["view"]).state
    # An option left at its default takes the saved view's value; one given wins.
    sort_name = str(args.get("sort") or "health")
    try:
        sort = SortKey(saved.get("sort", sort_name) if sort_name == "health" else sort_name)
    except ValueError:
        raise CommandError(f"--sort takes {', '.join(k.value for k in SortKey)}") from None
    quick = str(args.get("quick") or "all")
    query = PortfolioQuery(
        text=str(args.get("filter") or saved.get("text") or ""),
        quick=QuickFilter(saved.get("quick", quick) if quick == "all" else quick),
        mine=bool(args.get("mine") or saved.get("mine")),
        sort=sort,
        descending=bool(args.get("desc") or saved.get("descending")),
        context=ctx.context.terms if ctx.context else (),
    )
    limit = max(1, int(args.get("limit") or 50))
    rows = portfolio_rows(ctx, query, 0, limit)
    total = portfolio_count(ctx, query)
    trends = health_trends([r.id for r in rows], ctx.today)
    data = {
        "total": total,
        "context": ctx.context.name if ctx.context else None,
        "rows": [
            {
                "id": r.id,
                "name": r.name,
                "tier": r.tier,
                "industry": r.industry,
                "health": {"score": r.health_score, "band": r.health_band, "trend": trends[r.id].word},
                "arr": r.arr,
                "currency": r.currency,
                "renewal_on": r.renewal_on,
                "last_touch_on": r.last_touch_on,
                "next_followup_on": r.next_followup_on,
                "owner": r.owner_login,
                "open_concerns": r.open_concerns,
                "overdue_followups": r.overdue_followups,
            }
            for r in rows
        ],
    }
    lines = [
        f"#{r.id:<7} {r.health_band.symbol} {r.health_score:>3} {trends[r.id].symbol} {r.tier:<9} "
        f"{fit(inert(r.name), 32)} {r.arr:>14,.0f} {r.currency} "
        f"{r.renewal_on.isoformat() if r.renewal_on else '-':<10} {inert(r.owner_login)}"
        for r in rows
    ]
    lines.append(f"{len(rows)} of {total:,} accounts" + (f" in context {ctx.context.name}" if ctx.context else ""))
    return _outcome(f"{total} accounts", data, "\n".join(lines))


def show_account(ctx: Ctx, account_id: int) -> Outcome:
    from acct_tui.services.reads.detail import client_detail

    detail = client_detail(ctx, account_id, timeline_limit=5)
    card = detail.card
    data = {
        "id": card.id,
        "name": card.name,
        "tier": card.tier,
        "industry": card.industry,
        "domain": card.domain,
        "owner": card.owner_login,
        "arr": card.arr,
        "currency": card.currency,
        "stage": card.stage,
        "renewal_on": card.renewal_on,
        "satisfaction": card.satisfaction,
        "last_touch_on": card.last_touch_on,
        "next_followup_on": card.next_followup_on,
        "phone": card.phone,
        "city": card.city,
        "country": card.country,
        "employees": card.employees,
        "client_since": card.client_since,
        "version": card.version,
        "health": {"score": detail.health.score, "band": detail.health.band},
        "followups": [
            {"id": f.id, "title": f.title, "kind": f.kind, "due_on": f.due_on, "snoozed_until": f.snoozed_until}
            for f in detail.followups
        ],
        "concerns": [
            {"id": c.id, "title": c.title, "severity": c.severity, "status": c.status} for c in detail.concerns
        ],
        "contacts": [{"id": c.id, "name": c.name, "email": c.email} for c in detail.contacts],
    }
    lines = [
        f"{inert(card.name)} (#{card.id}) · {card.tier} · owner {inert(card.owner_login)} · ARR {card.arr:,.0f} "
        f"{card.currency}",
        f"renewal {card.renewal_on or 'none'} · health {detail.health.score} {detail.health.band.label}"
        f" · version {card.version}",
    ]
    about = [
        ", ".join(inert(p) for p in (card.city, card.country) if p),
        f"{card.employees:,} employees" if card.employees is not None else "",
        inert(card.phone),
        f"client since {card.client_since}" if card.client_since else "",
    ]
    if any(about):
        lines.append(" · ".join(p for p in about if p))
    lines += [f"  follow-up #{f.id} due {f.due_on}: {inert(f.title)}" for f in detail.followups]
    lines += [f"  concern #{c.id} {c.severity} {c.status}: {inert(c.title)}" for c in detail.concerns]
    return _outcome(card.name, data, "\n".join(lines))


def explain(ctx: Ctx, account_id: int) -> Outcome:
    from acct_tui.services.reads.explain import explain_account

    why = explain_account(ctx, account_id)
    data = {
        "account_id": why.account_id,
        "name": why.name,
        "tier": why.tier,
        "score": why.score,
        "band": why.band,
        "stored_score": why.stored_score,
        "factors": [{"key": f.key, "label": f.label, "points": f.points, "detail": f.detail} for f in why.factors],
        "formula": {"cadence_days": why.cadence_days, "healthy_at": why.healthy_at, "watch_at": why.watch_at},
        "next_change": why.next_change,
        "trend": {"direction": why.trend.word, "delta": why.trend.delta, "since": why.trend.since},
        "history": [{"day": p.day, "score": p.score, "band": p.band} for p in why.history],
    }
    lines = [f"{inert(why.name)} · {why.tier} · health {why.score} {why.band.label} {why.band.symbol}", ""]
    lines += [f"{f.points:+4d}  {f.label}: {f.detail}" for f in why.factors]
    lines += [
        "",
        f"starts at 100; healthy from {why.healthy_at}, watch from {why.watch_at}, at risk below; "
        f"{why.tier} cadence {why.cadence_days} days",
        f"trend over 30 days: {why.trend.word} ({why.trend.delta:+d})"
        + (f"; next moves by itself on {why.next_change}" if why.next_change else ""),
    ]
    if why.history:
        lines.append("history: " + ", ".join(f"{p.day:%d %b} {p.score}" for p in why.history))
    return _outcome(f"{why.name}: {why.score} {why.band.label}", data, "\n".join(lines))


def what_if(ctx: Ctx, settings: Sequence[str], raw: Mapping[str, object], *, limit: int = 50) -> Outcome:
    from acct_tui.services.reads.explain import what_if as score_book

    result = score_book(ctx, settings, raw)
    data = {
        "settings": list(result.settings),
        "accounts": result.accounts,
        "bands": {"before": result.bands_before, "after": result.bands_after},
        "scores_changed": result.scores_changed,
        "changed_band": [
            {
                "id": m.id,
                "name": m.name,
                "tier": m.tier,
                "before": {"score": m.score_before, "band": m.band_before, "rank": m.rank_before},
                "after": {"score": m.score_after, "band": m.band_after, "rank": m.rank_after},
            }
            for m in result.moved
        ],
        "formula": result.policy_after,
        "saved": False,
    }
    lines = [what_if_summary(result), ""]
    for m in result.moved[:limit]:
        lines.append(
            f"{'▼' if m.worse else '▲'} {fit(inert(m.name), 30)} {m.score_before:>3} {m.band_before.label:<8} → "
            f"{m.score_after:>3} {m.band_after.label:<8} rank {m.rank_before} → {m.rank_after}"
        )
    if len(result.moved) > limit:
        lines.append(f"… and {len(result.moved) - limit} more (--limit N, or --json for all)")
    lines.append("Nothing was saved: put the values in the config file to keep them.")
    return _outcome(what_if_summary(result), data, "\n".join(lines))


def what_if_summary(result: Any) -> str:
    bands = " · ".join(
        f"{band.replace('_', ' ')} {result.bands_before[band]} → {result.bands_after[band]}"
        for band in result.bands_before
    )
    return (
        f"{len(result.moved)} of {result.accounts:,} accounts change band, {result.scores_changed:,} change score · "
        + bands
    )
