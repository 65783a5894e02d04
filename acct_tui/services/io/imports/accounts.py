"""Importing accounts: clean each row, then match it to an account that is already there.

A row matches by external id first (the CRM's record id: Salesforce's `Id`,
HubSpot's `Record ID`); without one (or with one no account holds yet), by
domain, then by name, among the accounts the agent may see that carry no
other external id. Two rows of one file for the same account are refused
rather than merged. New accounts get their derived columns (health, cadence,
search text) from the same rule `derived.refresh_accounts` applies, computed
here so a large file needs no second pass.

A CRM's last activity date (`LastActivityDate`, `Last Contacted`) becomes
the account's last touch through one timeline entry marked imported (see
`touches`). An owner the CRM names but acct-tui does not know goes to the
importing agent on a new account and leaves an existing one's owner alone
(see `owners`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from acct_tui.models import Account, Agent
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.domain.health import Health, HealthInputs, assess
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.base import (
    ImportOptions,
    Op,
    Plan,
    Row,
    RowErrors,
    cell,
    chunked,
    clean_cells,
    dict_rows,
    tuple_rows,
)
from acct_tui.services.io.imports.columns import ColumnMap
from acct_tui.services.io.imports.owners import Owners
from acct_tui.services.io.imports.refs import find_id, id_index
from acct_tui.services.io.imports.touches import AccountPlan, plan_touch_updates, write_touches
from acct_tui.services.io.imports.values import (
    DateColumn,
    currency_of,
    detect_date_order,
    detect_decimal_mark,
    parse_amount_cell,
    parse_date_cell,
    parse_datetime_cell,
)
from acct_tui.services.store.derived import local_date, tier_rank
from acct_tui.services.store.permissions import require_act_for
from acct_tui.services.store.scope import EXTERNAL_ID_TAKEN, scoped
from acct_tui.services.store.search import search_text
from acct_tui.services.store.unit import to_json
from acct_tui.vocab import Stage, Tier

EDITABLE = ("name", "external_id", "domain", "industry", "arr", "currency", "tier", "stage", "renewal_on",
            "satisfaction", "notes", "owner", "phone", "city", "country", "employees", "client_since")  # fmt: skip
_HEALTH_INPUTS = {"tier", "satisfaction", "renewal_on"}
_SEARCH_INPUTS = {"name", "domain", "industry"}
# CRM lifecycle words and account types (Salesforce `Type`, HubSpot `Lifecycle Stage` and `Type`) as stages.
# A prospect or lead has no stage of its own here: it is a client being won, the nearest being onboarding.
_STAGE_WORDS = {"customer": "active", "current customer": "active", "former customer": "churned", "churn": "churned",
                "lost": "churned", "new": "onboarding", "implementation": "onboarding", "prospect": "onboarding",
                "lead": "onboarding", "subscriber": "onboarding", "opportunity": "onboarding",
                "marketingqualifiedlead": "onboarding", "salesqualifiedlead": "onboarding",
                "marketing qualified lead": "onboarding", "sales qualified lead": "onboarding",
                "evangelist": "active", "partner": "active", "reseller": "active", "vendor": "active",
                "other": "active", "inactive": "churned", "closed lost": "churned", "closed won": "active",
                "upsell": "expanding", "expansion": "expanding", "renewal": "renewing"}  # fmt: skip
_THOUSANDS = re.compile(r"(?<=\d)[\s\u00a0\u202f',.](?=\d{3}(?:\D|$))")


def _stage(raw: str) -> str:
    word = " ".join(raw.strip().casefold().split())
    found = _STAGE_WORDS.get(word)
    if found is None and word.startswith("customer"):
        found = "active"  # Salesforce's "Customer - Direct", "Customer - Channel"
    if found is None and "partner" in word:
        found = "active"  # "Channel Partner / Reseller", "Technology Partner"
    return found or v.choice(raw, Stage, "stage").value


def _text(field: str, max_len: int, *, required: bool = False) -> Callable[[str], str]:
    """A single-line text cleaner with a fast path for the plain cells nearly every row has."""

    def clean(raw: str) -> str:
        text = raw.strip()
        if text and len(text) <= max_len and text.isprintable():
            return text  # exactly what clean_text returns for it, without its checks
        return v.clean_text(raw, field, max_len=max_len, required=required)

    return clean


# A subset of what validation.phone accepts (at least three digits, nothing else but + ( ) - . / spaces).
_PLAIN_PHONE = re.compile(r"\+?(?=(?:[ ()./\-]*[0-9]){3})[0-9 ()./\-]{3,40}")


def _phone(raw: str) -> str:
    text = raw.strip()
    if len(text) <= 40 and _PLAIN_PHONE.fullmatch(text):
        return text
    return v.phone(raw)


_WHOLE_DECIMAL = re.compile(r"\d+[.,]0+")
_DECIMAL_MARK = re.compile(r"[.,]")


def _employees(raw: str) -> int | None:
    text = raw.strip()
    if text.isdigit() and text.isascii() and len(text) <= 7:
        return int(text)  # the plain count nearly every row has, within the range below
    text = _THOUSANDS.sub("", text)
    if _WHOLE_DECIMAL.fullmatch(text):
        text = _DECIMAL_MARK.split(text)[0]  # 250.0 from a spreadsheet's number column
    return v.integer(text, "employees", low=0, high=10_000_000, required=False)


def _notes(raw: str) -> str:
    """Multi-line notes, with a fast path for text that has nothing clean_text would refuse or change."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) <= 5000 and text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return v.clean_text(raw, "notes", max_len=5000, multiline=True)


