"""Peewee models: the tables of an acct-tui database and nothing else.

The database is bound at start-up through `database_proxy` (see `acct_tui.db`);
nothing here connects. Enumerated columns hold the values of `acct_tui.vocab`;
the services validate them before they reach a model.

Timestamps are naive UTC; calendar dates (due, renewal) are the agent's dates.
The account row also carries the columns the portfolio sorts and filters by
(last touch, next follow-up, health, open concern count): the services keep
them current in the same transaction as the change that moves them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
    fn,
)

database_proxy = DatabaseProxy()


def utcnow() -> dt.datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _money(*, default: Decimal) -> DecimalField[Decimal]:
    """An amount of money: two decimals, rounded on the way in."""
    return DecimalField(max_digits=14, decimal_places=2, auto_round=True, default=default)


# Columns added after the first release carry a database-side DEFAULT too, so rows
# written by bulk loads (the seed, another tool) that name only the older columns still fit.

# Foreign keys get no index of their own where a composite index already starts
# with them (or where the parent is never deleted, like agents): every index
# costs each insert, and the activity table is the largest there is.


class BaseModel(Model):
    """The models' base: bound to `database_proxy`, tables named in snake case.

    Each foreign key `x` also reads as `x_id`, the bare id, without loading the row;
    peewee adds that accessor at class creation, so it is declared here as a bare
    annotation (nothing at run time) for the type checker to see.
    """

    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaMeta(BaseModel):
    """Key/value facts about the database itself (the schema version)."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()

    class Meta:
        table_name = "schema_meta"


class Team(BaseModel):
    id = AutoField()
    name = CharField(max_length=80, unique=True)


class Agent(BaseModel):
    """A person who works accounts: an account manager, a lead or an admin."""

    id = AutoField()
    login = CharField(max_length=64, unique=True)
    name = CharField(max_length=120)
    role = CharField(max_length=16, default="agent")
    team = ForeignKeyField(Team, null=True, backref="agents", on_delete="SET NULL")
    team_id: int | None
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class AgentKey(BaseModel):
    """An SSH public key that lets an agent into a served dashboard."""

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="keys", on_delete="CASCADE")
    agent_id: int
    algorithm = CharField(max_length=64)
    key_data = TextField()
    fingerprint = CharField(max_length=128, unique=True)
    comment = CharField(max_length=200, default="")
    added_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)


class Account(BaseModel):
    """A client account: what the manager edits, plus derived sort columns."""

    id = AutoField()
    name = CharField(max_length=200)
    sort_name = CharField(max_length=200)
    external_id = CharField(max_length=120, null=True, unique=True)
    domain = CharField(max_length=200, null=True, index=True)
    phone = CharField(max_length=40, default="", constraints=[SQL("DEFAULT ''")])
    city = CharField(max_length=120, default="", constraints=[SQL("DEFAULT ''")])
    country = CharField(max_length=80, default="", constraints=[SQL("DEFAULT ''")])
    employees = IntegerField(null=True)
    client_since = DateField(null=True)
    """When the client relationship began (a CRM's created date on import)."""
    tier = CharField(max_length=16, default="silver")
    tier_rank = SmallIntegerField(default=2)
    industry = CharField(max_length=80, default="")
    owner = ForeignKeyField(Agent, backref="accounts", on_delete="RESTRICT", index=False)
    owner_id: int
    team = ForeignKeyField(Team, null=True, backref="accounts", on_delete="SET NULL", index=False)
    team_id: int | None
    arr = _money(default=Decimal("0"))
    currency = CharField(max_length=3, default="USD")
    stage = CharField(max_length=16, default="active")
    renewal_on = DateField(null=True)
    satisfaction = SmallIntegerField(null=True)
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)
    # Derived: kept current by the services, in the writing transaction.
    cadence_days = SmallIntegerField(default=30)
    last_touch_at = DateTimeField(null=True)
    touch_due_on = DateField(null=True)
    next_followup_on = DateField(null=True)
    open_followups = IntegerField(default=0)
    overdue_followups = IntegerField(default=0)
    open_concerns = IntegerField(default=0)
    health_score = SmallIntegerField(default=100)
    health_band = CharField(max_length=16, default="healthy")
    health_as_of = DateField(null=True)
    health_next_change = DateField(null=True, index=True)
    search_text = TextField(default="")

    class Meta:
        # One index per portfolio order (see SORT_EXPRESSIONS below), plus the
        # per-owner lookups of the follow-up queue and the daily walk.
        indexes = (
            (("sort_name", "id"), False),
            (("tier_rank", "sort_name", "id"), False),
            (("health_score", "id"), False),
            (("arr", "id"), False),
            (("owner", "sort_name", "id"), False),
            (("owner", "touch_due_on"), False),
            (("owner", "health_band"), False),
            (("owner", "renewal_on"), False),
            (("team",), False),
        )


