"""Writing accounts and what hangs off them: contacts, concerns, opportunities, handoffs.

Every function here is one user action: one transaction, its audit entries,
and the account's derived columns refreshed before commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from acct_tui.models import Account, Activity, Agent, Concern, Contact, FollowUp, Opportunity
from acct_tui.services.context import Ctx
from acct_tui.services.domain import fields as F
from acct_tui.services.errors import Conflict, NotAllowed, NotFound, ValidationError
from acct_tui.services.store.derived import tier_rank
from acct_tui.services.store.permissions import may_act_for, require_act_for
from acct_tui.services.store.scope import EXTERNAL_ID_TAKEN, require_account, scoped
from acct_tui.services.store.unit import change, snapshot, to_json
from acct_tui.services.store.wake import concern_reason, wake_snoozed
from acct_tui.services.writes import checkpoints
from acct_tui.vocab import (
    ActivityKind,
    ConcernStatus,
    Direction,
    FollowUpKind,
    FollowUpStatus,
    OpportunityStage,
    OpportunityStatus,
    Priority,
    Severity,
    Stage,
    Tier,
)

EDITABLE = tuple(F.ACCOUNT)


def create_account(ctx: Ctx, values: Mapping[str, object], *, owner_id: int | None = None, force: bool = False) -> int:
    """A new account owned by the acting agent (or `owner_id`); returns its id.

    A name another account already has (case ignored) is refused unless `force`:
    two accounts of one name break every verb that finds an account by name.
    """
    data = F.clean(F.ACCOUNT, values, ctx.today)
    if "name" not in data:
        raise ValidationError("is required", "name")
    data.setdefault("tier", Tier.SILVER.value)
    data.setdefault("stage", Stage.ACTIVE.value)
    with change(ctx, "account create") as ch:
        owner = owner_id or ctx.agent.id
        holder = Agent.get_or_none(Agent.id == owner)
        if holder is None:
            raise ValidationError(f"agent {owner} does not exist", "owner")
        require_act_for(ctx.agent, holder.id, holder.login, (holder.team_id,), "create accounts for")
        _check_unique_external(data.get("external_id"), None)
        if not force:
            _check_unique_name(ctx, str(data["name"]), None)
        account = Account.create(
            owner=owner,
            sort_name=str(data["name"]).casefold(),
            tier_rank=tier_rank(str(data["tier"])),
            created_at=ctx.now(),
            updated_at=ctx.now(),
            **data,
        )
        ch.touch(account.id, search=True)
        ch.created(account, f"created account {account.name}")
        if account.renewal_on is not None:
            checkpoints.sync_account(ch, ctx, account.id)
        return int(account.id)


def _check_unique_external(external_id: object, account_id: int | None) -> None:
    """External ids are unique over the whole database, so a clash cannot be hidden; it names no account,
    and reads the same whether the other account is in the agent's scope or not."""
    if not external_id:
        return
    clash = Account.get_or_none(Account.external_id == external_id)
    if clash is not None and clash.id != account_id:
        raise ValidationError(EXTERNAL_ID_TAKEN.format(external_id), "external_id")


def _check_unique_name(ctx: Ctx, name: str, account_id: int | None) -> None:
    """Refuse a name another account the agent can see has, case ignored (on the Name field, so a form
    shows it there). Names are found within the scope only, so an account outside it does not count."""
    query = scoped(Account.select(Account.id, Account.name), ctx.agent).where(Account.sort_name == name.casefold())
    if account_id is not None:
        query = query.where(Account.id != account_id)
    clash = query.first()
    if clash is not None:
        raise ValidationError(
            f"another account is already called {clash.name!r}; choose another name (or force it to keep both)",
            "name",
        )


def account_values(account: Account) -> dict[str, object]:
    """The editable fields of an account, as JSON-ready values."""
    return snapshot(account, EDITABLE)