def _date_column(
    rows: Sequence[Row], columns: ColumnMap, name: str, options: ImportOptions, errors: RowErrors
) -> DateColumn | None:
    """How a date column of the file is written; None (with a fatal error) when it cannot be told."""
    if not columns.has(name):
        return None
    try:
        return detect_date_order(
            ((r.line, c) for r in rows if (c := cell(r, columns, name)).strip()),
            columns.column(name),
            options.date_order,
        )
    except ValidationError as exc:
        errors.add(0, columns.column(name), exc.message, fatal=True)
        return None


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Clean every cell of every row; errors name the line and the file's column."""
    date_column = _date_column(rows, columns, "renewal_on", options, errors)
    since_column = _date_column(rows, columns, "client_since", options, errors)
    touch_column = _date_column(rows, columns, "last_activity", options, errors)
    mark = None
    if columns.has("arr"):
        try:
            mark = detect_decimal_mark(
                ((r.line, c) for r in rows if (c := cell(r, columns, "arr")).strip()), columns.column("arr")
            )
        except ValidationError as exc:
            errors.add(0, columns.column("arr"), exc.message, fatal=True)
    cleaners: dict[str, Callable[[str], Any]] = {
        "name": _text("name", 200, required=True),
        "external_id": _text("external_id", 120),
        "domain": lambda raw: v.domain(raw),
        "industry": _text("industry", 80),
        "arr": lambda raw: parse_amount_cell(raw, mark, "arr"),
        "currency": lambda raw: v.currency(raw),
        "tier": lambda raw: v.choice(raw, Tier, "tier").value,
        "stage": _stage,
        "satisfaction": lambda raw: v.integer(raw, "satisfaction", low=0, high=10, required=False),
        "notes": _notes,
        "owner": _text("owner", 120),
        "phone": _phone,
        "city": _text("city", 120),
        "country": _text("country", 80),
        "employees": _employees,
    }
    if date_column is not None:
        cleaners["renewal_on"] = lambda raw: parse_date_cell(raw, date_column, "renewal_on")
    if since_column is not None:
        cleaners["client_since"] = lambda raw: parse_date_cell(raw, since_column, "client_since")
    if touch_column is not None:
        cleaners["last_activity"] = lambda raw: parse_datetime_cell(raw, touch_column, "last_activity")
    clean_cells(rows, columns, cleaners, errors, progress)
    for row in rows:
        values = row.values
        if "arr" in values:
            amount, code = values["arr"]
            values["arr"] = amount
            if "currency" not in values and (found := currency_of(code)):
                values["currency"] = found
        if "name" not in values and row.line not in errors.lines:
            errors.add(row.line, columns.column("name"), "is required")


