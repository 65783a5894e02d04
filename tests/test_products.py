"""Products bought, contacts edited and removed, concerns resolved with a note, and the change history
as a person reads it: services on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from acct_tui.models import Activity, AuditEntry, Concern, Contact, Product, Subscription
from acct_tui.services.context import Ctx
from acct_tui.services.errors import Conflict, NotFound, ValidationError
from acct_tui.services.reads.detail import account_history, client_detail, contact_options
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups, products
from acct_tui.services.writes.agents import add_agent
from tests.conftest import TODAY


def _account(ctx: Ctx, name: str = "Acme") -> int:
    return accounts.create_account(ctx, {"name": name, "tier": "gold", "arr": "120000", "currency": "EUR"})


def _get(model: Any, row_id: int) -> Any:
    with reading():
        return model.get_by_id(row_id)


def _other_agent(ctx: Ctx) -> Ctx:
    return Ctx(agent=add_agent(ctx, "sam", name="Sam Other"), clock=ctx.clock)


def test_add_subscription_picks_a_product_case_insensitively_or_creates_it(ctx: Ctx) -> None:
    """`analytics` finds "Analytics"; a new name joins the catalogue; the account's currency is the default."""
    account_id = _account(ctx)
    with reading():
        Product.create(name="Analytics", sku="ANL")
    first = products.add_subscription(
        ctx, account_id, {"product": "analytics", "quantity": "5", "unit_price": "1,200", "start_on": "2026-01-01"}
    )
    second = products.add_subscription(ctx, account_id, {"product": "Fleet Tracking"})
    with reading():
        assert Product.select().count() == 2
        row = Subscription.get_by_id(first)
        assert (row.product.name, row.quantity, row.unit_price, row.currency) == ("Analytics", 5, 1200, "EUR")
        assert row.start_on == dt.date(2026, 1, 1) and row.status == "active"
        assert Subscription.get_by_id(second).product.name == "Fleet Tracking"
    listed = products.list_subscriptions(ctx, account_id)
    assert [r.product for r in listed] == ["Analytics", "Fleet Tracking"]
    assert client_detail(ctx, account_id).products == listed


def test_add_subscription_refuses_bad_values(ctx: Ctx) -> None:
    """No product, a zero quantity or an end before the start are refused naming the field."""
    account_id = _account(ctx)
    for values, field in (
        ({"product": ""}, "product"),
        ({"product": "X", "quantity": "0"}, "quantity"),
        ({"product": "X", "start_on": "2026-05-01", "end_on": "2026-04-01"}, "end_on"),
    ):
        with pytest.raises(ValidationError) as caught:
            products.add_subscription(ctx, account_id, values)
        assert caught.value.field == field
    with reading():
        assert Subscription.select().count() == 0


def test_edit_and_end_a_subscription_then_undo_each(ctx: Ctx) -> None:
    """Edit writes only what changed (5 and 5.00 are one price); end dates it; `z` undoes each in turn."""
    account_id = _account(ctx)
    sub = products.add_subscription(ctx, account_id, {"product": "Core", "quantity": 10, "unit_price": "5"})
    assert products.edit_subscription(ctx, sub, {"unit_price": "5.00"}, version=1) == 1
    assert products.edit_subscription(ctx, sub, {"quantity": "12", "product": "core"}, version=1) == 2
    row = _get(Subscription, sub)
    assert (row.quantity, row.version) == (12, 2)
    with pytest.raises(Conflict):
        products.edit_subscription(ctx, sub, {"quantity": "1"}, version=1)

    day = products.end_subscription(ctx, sub, "today")
    assert day == TODAY
    ended = products.list_subscriptions(ctx, account_id)[0]
    assert (ended.end_on, ended.status, ended.state(TODAY)) == (TODAY, "cancelled", "ended")
    with pytest.raises(ValidationError, match="already ended"):
        products.end_subscription(ctx, sub)

    undo_last(ctx)
    row = _get(Subscription, sub)
    assert (row.end_on, row.status) == (None, "active")
    undo_last(ctx)
    assert _get(Subscription, sub).quantity == 10
    undo_last(ctx)
    with reading():
        assert not Subscription.select().where(Subscription.id == sub).exists()


