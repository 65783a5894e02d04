"""Who is acting, on which day, under which health formula: passed to every service."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from acct_tui.clock import Clock, SystemClock
from acct_tui.services.health import DEFAULT_POLICY, HealthPolicy
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
class Ctx:
    """The acting agent, the clock and the health policy for one session."""

    agent: AgentRef
    clock: Clock = field(default_factory=SystemClock)
    policy: HealthPolicy = DEFAULT_POLICY
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def today(self) -> dt.date:
        return self.clock.today()

    def now(self) -> dt.datetime:
        return self.clock.now()