def edit_account(
    ctx: Ctx,
    account_id: int,
    version: int,
    changes: Mapping[str, object],
    *,
    force: bool = False,
    force_name: bool = False,
) -> int:
    """Save the fields the agent changed; returns the new version.

    If someone saved the account since `version` was read, raises Conflict
    with the current values (nothing is written) unless `force` is set, in
    which case only the fields in `changes` are written over theirs. A new
    name another account has (case ignored) is refused unless `force_name`.
    """
    data = F.clean(F.ACCOUNT, changes, ctx.today)
    with change(ctx, "account edit") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        if account.version != version and not force:
            raise Conflict(
                f"{account.name} was changed by someone else since you opened it",
                theirs=account_values(account),
                version=account.version,
            )
        current = account_values(account)
        changed = {k: val for k, val in data.items() if to_json(val) != current.get(k)}
        if not changed:
            return int(account.version)
        if "external_id" in changed:
            _check_unique_external(changed["external_id"], account_id)
        if "name" in changed and not force_name:
            _check_unique_name(ctx, str(changed["name"]), account_id)
        before = {k: current[k] for k in changed}
        # Single statement with a version guard: a concurrent writer cannot slip in between.
        extra: dict[Any, object] = {Account.updated_at: ctx.now(), Account.version: Account.version + 1}
        if "name" in changed:
            extra[Account.sort_name] = str(changed["name"]).casefold()
        if "tier" in changed:
            extra[Account.tier_rank] = tier_rank(str(changed["tier"]))
        updates = {getattr(Account, k): val for k, val in changed.items()} | extra
        Account.update(updates).where(Account.id == account_id).execute()
        account = Account.get_by_id(account_id)
        ch.touch(account_id, search=bool({"name", "domain", "industry"} & set(changed)))
        names = ", ".join(sorted(changed))
        ch.updated(account, before, f"edited {names}")
        if "renewal_on" in changed:
            checkpoints.sync_account(ch, ctx, account_id)
        return int(account.version)


def add_contact(ctx: Ctx, account_id: int, values: Mapping[str, object]) -> int:
    data = F.clean(F.CONTACT, values, ctx.today)
    if "name" not in data:
        raise ValidationError("is required", "name")
    with change(ctx, "contact add") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        if data.get("is_primary"):
            _clear_primary(ch, account.id)
        elif not Contact.select().where(Contact.account == account.id, Contact.removed_at.is_null()).exists():
            data["is_primary"] = True
        contact = Contact.create(account=account.id, created_at=ctx.now(), **data)
        ch.touch(account.id, search=True)
        ch.created(contact, f"added contact {contact.name}")
        return int(contact.id)


def _clear_primary(ch: Any, account_id: int, keep: int | None = None) -> None:
    for other in Contact.select().where(Contact.account == account_id, Contact.is_primary == True):  # noqa: E712
        if other.id == keep:
            continue
        before = snapshot(other, ["is_primary"])
        other.is_primary = False
        other.save()
        ch.updated(other, before, f"{other.name} no longer primary")


CONTACT_FIELDS = tuple(F.CONTACT)


def _contact(ctx: Ctx, ch: Any, contact_id: int) -> Contact:
    """A contact on an account the agent may see, not removed; NotFound otherwise."""
    contact: Contact | None = Contact.get_or_none(Contact.id == contact_id)
    if contact is None or contact.removed_at is not None:
        raise NotFound(f"contact {contact_id} not found")
    account_id = int(contact.__data__["account"])
    ch.lock(account_id)
    require_account(ctx.agent, account_id, missing=f"contact {contact_id} not found")
    return contact


def edit_contact(ctx: Ctx, contact_id: int, changes: Mapping[str, object], *, version: int | None = None) -> int:
    """Save a contact's changed fields; returns the new version.

    With `version` (what the form read), a save someone made since is a Conflict and nothing is written.
    Making a contact primary takes it from the account's previous primary in the same change.
    """
    data = F.clean(F.CONTACT, changes, ctx.today)
    if "name" in data and not data["name"]:
        raise ValidationError("is required", "name")
    with change(ctx, "contact edit") as ch:
        contact = _contact(ctx, ch, contact_id)
        if version is not None and contact.version != version:
            raise Conflict(
                f"{contact.name} was changed by someone else since you opened it",
                theirs=snapshot(contact, CONTACT_FIELDS),
                version=contact.version,
            )
        current = snapshot(contact, CONTACT_FIELDS)
        changed = {k: val for k, val in data.items() if to_json(val) != current.get(k)}
        if not changed:
            return int(contact.version)
        if changed.get("is_primary"):
            _clear_primary(ch, int(contact.__data__["account"]), keep=contact.id)
        before = snapshot(contact, list(changed))
        for name, value in changed.items():
            setattr(contact, name, value)
        contact.version += 1
        contact.save()
        ch.touch(int(contact.__data__["account"]), search="name" in changed)
        ch.updated(contact, before, f"edited contact {contact.name}: {', '.join(sorted(changed))}")
        return int(contact.version)


