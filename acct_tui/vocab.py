"""The words of the domain: every enumerated value the database stores.

Plain Python with no dependencies, so models, services and screens share one
vocabulary. Values are what the database holds; `label` is what a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A string enum whose members read well in a sentence."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").replace("-", " ")


class Role(Labelled):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


class Tier(Labelled):
    """Account tiers, largest first; each carries a default contact cadence."""

    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


DEFAULT_CADENCE_DAYS: dict[Tier, int] = {
    Tier.PLATINUM: 7,
    Tier.GOLD: 14,
    Tier.SILVER: 30,
    Tier.BRONZE: 60,
}


class Stage(Labelled):
    """Where the account is in its lifecycle."""

    ONBOARDING = "onboarding"
    ACTIVE = "active"
    EXPANDING = "expanding"
    RENEWING = "renewing"
    CHURNED = "churned"


class ActivityKind(Labelled):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    SUPPORT = "support"
    HANDOFF = "handoff"


# Kinds that are a touch with the client: logging one resets the contact cadence.
TOUCH_KINDS: frozenset[ActivityKind] = frozenset(
    {ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.SUPPORT}
)


class Direction(Labelled):
    OUTBOUND = "outbound"
    INBOUND = "inbound"
    INTERNAL = "internal"


class FollowUpKind(Labelled):
    CHECK_IN = "check-in"
    RENEWAL = "renewal"
    UPSELL = "upsell"
    SUPPORT = "support"
    TECHNICAL = "technical"
    BILLING = "billing"
    HANDOFF = "handoff"
    MEETING = "meeting"
    """A meeting on the calendar, planned for its day (`import calendar`)."""


class Priority(Labelled):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class FollowUpStatus(Labelled):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Severity(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ConcernStatus(Labelled):
    OPEN = "open"
    RESOLVED = "resolved"


class OpportunityKind(Labelled):
    UPSELL = "upsell"
    CROSS_SELL = "cross-sell"
    EXPANSION = "expansion"
    RENEWAL_UPLIFT = "renewal-uplift"


class OpportunityStage(Labelled):
    IDENTIFIED = "identified"
    QUALIFIED = "qualified"
    PROPOSED = "proposed"
    NEGOTIATING = "negotiating"
    WON = "won"
    LOST = "lost"


class OpportunityStatus(Labelled):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class HealthBand(Labelled):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at_risk"

    @property
    def symbol(self) -> str:
        """A glyph that tells the band apart without colour."""
        return _BAND_SYMBOL[self]

    @property
    def rank(self) -> int:
        """0 for the worst band, so an ascending sort puts risk first."""
        return _BAND_RANK[self]


_BAND_SYMBOL = {HealthBand.HEALTHY: "●", HealthBand.WATCH: "◐", HealthBand.AT_RISK: "▲"}
_BAND_RANK = {HealthBand.AT_RISK: 0, HealthBand.WATCH: 1, HealthBand.HEALTHY: 2}


class SubscriptionStatus(Labelled):
    ACTIVE = "active"
    CANCELLED = "cancelled"
