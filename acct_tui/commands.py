"""Command palette providers: every action of the current screen, and a jump to any account.

The account search goes through the portfolio service, so it only ever
offers accounts the agent may see, and runs off the event loop.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from acct_tui.text import inert


class ActionsProvider(Provider):
    """Each key of the screen the palette was opened from, by its description."""

    def _commands(self) -> list[tuple[str, str, Any, str]]:
        seen: set[str] = set()
        commands = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
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
        from acct_tui.services.portfolio import PortfolioQuery, SortKey, portfolio_rows

        app: Any = self.app
        rows = await asyncio.to_thread(portfolio_rows, app.ctx, PortfolioQuery(text=text, sort=SortKey.NAME), 0, 25)
        matcher = self.matcher(text)
        for row in rows:
            name = inert(row.name)
            score = matcher.match(name) or 0.3
            label = Content("Open account: ") + matcher.highlight(name)
            yield Hit(
                score,
                label,
                partial(app.open_account, row.id),
                text=f"Open account: {name}",
                help=f"{row.tier} · {row.industry} · owner {row.owner_name}",
            )