# Sort keys for columns that may be empty. An empty value sorts as "never":
# no renewal date or no follow-up planned is later than any date (so it comes
# last going up); a second key puts it last going down too. "Never touched"
# is the oldest touch of all. The literals are inlined (not bound) so the
# expression indexes below match the queries on SQLite and PostgreSQL.
LATE_DATE = SQL("'9999-12-31'")
EARLY_DATE = SQL("'0001-01-01'")
EARLY_MOMENT = SQL("'0001-01-01 00:00:00'")
RENEWAL_UP = fn.COALESCE(Account.renewal_on, LATE_DATE)
RENEWAL_DOWN = fn.COALESCE(Account.renewal_on, EARLY_DATE)
FOLLOWUP_UP = fn.COALESCE(Account.next_followup_on, LATE_DATE)
FOLLOWUP_DOWN = fn.COALESCE(Account.next_followup_on, EARLY_DATE)
TOUCH_KEY = fn.COALESCE(Account.last_touch_at, EARLY_MOMENT)
for _name, _expr in (
    ("account_renewal_up", RENEWAL_UP),
    ("account_renewal_down", RENEWAL_DOWN),
    ("account_followup_up", FOLLOWUP_UP),
    ("account_followup_down", FOLLOWUP_DOWN),
    ("account_touch_key", TOUCH_KEY),
):
    Account.add_index(Account.index(_expr, Account.id, name=_name))


class AccountShare(BaseModel):
    """Lets another agent, or a whole team, see and work an account."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="shares", on_delete="CASCADE", index=False)
    account_id: int
    agent = ForeignKeyField(Agent, null=True, backref="shared_accounts", on_delete="CASCADE", index=False)
    agent_id: int | None
    team = ForeignKeyField(Team, null=True, backref="shared_accounts", on_delete="CASCADE", index=False)
    team_id: int | None

    class Meta:
        table_name = "account_share"
        indexes = (
            (("agent", "account"), False),
            (("team", "account"), False),
            (("account",), False),
        )


class Contact(BaseModel):
    id = AutoField()
    account = ForeignKeyField(Account, backref="contacts", on_delete="CASCADE", index=False)
    account_id: int
    name = CharField(max_length=160)
    role = CharField(max_length=120, default="")
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=40, default="")
    is_primary = BooleanField(default=False)
    external_id = CharField(max_length=120, null=True, unique=True)
    created_at = DateTimeField(default=utcnow)
    removed_at = DateTimeField(null=True)
    """Set when the contact left the client or was removed: kept so past touches still name them."""
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("account", "is_primary"), False),)


class Product(BaseModel):
    id = AutoField()
    name = CharField(max_length=120, unique=True)
    sku = CharField(max_length=40, default="")
    category = CharField(max_length=60, default="")


class Subscription(BaseModel):
    """A product an account bought."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="subscriptions", on_delete="CASCADE", index=False)
    account_id: int
    product = ForeignKeyField(Product, backref="subscriptions", on_delete="RESTRICT", index=False)
    product_id: int
    quantity = IntegerField(default=1)
    unit_price = _money(default=Decimal("0"))
    currency = CharField(max_length=3, default="USD")
    start_on = DateField(null=True)
    renewal_on = DateField(null=True)
    end_on = DateField(null=True)
    status = CharField(max_length=16, default="active")
    notes = TextField(default="", constraints=[SQL("DEFAULT ''")])
    external_id = CharField(max_length=120, null=True, unique=True)
    created_at = DateTimeField(default=utcnow, constraints=[SQL("DEFAULT CURRENT_TIMESTAMP")])
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])

    class Meta:
        indexes = ((("account",), False),)