def remove_contact(ctx: Ctx, contact_id: int) -> None:
    """Take a contact off the account (they left the client): kept, so past activities still name them."""
    with change(ctx, "contact remove") as ch:
        contact = _contact(ctx, ch, contact_id)
        before = snapshot(contact, ["removed_at", "is_primary"])
        contact.removed_at = ctx.now()
        contact.is_primary = False
        contact.version += 1
        contact.save()
        ch.touch(int(contact.__data__["account"]), search=True)
        ch.updated(contact, before, f"removed contact {contact.name}", action="remove")


def add_concern(ctx: Ctx, account_id: int, values: Mapping[str, object]) -> int:
    data = F.clean(F.CONCERN, values, ctx.today)
    if "title" not in data:
        raise ValidationError("is required", "title")
    data.setdefault("severity", Severity.MEDIUM.value)
    with change(ctx, "concern add") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        concern = Concern.create(account=account.id, opened_at=ctx.now(), opened_by=ctx.agent.id, **data)
        ch.created(concern, f"opened {concern.severity} concern: {concern.title}")
        wake_snoozed(ch, {account.id: concern_reason(concern.severity, concern.title)}, ctx.today)
        return int(concern.id)


def resolve_concern(ctx: Ctx, concern_id: int, resolution: str = "") -> None:
    """Close a concern with what resolved it (the note shows in the pane, the timeline reader and the history)."""
    note = F.check_field("concern", "resolution", resolution, ctx.today)
    with change(ctx, "concern resolve") as ch:
        concern = Concern.get_or_none(Concern.id == concern_id)
        if concern is None:
            raise NotFound(f"concern {concern_id} not found")
        ch.lock(concern.account_id)
        require_account(ctx.agent, concern.account_id, missing=f"concern {concern_id} not found")
        if concern.status != ConcernStatus.OPEN.value:
            raise ValidationError("this concern is already resolved")
        before = snapshot(concern, ["status", "resolved_at", "resolution", "version"])
        concern.status = ConcernStatus.RESOLVED.value
        concern.resolved_at = ctx.now()
        concern.resolution = note
        concern.version += 1
        concern.save()
        summary = f"resolved concern: {concern.title}" + (f" ({note})" if note else "")
        ch.updated(concern, before, summary, action="resolve")
        # On the timeline too, where the story of the account is read; a note is not a touch,
        # so the contact cadence is not reset by closing a ticket.
        activity = Activity.create(
            account=concern.__data__["account"],
            kind=ActivityKind.NOTE.value,
            direction=Direction.INTERNAL.value,
            occurred_at=ctx.now(),
            agent=ctx.agent.id,
            summary=f"Resolved {concern.severity} concern: {concern.title}"[:200],
            body=note,
        )
        ch.created(activity, activity.summary, action="log")


def add_opportunity(ctx: Ctx, account_id: int, values: Mapping[str, object]) -> int:
    data = F.clean(F.OPPORTUNITY, values, ctx.today)
    if "title" not in data:
        raise ValidationError("is required", "title")
    data.setdefault("stage", OpportunityStage.IDENTIFIED.value)
    with change(ctx, "opportunity add") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        data.setdefault("currency", account.currency)
        data["status"] = _status_for_stage(str(data["stage"]))
        opportunity = Opportunity.create(account=account.id, created_by=ctx.agent.id, created_at=ctx.now(), **data)
        amount = Decimal(str(opportunity.amount))
        ch.created(opportunity, f"opportunity {opportunity.title} ({amount:,.0f} {opportunity.currency})")
        return int(opportunity.id)