def test_ending_later_keeps_it_active_until_then(ctx: Ctx) -> None:
    """An end date ahead reads "ends <date>" and the line stays active."""
    account_id = _account(ctx)
    sub = products.add_subscription(ctx, account_id, {"product": "Core"})
    products.end_subscription(ctx, sub, "2027-03-31")
    row = products.list_subscriptions(ctx, account_id)[0]
    assert (row.status, row.state(TODAY)) == ("active", "ends 31 Mar 2027")


def test_products_are_scope_checked(ctx: Ctx) -> None:
    """An agent who cannot see the account can neither list, add, edit nor end its products."""
    account_id = _account(ctx)
    sub = products.add_subscription(ctx, account_id, {"product": "Core"})
    sam = _other_agent(ctx)
    with pytest.raises(NotFound):
        products.list_subscriptions(sam, account_id)
    with pytest.raises(NotFound):
        products.add_subscription(sam, account_id, {"product": "Core"})
    with pytest.raises(NotFound):
        products.edit_subscription(sam, sub, {"quantity": 3})
    with pytest.raises(NotFound):
        products.end_subscription(sam, sub)
    assert _get(Subscription, sub).quantity == 1


def test_edit_contact_moves_the_primary_and_undoes(ctx: Ctx) -> None:
    """Making a contact primary demotes the old primary in the same change; `z` puts both back."""
    account_id = _account(ctx)
    ines = accounts.add_contact(ctx, account_id, {"name": "Ines"})
    rosa = accounts.add_contact(ctx, account_id, {"name": "Rosa", "email": "rosa@acme.com"})
    assert _get(Contact, ines).is_primary
    assert accounts.edit_contact(ctx, rosa, {"is_primary": True, "role": "CFO"}, version=1) == 2
    assert (_get(Contact, ines).is_primary, _get(Contact, rosa).is_primary) == (False, True)
    assert _get(Contact, rosa).role == "CFO"
    with pytest.raises(Conflict):
        accounts.edit_contact(ctx, rosa, {"role": "CEO"}, version=1)
    with pytest.raises(ValidationError):
        accounts.edit_contact(ctx, rosa, {"email": "not an email"})
    undo_last(ctx)
    assert (_get(Contact, ines).is_primary, _get(Contact, rosa).is_primary) == (True, False)
    assert _get(Contact, rosa).role == ""


def test_removed_contact_leaves_lists_but_past_activities_keep_the_name(ctx: Ctx) -> None:
    """Removal is soft: the pane and the With choices lose them, the timeline still names them; undo brings them back."""
    account_id = _account(ctx)
    ines = accounts.add_contact(ctx, account_id, {"name": "Ines"})
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Renewal call"}, contact_id=ines)
    accounts.remove_contact(ctx, ines)
    assert _get(Contact, ines).removed_at is not None
    detail = client_detail(ctx, account_id)
    assert detail.contacts == []
    assert contact_options(ctx, account_id) == []
    assert detail.timeline[0].contact == "Ines"
    with pytest.raises(NotFound):
        accounts.edit_contact(ctx, ines, {"role": "CEO"})
    with pytest.raises(NotFound):
        accounts.remove_contact(ctx, ines)
    undo_last(ctx)
    assert [c.name for c in client_detail(ctx, account_id).contacts] == ["Ines"]
    assert _get(Contact, ines).is_primary


def test_the_portfolio_filter_does_not_find_an_account_by_a_removed_contact(ctx: Ctx) -> None:
    """Searching "Ines" finds the account while she is a contact, not once she is removed; undo finds it again."""
    from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio

    account_id = _account(ctx)
    ines = accounts.add_contact(ctx, account_id, {"name": "Ines Quarshie"})

    def found() -> list[int]:
        return [row.id for row in portfolio(ctx, PortfolioQuery(text="quarshie")).rows]

    assert found() == [account_id]
    accounts.remove_contact(ctx, ines)
    assert found() == []
    undo_last(ctx)
    assert found() == [account_id]


def test_contacts_are_scope_checked(ctx: Ctx) -> None:
    """Another agent's contact cannot be edited or removed."""
    account_id = _account(ctx)
    ines = accounts.add_contact(ctx, account_id, {"name": "Ines"})
    sam = _other_agent(ctx)
    with pytest.raises(NotFound):
        accounts.edit_contact(sam, ines, {"role": "CEO"})
    with pytest.raises(NotFound):
        accounts.remove_contact(sam, ines)