def _key_text(values: dict[str, Any]) -> tuple[str, str]:
    if values.get("external_id"):
        return "external id", str(values["external_id"])
    if values.get("domain"):
        return "domain", str(values["domain"])
    return "name", str(values["name"]).casefold()


class _Giving:
    """Refuses the whole import when its owner column gives accounts to an agent the importer may not act for
    (`permissions.may_act_for`): one line, before anything is written."""

    def __init__(self, ctx: Ctx) -> None:
        self.agent = ctx.agent
        self.checked: set[int] = {ctx.agent.id}

    def check(self, owner_id: int) -> None:
        if owner_id in self.checked:
            return
        owner = Agent.get_by_id(owner_id)
        require_act_for(self.agent, owner_id, owner.login, (owner.team_id,), "import accounts owned by")
        self.checked.add(owner_id)


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    """Match rows to existing accounts and decide each row's write (inside the import's transaction)."""
    owners = Owners(ctx, options.owner_map, options.strict_owners, errors)
    giving = _Giving(ctx)
    all_by_external = id_index(
        tuple_rows(Account.select(Account.external_id, Account.id).where(Account.external_id.is_null(False)))
    )
    visible_query = scoped(
        Account.select(Account.id, Account.external_id, Account.domain, Account.sort_name), ctx.agent
    )
    by_domain: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    visible: set[int] = set()
    free: set[int] = set()  # visible accounts with no external id yet
    for account_id, external_id, domain, sort_name in tuple_rows(visible_query):
        visible.add(account_id)
        if external_id is None:
            free.add(account_id)
        if domain:
            by_domain.setdefault(domain, []).append(account_id)
        by_name.setdefault(sort_name, []).append(account_id)

    result = AccountPlan()
    seen: dict[tuple[str, str], int] = {}
    claimed: dict[int, int] = {}
    creator = _Creator(ctx)
    matched: list[tuple[Row, int]] = []
    now = ctx.now()
    future_touches = 0
    for row in rows:
        values = row.values
        key = _key_text(values)
        if key in seen:
            errors.add(row.line, _key_column(columns, key[0]), f"the same {key[0]} as line {seen[key]}")
            continue
        seen[key] = row.line
        if "owner" in values:
            try:
                owner = owners.find(values["owner"])
            except ValidationError as exc:
                errors.add(row.line, columns.column("owner"), exc.message)
                continue
            if owner is None:
                del values["owner"]  # a new account is the importer's; an existing one keeps its owner
            else:
                giving.check(owner)
                values["owner"] = owner
        if "last_activity" in values and values["last_activity"] > now:
            del values["last_activity"]  # Salesforce counts a planned event: not a touch yet
            future_touches += 1
        try:
            target = _match(values, all_by_external, visible, free, by_domain, by_name)
        except ValidationError as exc:
            errors.add(row.line, _key_column(columns, key[0]), exc.message)
            continue
        if target is not None and target in claimed:
            errors.add(row.line, _key_column(columns, key[0]), f"is the same account as line {claimed[target]}")
            continue
        if target is None:
            touch = values.pop("last_activity", None)
            op = creator.create(row, touch)
            result.creates.append(op)
            if touch is not None:
                result.touch_creates.append((op, touch))
            continue
        claimed[target] = row.line
        if options.update_existing:
            matched.append((row, target))
        else:
            result.existing_skipped += 1
    touches = {target: row.values.pop("last_activity") for row, target in matched if "last_activity" in row.values}
    _plan_updates(matched, result)
    plan_touch_updates(touches, result)
    result.owners_defaulted = dict(owners.defaulted)
    if note := owners.note():
        result.notes.append(note)
    if future_touches:
        result.notes.append(
            f"{future_touches:,} {'rows have' if future_touches != 1 else 'row has'} a last activity date "
            "in the future (a planned event); it is not counted as a touch"
        )
    if result.touch_creates or result.touch_updates:
        count = len(result.touch_creates) + len(result.touch_updates)
        result.notes.append(
            f"{count:,} {'accounts take' if count != 1 else 'account takes'} the last touch from the CRM's "
            "last activity date "
            "(one timeline entry each, marked imported)"
        )
    return result