def _status_for_stage(stage: str) -> str:
    if stage == OpportunityStage.WON.value:
        return OpportunityStatus.WON.value
    if stage == OpportunityStage.LOST.value:
        return OpportunityStatus.LOST.value
    return OpportunityStatus.OPEN.value


def set_opportunity_stage(ctx: Ctx, opportunity_id: int, stage: str) -> None:
    clean_stage = F.check_field("opportunity", "stage", stage, ctx.today)
    with change(ctx, "opportunity stage") as ch:
        opportunity = Opportunity.get_or_none(Opportunity.id == opportunity_id)
        if opportunity is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
        ch.lock(opportunity.account_id)
        require_account(ctx.agent, opportunity.account_id, missing=f"opportunity {opportunity_id} not found")
        before = snapshot(opportunity, ["stage", "status", "version"])
        opportunity.stage = clean_stage
        opportunity.status = _status_for_stage(clean_stage)
        opportunity.version += 1
        opportunity.save()
        ch.updated(opportunity, before, f"{opportunity.title}: {clean_stage}", action="stage")


def handoff(
    ctx: Ctx,
    account_id: int,
    to_agent_id: int,
    note: str,
    *,
    move_followups: bool = True,
) -> int:
    """Give the account to another agent with a note; they get a handoff follow-up.

    Open follow-ups the old owner held on the account move with it. Returns
    the id of the handoff follow-up.
    """
    text = F.check_field("activity", "body", note, ctx.today)
    if not text:
        raise ValidationError("write a note for the new owner: what is open, what to watch", "note")
    with change(ctx, "handoff") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        if not may_act_for(ctx.agent, account.owner_id, account.team_id, _team_of(account.owner_id)):
            # Seeing an account (shared, or by an open follow-up) is not owning it.
            raise NotAllowed(
                f"only the owner of {account.name}, the lead of their team or an admin can hand it off; "
                "hand off a follow-up with reassign instead"
            )
        target = Agent.get_or_none(Agent.id == to_agent_id)
        if target is None or not target.active:
            raise ValidationError("choose an active agent to hand the account to", "agent")
        if target.id == account.owner_id:
            raise ValidationError(f"{target.name} already owns {account.name}", "agent")
        old_owner = account.owner_id
        before = snapshot(account, ["owner", "version"])
        Account.update(owner=target.id, version=Account.version + 1, updated_at=ctx.now()).where(
            Account.id == account.id
        ).execute()
        account = Account.get_by_id(account.id)
        ch.updated(account, before, f"handed off to {target.name}", action="handoff")
        activity = Activity.create(
            account=account.id,
            kind=ActivityKind.HANDOFF.value,
            direction=Direction.INTERNAL.value,
            occurred_at=ctx.now(),
            agent=ctx.agent.id,
            summary=f"Handed off to {target.name}"[:200],
            body=text,
        )
        ch.created(activity, activity.summary, action="log")
        if move_followups:
            for item in FollowUp.select().where(
                FollowUp.account == account.id,
                FollowUp.status == FollowUpStatus.OPEN.value,
                FollowUp.assignee == old_owner,
            ):
                item_before = snapshot(item, ["assignee", "version"])
                item.assignee_id = target.id
                item.version += 1
                item.save()
                ch.updated(item, item_before, f"{item.title}: moved to {target.name}", action="reassign")
        followup = FollowUp.create(
            account=account.id,
            title=f"Handoff: review {account.name}"[:200],
            kind=FollowUpKind.HANDOFF.value,
            due_on=ctx.today,
            priority=Priority.HIGH.value,
            priority_rank=Priority.HIGH.rank,
            assignee=target.id,
            notes=text,
            created_by=ctx.agent.id,
            created_at=ctx.now(),
        )
        ch.created(followup, f"handoff follow-up for {target.name}")
        return int(followup.id)


def _team_of(agent_id: int) -> int | None:
    team: int | None = Agent.select(Agent.team).where(Agent.id == agent_id).scalar()
    return team