def test_resolution_note_is_kept_and_on_the_timeline(ctx: Ctx) -> None:
    """Resolving stores the note, logs it on the timeline as a note (not a touch), and undo takes both back."""
    account_id = _account(ctx)
    concern = accounts.add_concern(ctx, account_id, {"title": "Slow exports", "severity": "high"})
    accounts.resolve_concern(ctx, concern, "Index added; exports take 3 s now")
    assert _get(Concern, concern).resolution == "Index added; exports take 3 s now"
    detail = client_detail(ctx, account_id)
    assert detail.concerns[0].resolution == "Index added; exports take 3 s now"
    assert detail.timeline[0].kind == "note"
    assert detail.timeline[0].body == "Index added; exports take 3 s now"
    assert detail.card.last_touch_on is None
    assert "Index added" in detail.history[0].summary or "Index added" in str(detail.history)
    undo_last(ctx)
    row = _get(Concern, concern)
    assert (row.status, row.resolution) == ("open", "")
    with reading():
        assert Activity.select().where(Activity.account == account_id).count() == 0


def test_concerns_order_by_severity_then_age(ctx: Ctx) -> None:
    """Open concerns: critical before a newer medium one, the older of a severity first; resolved ones last."""
    account_id = _account(ctx)
    old_medium = accounts.add_concern(ctx, account_id, {"title": "Old medium", "severity": "medium"})
    ctx.clock.advance(hours=1)  # type: ignore[attr-defined]
    critical = accounts.add_concern(ctx, account_id, {"title": "Outage", "severity": "critical"})
    ctx.clock.advance(hours=1)  # type: ignore[attr-defined]
    done = accounts.add_concern(ctx, account_id, {"title": "Done", "severity": "critical"})
    accounts.resolve_concern(ctx, done, "fixed")
    ctx.clock.advance(hours=1)  # type: ignore[attr-defined]
    new_medium = accounts.add_concern(ctx, account_id, {"title": "New medium", "severity": "medium"})
    low = accounts.add_concern(ctx, account_id, {"title": "Low", "severity": "low"})
    order = [c.id for c in client_detail(ctx, account_id).concerns]
    assert order == [critical, old_medium, new_medium, low, done]


def test_history_names_records_and_hides_unchanged_fields(ctx: Ctx) -> None:
    """The history says who (names, not ids) and lists only the fields that moved."""
    account_id = _account(ctx)
    accounts.add_contact(ctx, account_id, {"name": "Ines"})
    rosa = accounts.add_contact(ctx, account_id, {"name": "Rosa"})
    accounts.edit_contact(ctx, rosa, {"is_primary": True})
    sub = products.add_subscription(ctx, account_id, {"product": "Core"})
    products.edit_subscription(ctx, sub, {"product": "Analytics"})
    with reading():
        # An entry that records a field which did not move (as older versions wrote them).
        AuditEntry.create(
            change_id="x", session_id="", agent=ctx.agent.id, account=account_id, entity="follow_up",
            entity_id=1, action="update", summary="reassigned", before='{"assignee": 1, "title": "a"}',
            after='{"assignee": 1, "title": "b"}',
        )  # fmt: skip
    history = account_history(ctx, account_id)
    assert history[0].fields == (("title", "a", "b"),)
    product_change = next(h for h in history if h.summary.startswith("Analytics: edited"))
    assert ("product", "Core", "Analytics") in product_change.fields
    demoted = next(h for h in history if h.summary == "Ines no longer primary")
    assert demoted.fields == (("is_primary", True, False),)
    assert all(k != "version" for h in history for k, _b, _a in h.fields)


def test_subscription_amounts_read_back_with_cents(ctx: Ctx) -> None:
    """A price reads back as an amount with two decimals on both backends."""
    account_id = _account(ctx)
    products.add_subscription(ctx, account_id, {"product": "Core", "unit_price": "99.5"})
    assert products.list_subscriptions(ctx, account_id)[0].unit_price == Decimal("99.50")