def _key_column(columns: ColumnMap, key: str) -> str:
    name = {"external id": "external_id", "domain": "domain", "name": "name"}[key]
    return columns.column(name) if columns.has(name) else name


def _match(
    values: dict[str, Any],
    all_by_external: dict[str, int],
    visible: set[int],
    free: set[int],
    by_domain: dict[str, list[int]],
    by_name: dict[str, list[int]],
) -> int | None:
    external_id = values.get("external_id")
    if external_id and all_by_external:  # none on a first import
        found = find_id(all_by_external, external_id)
        if found is not None:
            if found not in visible:
                # Unique over the database, so the row cannot be created either: refused in the words
                # `account edit` uses for any clash, naming no account and not saying it is out of scope.
                raise ValidationError(EXTERNAL_ID_TAKEN.format(external_id))
            return found
    domain, name_key = values.get("domain"), str(values["name"]).casefold()
    if (not domain or domain not in by_domain) and name_key not in by_name:
        return None  # the usual new account: nothing to weigh below
    for label, index, key in (("domain", by_domain, domain), ("name", by_name, name_key)):
        if not key:
            continue
        candidates = [i for i in index.get(key, ()) if not external_id or i in free]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1 and label == "name":
            raise ValidationError(
                f"{len(candidates)} accounts you can see are named {values['name']!r}; add an external id column"
            )
        if len(candidates) > 1:
            by_both = [i for i in candidates if i in by_name.get(str(values["name"]).casefold(), ())]
            if len(by_both) == 1:
                return by_both[0]
            raise ValidationError(f"{len(candidates)} accounts share the domain {key!r}; add an external id column")
    return None


# What a new account holds for a field its row leaves out (the owner is the importing agent's).
_CREATE_DEFAULTS: dict[str, Any] = {
    "tier": Tier.SILVER.value, "stage": Stage.ACTIVE.value, "arr": Decimal("0.00"), "currency": "USD",
    "industry": "", "notes": "", "external_id": None, "domain": None, "renewal_on": None, "satisfaction": None,
    "phone": "", "city": "", "country": "", "employees": None, "client_since": None,
}  # fmt: skip


