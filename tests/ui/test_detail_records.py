"""Client detail rows worked with real keys: products bought, contacts edited and removed,
concerns resolved with a note, the timeline reader, the history, and the keys each pane offers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from acct_tui.app import AcctApp
from acct_tui.models import Concern, Contact, Subscription
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.detail_forms import ConfirmModal, ContactEditModal
from acct_tui.screens.form import FormModal
from acct_tui.services.context import Ctx
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle


def _no_products() -> None:
    """The demo gives every account its product lines: these tests start from an account with none."""
    with reading():
        Subscription.delete().execute()


async def _open_first(app: AcctApp, pilot: object) -> int:
    await settle(app, pilot)  # type: ignore[arg-type]
    await press(app, pilot, "enter")  # type: ignore[arg-type]
    assert isinstance(app.screen, AccountScreen)
    return app.screen.account_id


async def _pane(app: AcctApp, pilot: object, key: str) -> None:
    assert isinstance(app.screen, AccountScreen)
    while app.screen.pane != key:
        await pilot.press("t")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]


def _footer(app: AcctApp) -> str:
    return screen_text(app).rstrip().splitlines()[-1]


async def test_products_add_edit_end_and_undo(make_app: Callable[..., AcctApp]) -> None:
    """`p` records a product, enter edits it, delete ends it, `z` takes the end back; the pane shows each step."""
    _no_products()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await _pane(app, pilot, "products")
        await press(app, pilot, "p")
        assert isinstance(app.screen, FormModal)
        assert "Products so far: " in screen_text(app)  # the catalogue's names, to pick from
        await press(app, pilot, *"Fleet Tracking", "tab", "ctrl+u", "2", "5", "tab", *"1200", "ctrl+s")
        with reading():
            line = Subscription.get(Subscription.account == account_id)
        assert (line.product.name, line.quantity, line.unit_price, line.start_on) == ("Fleet Tracking", 25, 1200, TODAY)
        assert "Fleet Tracking" in screen_text(app) and "Products 1" in screen_text(app)

        await press(app, pilot, "enter")
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-quantity").value = "30"
        await press(app, pilot, "ctrl+s")
        with reading():
            assert Subscription.get_by_id(line.id).quantity == 30

        await press(app, pilot, "delete")
        assert isinstance(app.screen, FormModal)
        await press(app, pilot, "ctrl+s")
        with reading():
            assert Subscription.get_by_id(line.id).end_on == TODAY
        assert "ended" in screen_text(app)
        await press(app, pilot, "z")
        with reading():
            assert Subscription.get_by_id(line.id).end_on is None


async def test_enter_on_a_contact_edits_and_ctrl_r_removes_after_asking(make_app: Callable[..., AcctApp]) -> None:
    """enter opens the contact's form; a save writes it; ctrl+r asks, then removes; the pane and With lose them."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await _pane(app, pilot, "contacts")
        await press(app, pilot, "enter")
        assert isinstance(app.screen, ContactEditModal)
        name = app.screen.row.name
        app.screen.query_one("#field-role").value = "COO"
        await press(app, pilot, "ctrl+s")
        with reading():
            contact = Contact.get(Contact.account == account_id, Contact.name == name)
        assert contact.role == "COO"
        assert "COO" in screen_text(app)

        await press(app, pilot, "enter", "ctrl+r")
        assert isinstance(app.screen, ConfirmModal)
        await press(app, pilot, "n")
        assert isinstance(app.screen, ContactEditModal)
        await press(app, pilot, "ctrl+r", "y")
        assert isinstance(app.screen, AccountScreen)
        with reading():
            assert Contact.get_by_id(contact.id).removed_at is not None
        assert name not in screen_text(app).split("Contacts")[-1]

        await press(app, pilot, "l")
        options = [str(label) for label, _value in app.screen.query_one("#field-contact")._options]
        assert not any(name in option for option in options)
        await press(app, pilot, "escape", "z")
        with reading():
            assert Contact.get_by_id(contact.id).removed_at is None


async def test_delete_on_a_contact_asks_first(make_app: Callable[..., AcctApp]) -> None:
    """delete in the Contacts pane asks; escape keeps the contact, y removes them."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await _pane(app, pilot, "contacts")
        await press(app, pilot, "delete")
        assert isinstance(app.screen, ConfirmModal)
        await press(app, pilot, "escape")
        with reading():
            assert Contact.select().where(Contact.account == account_id, Contact.removed_at.is_null(False)).count() == 0
        await press(app, pilot, "delete", "y")
        with reading():
            assert Contact.select().where(Contact.account == account_id, Contact.removed_at.is_null(False)).count() == 1


async def test_resolve_asks_for_a_note_and_shows_it(make_app: Callable[..., AcctApp]) -> None:
    """`v` opens a resolution form (required); the note shows in the concerns pane, its reader and the timeline."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await _pane(app, pilot, "concerns")
        await press(app, pilot, "v", "ctrl+s")
        assert isinstance(app.screen, FormModal)
        assert "required" in screen_text(app)
        await press(app, pilot, *"Hotfix shipped", "ctrl+s")
        assert isinstance(app.screen, AccountScreen)
        with reading():
            concern = Concern.get(Concern.account == account_id, Concern.status == "resolved")
        assert concern.resolution == "Hotfix shipped"
        assert "Hotfix shipped" in screen_text(app)
        while not (app.screen.rows.current and app.screen.rows.current.id == concern.id):
            await pilot.press("j")
        await press(app, pilot, "enter")
        assert "Hotfix shipped" in screen_text(app)
        await press(app, pilot, "escape")
        await _pane(app, pilot, "timeline")
        assert "Resolved" in screen_text(app)


