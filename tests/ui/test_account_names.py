"""The new-account form refuses a name another account already has, next to the Name field."""

from __future__ import annotations

from collections.abc import Callable

from acct_tui.app import AcctApp
from acct_tui.models import Account
from acct_tui.screens.form import FieldNote, FormModal
from acct_tui.services.store.unit import reading
from tests.ui.conftest import press, settle


async def test_a_duplicate_name_is_refused_on_the_name_field(make_app: Callable[..., AcctApp]) -> None:
    """`n`, an existing account's name in another case, ctrl+s: the form stays open with the refusal under Name."""
    app = make_app()
    with reading():
        existing = Account.select(Account.name).order_by(Account.id).scalar()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "n")
        typed = existing.upper()
        await press(app, pilot, *[" " if c == " " else c for c in typed])
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FormModal)
        note = app.screen.query_one("#error-name", FieldNote)
        assert note.has_class("is-error") and "already called" in str(note.render())
    with reading():
        assert Account.select().where(Account.sort_name == existing.casefold()).count() == 1