class _Creator:
    """Builds new accounts' rows, with what every row of one import shares worked out once."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.defaults = {**_CREATE_DEFAULTS, "owner": ctx.agent.id}
        self.now = ctx.now()
        self.today = ctx.today
        self.health: dict[tuple[Any, ...], Health] = {}
        self.cadence: dict[str, int] = {}
        self.days: dict[dt.datetime, dt.date | None] = {}

    def local_day(self, touch: dt.datetime | None) -> dt.date | None:
        if touch is None:
            return None
        day = self.days.get(touch)
        if day is None:
            day = self.days[touch] = local_date(touch)
        return day

    def create(self, row: Row, touch: dt.datetime | None) -> Op:
        ctx = self.ctx
        values = {**self.defaults, **row.values}
        if values["external_id"] == "":
            values["external_id"] = None
        tier = values["tier"]
        cadence = self.cadence.get(tier)
        if cadence is None:
            cadence = self.cadence[tier] = ctx.policy.cadence_for(tier)
        touch_day = self.local_day(touch)
        health_key = (cadence, values["satisfaction"], values["renewal_on"], touch_day)
        health = self.health.get(health_key)
        if health is None:
            inputs = HealthInputs(cadence, touch_day, (), values["satisfaction"], (), values["renewal_on"])
            health = self.health[health_key] = assess(inputs, self.today, ctx.policy)
        now = self.now
        name = values["name"]
        values.update(
            sort_name=str(name).casefold(),
            tier_rank=tier_rank(tier),
            team=None,
            created_at=now,
            updated_at=now,
            version=1,
            cadence_days=cadence,
            last_touch_at=touch,
            touch_due_on=touch_day + dt.timedelta(days=cadence) if touch_day else None,
            next_followup_on=None,
            open_followups=0,
            overdue_followups=health.overdue,
            open_concerns=0,
            health_score=health.score,
            health_band=health.band.value,
            health_as_of=self.today,
            health_next_change=health.next_change,
            search_text=search_text(name, values["domain"], values["industry"], ()),
        )
        return Op(row.line, "create", values, label=f"imported account {name}")


def _plan_updates(matched: list[tuple[Row, int]], result: Plan) -> None:
    fields = [getattr(Account, name) for name in EDITABLE]
    current: dict[int, dict[str, object]] = {}
    from acct_tui.db import is_postgres

    for chunk in chunked([target for _row, target in matched]):
        query = Account.select(Account.id, *fields).where(Account.id.in_(list(chunk)))
        if is_postgres():  # hold the rows an update will write, as the app's edits do
            query = query.order_by(Account.id).for_update()
        for record in dict_rows(query):
            current[record["id"]] = record
    for row, target in matched:
        now = current[target]
        changes: dict[str, Any] = {}
        before: dict[str, Any] = {}
        for name, value in row.values.items():
            old = now.get(name)
            if value == old and type(value) is type(old) and type(value) is not Decimal:
                continue  # the same value of the same type: the same JSON below, without building it
            if name == "arr" and old is not None:
                old = Decimal(str(old)).quantize(Decimal("0.01"))
            if to_json(value) != to_json(old):
                changes[name] = value
                before[name] = to_json(old)
        if not changes:
            result.unchanged += 1
            continue
        if "name" in changes:
            changes["sort_name"] = str(changes["name"]).casefold()
        if "tier" in changes:
            changes["tier_rank"] = tier_rank(changes["tier"])
        if _HEALTH_INPUTS & changes.keys() or _SEARCH_INPUTS & changes.keys():
            result.refresh.add(target)
        if _SEARCH_INPUTS & changes.keys():
            result.refresh_search.add(target)
        label = f"import updated {', '.join(sorted(k for k in changes if k in EDITABLE))}"
        result.updates.append(
            Op(row.line, "update", changes, record_id=target, before=before, account_id=target, label=label)
        )


CREATE_FIELDS = tuple(name for name in Account._meta.fields if name != "id")


def write(ctx: Ctx, result: Plan, change_id: str, progress: Callable[[int], None] | None = None) -> None:
    """Insert the new accounts, update the changed ones, add their last-touch entries, and audit it all."""
    from acct_tui.services.io.imports.write import (
        apply_updates,
        audit,
        indexes_deferred,
        insert_creates,
        reserve_ids,
        search_index_deferred,
    )

    for op, account_id in zip(result.creates, reserve_ids(Account, len(result.creates)), strict=True):
        op.record_id = op.account_id = account_id
    with search_index_deferred(len(result.creates)), indexes_deferred(Account, len(result.creates)):
        insert_creates(Account, result.creates, CREATE_FIELDS, progress)
    apply_updates(Account, result.updates, ctx.now())
    audit(ctx, change_id, Account, [*result.creates, *result.updates], EDITABLE)
    if isinstance(result, AccountPlan):
        write_touches(ctx, result, change_id)
