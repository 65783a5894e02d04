"""Importing accounts: clean each row, then match it to an account that is already there.

A row matches by external id first; without one (or with one no account
holds yet), by domain, then by name, among the accounts the agent may see
that carry no other external id. Two rows of one file for the same account
are refused rather than merged. New accounts get their derived columns
(health, cadence, search text) from the same rule `derived.refresh_accounts`
applies, computed here so a large file needs no second pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from acct_tui.models import Account
from acct_tui.services import validation as v
from acct_tui.services.context import Ctx
from acct_tui.services.derived import tier_rank
from acct_tui.services.errors import ValidationError
from acct_tui.services.health import Health, HealthInputs, assess
from acct_tui.services.imports.base import (
    AgentBook,
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
from acct_tui.services.imports.columns import ColumnMap
from acct_tui.services.imports.values import (
    currency_of,
    detect_date_order,
    detect_decimal_mark,
    parse_amount_cell,
    parse_date_cell,
)
from acct_tui.services.scope import scoped
from acct_tui.services.search import search_text
from acct_tui.services.unit import to_json
from acct_tui.vocab import Stage, Tier

EDITABLE = ("name", "external_id", "domain", "industry", "arr", "currency", "tier", "stage", "renewal_on",
            "satisfaction", "notes", "owner")  # fmt: skip
_HEALTH_INPUTS = {"tier", "satisfaction", "renewal_on"}
_SEARCH_INPUTS = {"name", "domain", "industry"}
_STAGE_WORDS = {"customer": "active", "current customer": "active", "former customer": "churned", "churn": "churned",
                "lost": "churned", "new": "onboarding", "implementation": "onboarding"}  # fmt: skip


def _stage(raw: str) -> str:
    word = raw.strip().casefold()
    return _STAGE_WORDS.get(word) or v.choice(raw, Stage, "stage").value


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Clean every cell of every row; errors name the line and the file's column."""
    date_column = None
    if columns.has("renewal_on"):
        try:
            date_column = detect_date_order(
                ((r.line, c) for r in rows if (c := cell(r, columns, "renewal_on")).strip()),
                columns.column("renewal_on"),
                options.date_order,
            )
        except ValidationError as exc:
            errors.add(0, columns.column("renewal_on"), exc.message, fatal=True)
    mark = None
    if columns.has("arr"):
        try:
            mark = detect_decimal_mark(
                ((r.line, c) for r in rows if (c := cell(r, columns, "arr")).strip()), columns.column("arr")
            )
        except ValidationError as exc:
            errors.add(0, columns.column("arr"), exc.message, fatal=True)
    cleaners: dict[str, Callable[[str], Any]] = {
        "name": lambda raw: v.clean_text(raw, "name", max_len=200, required=True),
        "external_id": lambda raw: v.clean_text(raw, "external_id", max_len=120),
        "domain": lambda raw: v.domain(raw),
        "industry": lambda raw: v.clean_text(raw, "industry", max_len=80),
        "arr": lambda raw: parse_amount_cell(raw, mark, "arr"),
        "currency": lambda raw: v.currency(raw),
        "tier": lambda raw: v.choice(raw, Tier, "tier").value,
        "stage": _stage,
        "satisfaction": lambda raw: v.integer(raw, "satisfaction", low=0, high=10, required=False),
        "notes": lambda raw: v.clean_text(raw, "notes", max_len=5000, multiline=True),
        "owner": lambda raw: v.clean_text(raw, "owner", max_len=120),
    }
    if date_column is not None:
        cleaners["renewal_on"] = lambda raw: parse_date_cell(raw, date_column, "renewal_on")
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


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    """Match rows to existing accounts and decide each row's write (inside the import's transaction)."""
    agents = AgentBook.load()
    all_by_external: dict[str, int] = dict(
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

    result = Plan()
    seen: dict[tuple[str, str], int] = {}
    claimed: dict[int, int] = {}
    health_cache: dict[tuple[Any, ...], Health] = {}
    matched: list[tuple[Row, int]] = []
    for row in rows:
        values = row.values
        key = _key_text(values)
        if key in seen:
            errors.add(row.line, _key_column(columns, key[0]), f"the same {key[0]} as line {seen[key]}")
            continue
        seen[key] = row.line
        if "owner" in values:
            try:
                values["owner"] = agents.find(values["owner"])
            except ValidationError as exc:
                errors.add(row.line, columns.column("owner"), exc.message)
                continue
        try:
            target = _match(values, all_by_external, visible, free, by_domain, by_name)
        except ValidationError as exc:
            errors.add(row.line, _key_column(columns, key[0]), exc.message)
            continue
        if target is not None and target in claimed:
            errors.add(row.line, _key_column(columns, key[0]), f"is the same account as line {claimed[target]}")
            continue
        if target is None:
            result.creates.append(_create(ctx, row, health_cache))
            continue
        claimed[target] = row.line
        if options.update_existing:
            matched.append((row, target))
        else:
            result.existing_skipped += 1
    _plan_updates(matched, result)
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
    if external_id:
        found = all_by_external.get(external_id)
        if found is not None:
            if found not in visible:
                raise ValidationError(f"{external_id!r} is the external id of an account you cannot see")
            return found
    for label, index, key in (
        ("domain", by_domain, values.get("domain")),
        ("name", by_name, str(values["name"]).casefold()),
    ):
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


def _create(ctx: Ctx, row: Row, health_cache: dict[tuple[Any, ...], Health]) -> Op:
    values = dict(row.values)
    values.setdefault("tier", Tier.SILVER.value)
    values.setdefault("stage", Stage.ACTIVE.value)
    values.setdefault("owner", ctx.agent.id)
    values.setdefault("arr", Decimal("0.00"))
    values.setdefault("currency", "USD")
    values.setdefault("industry", "")
    values.setdefault("notes", "")
    values.setdefault("external_id", None)
    values.setdefault("domain", None)
    values.setdefault("renewal_on", None)
    values.setdefault("satisfaction", None)
    if values["external_id"] == "":
        values["external_id"] = None
    cadence = ctx.policy.cadence_for(values["tier"])
    health_key = (cadence, values["satisfaction"], values["renewal_on"])
    health = health_cache.get(health_key)
    if health is None:
        inputs = HealthInputs(cadence, None, (), values["satisfaction"], (), values["renewal_on"])
        health = health_cache[health_key] = assess(inputs, ctx.today, ctx.policy)
    now = ctx.now()
    values.update(
        sort_name=str(values["name"]).casefold(),
        tier_rank=tier_rank(values["tier"]),
        team=None,
        created_at=now,
        updated_at=now,
        version=1,
        cadence_days=cadence,
        last_touch_at=None,
        touch_due_on=None,
        next_followup_on=None,
        open_followups=0,
        overdue_followups=health.overdue,
        open_concerns=0,
        health_score=health.score,
        health_band=health.band.value,
        health_as_of=ctx.today,
        health_next_change=health.next_change,
        search_text=search_text(values["name"], values["domain"], values["industry"], ()),
    )
    return Op(row.line, "create", values, label=f"imported account {values['name']}")


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
    """Insert the new accounts, update the changed ones, and audit both."""
    from acct_tui.services.imports.write import (
        apply_updates,
        audit,
        insert_creates,
        reserve_ids,
        search_index_deferred,
    )

    for op, account_id in zip(result.creates, reserve_ids(Account, len(result.creates)), strict=True):
        op.record_id = op.account_id = account_id
    with search_index_deferred(len(result.creates)):
        insert_creates(Account, result.creates, CREATE_FIELDS, progress)
    apply_updates(Account, result.updates, ctx.now())
    audit(ctx, change_id, Account, [*result.creates, *result.updates], EDITABLE)