class Activity(BaseModel):
    """A touch or a note on the account's timeline."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="activities", on_delete="CASCADE", index=False)
    account_id: int
    kind = CharField(max_length=16)
    direction = CharField(max_length=16, default="outbound")
    occurred_at = DateTimeField()
    agent = ForeignKeyField(Agent, null=True, backref="activities", on_delete="SET NULL", index=False)
    agent_id: int | None
    contact = ForeignKeyField(Contact, null=True, backref="activities", on_delete="SET NULL")
    contact_id: int | None
    summary = CharField(max_length=200)
    body = TextField(default="")
    outcome = CharField(max_length=200, default="")
    external_id = CharField(max_length=120, null=True, unique=True)
    created_at = DateTimeField(default=utcnow)
    source_ref = CharField(max_length=255, null=True, unique=True)
    """Where a captured touch came from (`mid:` a mail's Message-ID, `ics:` a calendar UID): logged once."""

    class Meta:
        indexes = ((("account", "occurred_at", "id"), False),)


class FollowUp(BaseModel):
    """Something an agent has promised to do for an account, by a date."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="followups", on_delete="CASCADE", index=False)
    account_id: int
    title = CharField(max_length=200)
    kind = CharField(max_length=16, default="check-in")
    due_on = DateField()
    first_due_on = DateField(null=True)
    """The due date first promised (None: never moved). Rescheduling or snoozing moves `due_on`
    only, so health keeps counting the slip from this date until the follow-up is done."""
    priority = CharField(max_length=8, default="normal")
    priority_rank = SmallIntegerField(default=1)
    assignee = ForeignKeyField(Agent, backref="followups", on_delete="RESTRICT", index=False)
    assignee_id: int
    status = CharField(max_length=12, default="open")
    snoozed_until = DateField(null=True)
    snooze_reason = CharField(max_length=200, default="")
    woke_reason = CharField(max_length=200, default="")
    recurrence = CharField(max_length=40, default="")
    checkpoint = CharField(max_length=40, null=True)
    notes = TextField(default="")
    completed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(Agent, null=True, backref="created_followups", on_delete="SET NULL", index=False)
    created_by_id: int | None
    created_at = DateTimeField(default=utcnow)
    external_id = CharField(max_length=120, null=True, unique=True)
    version = IntegerField(default=1)
    source_ref = CharField(max_length=255, null=True, unique=True)
    """The calendar event (`ics:` UID) a planned meeting came from; its later import logs the meeting."""

    class Meta:
        table_name = "follow_up"
        indexes = (
            # Covering for the queue's sections: overdue / today / upcoming by due date
            # (with the snooze date at hand), snoozed by the snooze date.
            (("assignee", "status", "due_on", "snoozed_until"), False),
            (("assignee", "status", "snoozed_until"), False),
            (("account", "status", "due_on"), False),
            (("status", "due_on"), False),
            (("account", "checkpoint"), False),
        )


class Concern(BaseModel):
    """An open worry of the client's: a complaint, an outage, a billing dispute."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="concerns", on_delete="CASCADE", index=False)
    account_id: int
    title = CharField(max_length=200)
    detail = TextField(default="")
    severity = CharField(max_length=12, default="medium")
    status = CharField(max_length=12, default="open")
    opened_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)
    resolution = TextField(default="", constraints=[SQL("DEFAULT ''")])
    ticket_ref = CharField(max_length=80, default="")
    opened_by = ForeignKeyField(Agent, null=True, backref="concerns", on_delete="SET NULL", index=False)
    opened_by_id: int | None
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("account", "status"), False),)