async def test_concerns_list_critical_before_a_newer_medium(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """A new medium concern lists under an older critical one."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        accounts.add_concern(demo_ctx, account_id, {"title": "Zz new medium", "severity": "medium"})
        app.changed()
        await _pane(app, pilot, "concerns")
        rows = app.screen.detail.concerns
        ranks = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        open_rows = [r for r in rows if r.status == "open"]
        assert [ranks[r.severity] for r in open_rows] == sorted(ranks[r.severity] for r in open_rows)


async def test_timeline_reader_names_the_contact(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """enter on a timeline entry shows who it was with and who logged it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        with reading():
            contact = Contact.get(Contact.account == account_id)
        from acct_tui.services.writes import followups

        followups.log_activity(demo_ctx, account_id, {"kind": "call", "summary": "Pricing call"}, contact_id=contact.id)
        app.changed()
        await settle(app, pilot)
        await press(app, pilot, "g", "enter")
        assert f"with {contact.name}" in screen_text(app)


async def test_history_shows_names_and_only_what_changed(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """The History pane names the new primary contact's change, not raw ids, and no `x -> x` entries."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        accounts.handoff(demo_ctx, account_id, _other_agent_id(demo_ctx), "Over to you", move_followups=False)
        app.changed()
        await _pane(app, pilot, "history")
        text = screen_text(app)
        assert "owner:" in text
        assert "owner: 1" not in text
        history = app.screen.detail.history
        assert all(before != after for h in history for _k, before, after in h.fields)


def _other_agent_id(ctx: Ctx) -> int:
    from acct_tui.models import Agent

    with reading():
        return int(Agent.select().where(Agent.id != ctx.agent.id).order_by(Agent.id).first().id)


async def test_pane_keys_show_only_where_they_apply_at_80x24(make_app: Callable[..., AcctApp]) -> None:
    """At 80x24 the footer offers Change and Remove in Contacts, Change and End in Products, Read in the timeline."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first(app, pilot)
        timeline = _footer(app)
        assert "Read" in timeline and "Remove" not in timeline and "End" not in timeline
        await _pane(app, pilot, "contacts")
        contacts = _footer(app)
        assert "Change" in contacts and "Remove" in contacts and "Read" not in contacts
        await _pane(app, pilot, "products")
        products = _footer(app)
        assert "Change" in products and "End" in products and "Remove" not in products
        await press(app, pilot, "question_mark")
        ids = {binding_id for _key, _sentence, binding_id in app.screen.rows}
        assert {"detail.product", "detail.edit_product", "detail.end_product"} <= ids
        assert not {"detail.remove_contact", "detail.read"} & ids


async def test_contacts_pane_gives_a_long_email_the_room(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """A long email shows whole at 120 columns instead of being cut while Name has spare cells."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        email = "procurement.operations.team@kestrelfreight-logistics.com"
        accounts.add_contact(demo_ctx, account_id, {"name": "Pat", "email": email})
        app.changed()
        await _pane(app, pilot, "contacts")
        assert email in screen_text(app)


async def test_dashboard_import_offers_products(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """The import form lists Products; a file of assets lands on the account's Products pane."""
    from textual.widgets import Input, Select

    from acct_tui.screens.transfer import ImportModal, open_import

    source = tmp_path / "assets.csv"
    _no_products()
    source.write_text("Account Name,Product Name,Quantity\nKestrel Freight,Fleet Tracking,12\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        open_import(app, "products")
        await settle(app, pilot)
        assert isinstance(app.screen, ImportModal)
        assert app.screen.query_one("#import-kind", Select).value == "products"
        app.screen.query_one("#import-path", Input).value = str(source)
        await press(app, pilot, "ctrl+s")
        with reading():
            line = Subscription.get(Subscription.quantity == 12)
        assert line.product.name == "Fleet Tracking"


async def test_keys_typed_right_after_p_land_in_the_form(make_app: Callable[..., AcctApp]) -> None:
    """`p` then a product name typed at once: the form gets every key; the catalogue's product is picked by name."""
    from acct_tui.models import Product

    _no_products()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        with reading():
            before = Product.select().count()
        await press(app, pilot, "p", *"core platform", "ctrl+s")
        with reading():
            line = Subscription.get(Subscription.account == account_id)
            assert Product.select().count() == before
        assert line.product.name == "Core Platform"
