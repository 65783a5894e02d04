"""Who is acting, on which day, under which health formula and plan, in which context: passed to every service."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from acct_tui.clock import Clock, SystemClock
from acct_tui.services.domain.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.domain.policy import WorkPlan
from acct_tui.vocab import Role


@dataclass(frozen=True)
class AgentRef:
    """An agent as the services see one: plain values, safe to pass between threads."""

    id: int
    login: str
    name: str
    role: Role
    team_id: int | None = None
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role is Role.LEAD


@dataclass(frozen=True)
class ActiveContext:
    """A named filter (tier, owner, team, industry) every view is narrowed by."""

    name: str
    terms: tuple[tuple[str, str], ...]
    """The pairs to filter by, a team given by its id (as text): what `PortfolioQuery.context` reads."""
    shown: tuple[tuple[str, str], ...] = ()
    """The pairs as the config wrote them (a team by its name), for people to read."""

    def describe(self) -> str:
        return ", ".join(f"{key} {value}" for key, value in (self.shown or self.terms))


class ChangeListener(Protocol):
    """Told of each change once its transaction has committed (the hooks, `acct_tui.hooks`).

    `change` is the `store.audit.Change` that committed; the call runs on the writing thread,
    inside its connection, and must return at once (anything slow goes to a thread of its own).
    """

    def committed(self, ctx: Ctx, change: Any) -> None: ...


@dataclass(frozen=True)
class Ctx:
    """The acting agent, the clock, the health policy, the work plan and the active context for one session."""

    agent: AgentRef
    clock: Clock = field(default_factory=SystemClock)
    policy: HealthPolicy = DEFAULT_POLICY
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    plan: WorkPlan = field(default_factory=WorkPlan)
    context: ActiveContext | None = None
    listener: ChangeListener | None = field(default=None, compare=False, repr=False)
    """Told of every committed change (hooks); None: nobody listens (tests, served sessions, hooks off)."""

    @property
    def today(self) -> dt.date:
        return self.clock.today()

    def now(self) -> dt.datetime:
        return self.clock.now()