class Opportunity(BaseModel):
    """A chance to sell more to the account, tracked with sales."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="opportunities", on_delete="CASCADE", index=False)
    account_id: int
    title = CharField(max_length=200)
    kind = CharField(max_length=16, default="upsell")
    stage = CharField(max_length=16, default="identified")
    status = CharField(max_length=8, default="open")
    amount = _money(default=Decimal("0"))
    currency = CharField(max_length=3, default="USD")
    expected_close = DateField(null=True)
    notes = TextField(default="")
    created_by = ForeignKeyField(Agent, null=True, backref="opportunities", on_delete="SET NULL", index=False)
    created_by_id: int | None
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("account", "status"), False),)


class AuditEntry(BaseModel):
    """One change to one record: who, when, what, and the values before and after.

    Entries written by one user action share a `change_id`, which is what undo
    reverses.
    """

    id = AutoField()
    change_id = CharField(max_length=36, index=True)
    session_id = CharField(max_length=36, default="")
    at = DateTimeField(default=utcnow)
    agent = ForeignKeyField(Agent, null=True, backref="audit_entries", on_delete="SET NULL", index=False)
    agent_id: int | None
    account = ForeignKeyField(Account, null=True, backref="audit_entries", on_delete="CASCADE", index=False)
    account_id: int | None
    entity = CharField(max_length=24)
    entity_id = IntegerField()
    action = CharField(max_length=24)
    summary = CharField(max_length=240, default="")
    before = TextField(default="")
    after = TextField(default="")
    undone_by = CharField(max_length=36, null=True)

    class Meta:
        table_name = "audit_entry"
        indexes = (
            (("account", "at"), False),
            (("agent", "session_id", "id"), False),
        )


class HealthHistory(BaseModel):
    """An account's health score on a day it changed (one row per account per day).

    Written by the derived refresh in the transaction that moved the score;
    the portfolio's trend arrow compares the score now with the one in force
    some days ago.
    """

    id = AutoField()
    account = ForeignKeyField(Account, backref="health_history", on_delete="CASCADE", index=False)
    account_id: int
    day = DateField()
    score = SmallIntegerField()
    band = CharField(max_length=16)

    class Meta:
        table_name = "health_history"
        indexes = ((("account", "day"), True),)


class WalkMark(BaseModel):
    """An item of the daily walk an agent dealt with on a day without changing data:
    "reviewed" keeps it off that day's walk, "later" brings it back on `until`."""

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="walk_marks", on_delete="CASCADE", index=False)
    agent_id: int
    account = ForeignKeyField(Account, backref="walk_marks", on_delete="CASCADE", index=False)
    account_id: int
    reason = CharField(max_length=24)
    day = DateField()
    action = CharField(max_length=12, default="reviewed")
    until = DateField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "walk_mark"
        indexes = ((("agent", "day", "account", "reason"), True),)


class SavedView(BaseModel):
    """A named portfolio or queue view of one agent's: sort, filter and quick filters as JSON."""

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="saved_views", on_delete="CASCADE", index=False)
    agent_id: int
    name = CharField(max_length=60)
    screen = CharField(max_length=24, default="portfolio")
    state = TextField(default="{}")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "saved_view"
        indexes = ((("agent", "name"), True),)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaMeta,
    Team,
    Agent,
    AgentKey,
    Account,
    AccountShare,
    Contact,
    Product,
    Subscription,
    Activity,
    FollowUp,
    Concern,
    Opportunity,
    AuditEntry,
    HealthHistory,
    WalkMark,
    SavedView,
)