def test_product_contact_and_concern_verbs_on_the_command_line(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    """product add / edit / end / list, contact edit / remove and concern resolve NOTE answer --json."""
    from tests.test_verbs import cli, cli_json

    cli_json(capsys, db_url, "account", "add", "Acme", "--arr", "1000")
    added = cli_json(capsys, db_url, "product", "add", "Acme", "Analytics", "--quantity", "5", "--price", "1,200",
                     "--start", "2026-01-01")  # fmt: skip
    sub = added["subscription_id"]
    cli_json(capsys, db_url, "product", "edit", str(sub), "--quantity", "7")
    ended = cli_json(capsys, db_url, "product", "end", str(sub), "--on", "2027-01-31")
    assert ended["end_on"] == "2027-01-31"
    listed = cli_json(capsys, db_url, "product", "list", "Acme")
    line = listed["products"][0]
    assert (line["product"], line["quantity"], line["unit_price"], line["end_on"]) == (
        "Analytics",
        7,
        "1200.00",
        "2027-01-31",
    )
    code, out, _err = cli(capsys, db_url, "product", "list", "Acme")
    assert code == 0 and "Analytics" in out and "ends 31 Jan 2027" in out

    contact = cli_json(capsys, db_url, "contact", "add", "Acme", "Ines", "Duarte")["contact_id"]
    cli_json(capsys, db_url, "contact", "edit", str(contact), "--role", "CFO", "--email", "ines@acme.com")
    cli_json(capsys, db_url, "contact", "remove", str(contact))
    concern = cli_json(capsys, db_url, "concern", "add", "Acme", "Slow", "exports")["concern_id"]
    cli_json(capsys, db_url, "concern", "resolve", str(concern), "Index", "added")
    code, _out, err = cli(capsys, db_url, "product", "edit", str(sub))
    assert code != 0 and "say what to change" in err

    from acct_tui.db import open_database

    open_database(db_url)
    with reading():
        row = Contact.get_by_id(contact)
        assert (row.role, row.email, row.removed_at is not None) == ("CFO", "ines@acme.com", True)
        assert Concern.get_by_id(concern).resolution == "Index added"


def test_import_products_matches_or_creates_catalogue_names_and_is_all_or_nothing(ctx: Ctx, tmp_path: Any) -> None:
    """`import products`: names picked case-insensitively or added, CRM column names read, a bad row blocks all."""
    from acct_tui.services.io.imports import ImportOptions, run_import

    account_id = _account(ctx)
    accounts.edit_account(ctx, account_id, 1, {"external_id": "001A"})
    with reading():
        Product.create(name="Core Platform")
    good = tmp_path / "assets.csv"
    good.write_text(
        "Account ID,Product Name,Quantity,Sales Price,Start Date,End Date,Status\n"
        '001A,core platform,25,"1,200.00",2026-01-01,,Active\n'
        "001A,Fleet Tracking,3,99.50,2026-02-01,2026-10-31,Cancelled\n",
        encoding="utf-8",
    )
    report = run_import(ctx, "products", good)
    assert report.ok and report.created == 2, report.errors
    rows = {r.product: r for r in products.list_subscriptions(ctx, account_id)}
    assert set(rows) == {"Core Platform", "Fleet Tracking"}
    assert (rows["Core Platform"].quantity, rows["Core Platform"].unit_price) == (25, Decimal("1200.00"))
    assert rows["Core Platform"].currency == "EUR"
    assert (rows["Fleet Tracking"].end_on, rows["Fleet Tracking"].status) == (dt.date(2026, 10, 31), "cancelled")

    again = run_import(ctx, "products", good, ImportOptions(update_existing=True))
    assert (again.created, again.unchanged) == (0, 2), again.errors

    bad = tmp_path / "bad.csv"
    bad.write_text("Account Name,Product,Quantity\nAcme,Support,2\nAcme,Training,zero\nNobody,Support,1\n")
    refused = run_import(ctx, "products", bad)
    assert not refused.ok and not refused.written
    assert {e.line for e in refused.errors} == {3, 4}
    with reading():
        assert not Product.select().where(Product.name == "Support").exists()


def test_log_with_a_removed_contact_is_refused_by_name(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    """`log --contact NAME` no longer finds a contact who was removed."""
    from tests.test_verbs import cli, cli_json

    cli_json(capsys, db_url, "account", "add", "Acme")
    contact = cli_json(capsys, db_url, "contact", "add", "Acme", "Ines")["contact_id"]
    cli_json(capsys, db_url, "log", "Acme", "call", "Before", "--contact", "Ines")
    cli_json(capsys, db_url, "contact", "remove", str(contact))
    code, _out, err = cli(capsys, db_url, "log", "Acme", "call", "After", "--contact", "Ines")
    assert code != 0 and "no single contact" in err
