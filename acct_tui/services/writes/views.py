"""Saved views: an agent names the portfolio's sort, filter and quick filters, and recalls them.

Stored per agent in the database (`SavedView`), so they follow the agent to any
terminal, over SSH too. A view is a preference, not client data: saving one is
not an undo step and is not audited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acct_tui.models import SavedView
from acct_tui.services.context import Ctx
from acct_tui.services.domain.validation import clean_text
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.store.unit import reading

FIELDS = ("text", "quick", "mine", "sort", "descending")
"""What a portfolio view holds (the fields of reads.portfolio.PortfolioQuery, the context aside)."""


@dataclass(frozen=True)
class View:
    name: str
    state: dict[str, Any]

    def describe(self) -> str:
        s = self.state
        parts = [f"sorted by {s.get('sort', 'health')}{' (desc)' if s.get('descending') else ''}"]
        if s.get("quick") and s["quick"] != "all":
            parts.append(str(s["quick"]).replace("_", " "))
        if s.get("mine"):
            parts.append("mine")
        if s.get("text"):
            parts.append(f"filter “{s['text']}”")
        return ", ".join(parts)


def _name(raw: object) -> str:
    name = clean_text(raw, "name", max_len=60)
    if not name:
        raise ValidationError("give the view a name: save renewals-q1", "name")
    return name


def _state(state: Mapping[str, Any]) -> dict[str, Any]:
    return {key: state[key] for key in FIELDS if key in state}


def save_view(ctx: Ctx, name: object, state: Mapping[str, Any], *, screen: str = "portfolio") -> View:
    """Save (or replace) the agent's view `name`."""
    clean = _name(name)
    data = _state(state)
    with reading():
        existing = SavedView.get_or_none(SavedView.agent == ctx.agent.id, SavedView.name == clean)
        if existing is None:
            SavedView.create(
                agent=ctx.agent.id, name=clean, screen=screen, state=json.dumps(data), created_at=ctx.now()
            )
        else:
            existing.state, existing.screen = json.dumps(data), screen
            existing.save()
    return View(clean, data)


def saved_views(ctx: Ctx) -> list[View]:
    """The agent's views, by name."""
    with reading():
        rows = list(SavedView.select().where(SavedView.agent == ctx.agent.id).order_by(SavedView.name))
    return [View(str(row.name), json.loads(row.state or "{}")) for row in rows]


def saved_view(ctx: Ctx, name: object) -> View:
    """The agent's view `name` (any case); NotFound naming the views there are."""
    wanted = str(name).strip().casefold()
    views = saved_views(ctx)
    for view in views:
        if view.name.casefold() == wanted:
            return view
    known = ", ".join(v.name for v in views) or "none yet (save one with :save NAME)"
    raise NotFound(f"no saved view {str(name).strip()!r}; yours: {known}")


def delete_view(ctx: Ctx, name: object) -> str:
    """Forget the agent's view `name` (any case); its name as it was saved."""
    view = saved_view(ctx, name)
    with reading():
        SavedView.delete().where(SavedView.agent == ctx.agent.id, SavedView.name == view.name).execute()
    return view.name
