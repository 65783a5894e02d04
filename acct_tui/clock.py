"""Time as the application sees it: injected, so "today" is testable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Naive UTC now."""
        ...

    def today(self) -> dt.date:
        """The agent's local calendar date."""
        ...


class SystemClock:
    """The real clock: UTC for timestamps, the machine's zone for dates."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def today(self) -> dt.date:
        return dt.date.today()


@dataclass
class FixedClock:
    """A clock that stays where it is put (tests, screenshots, demos)."""

    moment: dt.datetime

    @classmethod
    def on(cls, day: dt.date, hour: int = 10) -> FixedClock:
        return cls(dt.datetime.combine(day, dt.time(hour)))

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()

    def advance(self, days: int = 0, hours: int = 0) -> None:
        self.moment += dt.timedelta(days=days, hours=hours)


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored naive-UTC timestamp in the machine's zone, for display."""
    return moment.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
