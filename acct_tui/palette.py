"""Command palette providers: every action of the current screen, a jump to any account, and the contexts.

The account search goes through the portfolio service, so it only ever
offers accounts the agent may see, and runs off the event loop. The palette
reads a hit's help line as markup, and so does `Matcher.highlight`: stored
text is escaped in the one and highlighted without it in the other.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from acct_tui.text import clip, inert

if TYPE_CHECKING:
    from acct_tui.app import AcctApp

NAME_CELLS = 80
"""A hit shows this much of an account's name: a 10,000-character name must not fill the palette."""


def _acct(provider: Provider) -> AcctApp:
    """The app a palette provider runs in, typed."""
    return cast("AcctApp", provider.app)


def highlight(matcher: Matcher, text: str) -> Content:
    """`matcher.highlight(text)` for stored text: the matched letters marked, brackets never read as markup."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ActionsProvider(Provider):
    """Each key of the screen the palette was opened from, by its description."""

    def _commands(self) -> list[tuple[str, str, Any, str]]:
        seen: set[str] = set()
        commands = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            if binding.id is None:
                continue  # Textual's own keys (Scroll Up, Focus Next): every key of ours has an id
            seen.add(binding.action)
            commands.append((binding.description, binding.tooltip or binding.description, active.node, binding.action))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, node, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, node, action in self._commands():
            score = max(matcher.match(title), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action, node), help=help_text)

    async def _run(self, action: str, node: Any) -> None:
        await self.app.run_action(action, node)


class AccountsProvider(Provider):
    """ "Open account: Acme" for every visible account whose name, domain or contact matches."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < 2:
            return
        from acct_tui.services.reads.portfolio import PortfolioQuery, SortKey, portfolio_rows

        app = _acct(self)
        rows = await asyncio.to_thread(portfolio_rows, app.ctx, PortfolioQuery(text=text, sort=SortKey.NAME), 0, 25)
        matcher = self.matcher(text)
        for row in rows:
            name = clip(inert(row.name), NAME_CELLS)
            score = matcher.match(name) or 0.3
            label = Content("Open account: ") + highlight(matcher, name)
            about = f"{row.tier} · {clip(inert(row.industry), NAME_CELLS)} · owner {clip(inert(row.owner_name), 40)}"
            yield Hit(
                score,
                label,
                partial(app.open_account, row.id),
                text=f"Open account: {name}",
                help=escape(about),
            )


class ContextsProvider(Provider):
    """ "Context: enterprise" for each `[contexts.NAME]` of the config file, and "Context: none"."""

    def _contexts(self) -> list[tuple[str, str, str]]:
        from acct_tui.services.domain.policy import PolicyError
        from acct_tui.services.reads.contexts import contexts_from_config

        app = _acct(self)
        raw = app.settings.as_config() if app.settings is not None else {}
        try:
            definitions = contexts_from_config(raw)
        except PolicyError:
            return []
        found = [
            (f"Context: {name}", ", ".join(f"{k} {v}" for k, v in terms.items()), name)
            for name, terms in sorted(definitions.items())
        ]
        if found:
            found.append(("Context: none", "Every account you may see, in every view.", ""))
        return found

    async def discover(self) -> Hits:
        for title, help_text, name in self._contexts():
            yield DiscoveryHit(Content(inert(title)), partial(self._switch, name), help=escape(inert(help_text)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, name in self._contexts():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, inert(title)), partial(self._switch, name), help=escape(inert(help_text))
                )

    async def _switch(self, name: str) -> None:
        from acct_tui.screens.command_line import apply_outcome
        from acct_tui.services.grammar import Command, execute

        app = _acct(self)
        raw = app.settings.as_config() if app.settings is not None else {}
        command = Command("context", {"words": [name] if name else []}, origin="prompt")
        app.run_service(
            execute,
            app.ctx,
            command,
            raw,
            then=lambda outcome: apply_outcome(app, outcome, said=False),
            group="context",
        )


class ViewsProvider(Provider):
    """ "View: renewals-q1" for each view the agent saved (`:save NAME`, or `V` on the portfolio)."""

    async def _views(self) -> list[Any]:
        from acct_tui.services.writes.views import saved_views

        app = _acct(self)
        return await asyncio.to_thread(saved_views, app.ctx)

    async def discover(self) -> Hits:
        for view in await self._views():
            yield DiscoveryHit(
                Content(f"View: {inert(view.name)}"),
                partial(self._show, view.state),
                help=escape(inert(view.describe())),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for view in await self._views():
            title = f"View: {inert(view.name)}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, title), partial(self._show, view.state), help=escape(view.describe())
                )

    async def _show(self, state: dict[str, Any]) -> None:
        _acct(self).show_portfolio_view(state)
