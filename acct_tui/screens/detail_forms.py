"""The client detail's forms for its rows: products bought, a contact's edit and removal,
a concern's resolution note, and the yes/no question a removal asks first.

Each function opens a form (`FormModal` and `FieldSpec` as every form) and
hands the save to the app's write runner (`AcctApp.write`), which reloads the
views and says what happened with the undo key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from acct_tui.screens.form import FieldSpec, FormModal
from acct_tui.services.writes import accounts, products
from acct_tui.text import inert

if TYPE_CHECKING:
    from acct_tui.app import AcctApp

After = Callable[[Any], None] | None


def _text(value: object) -> str:
    return "" if value is None else str(value)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question before a change that takes something away: `y` or enter yes, `n` or escape no.

    Answered once: a `y` typed twice must not reach the screen beneath as a second answer.
    """

    answered = False

    DEFAULT_CLASSES = "form"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes, go ahead."),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="No, leave it as it is."),
    ]

    def __init__(self, title: str, question: str, *, yes: str = "yes") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(Text(self.title_text), id="form-title")
            yield Static(Text(self.question), id="form-intro")
            yield Static(Text(f"y or enter: {self.yes} · n or esc: keep it"), id="form-keys")

    def action_answer(self, answer: bool) -> None:
        if self.answered:
            return
        self.answered = True
        self.dismiss(answer)


# Products --------------------------------------------------------------------------------------


def _product_fields(values: dict[str, Any] | None = None, *, editing: bool = False) -> list[FieldSpec]:
    v = values or {}
    fields = [
        FieldSpec(
            "product",
            "Product",
            entity="subscription",
            required=True,
            value=_text(v.get("product")),
            placeholder="an existing product (any case) or a new name",
        ),
        FieldSpec("quantity", "Quantity", entity="subscription", required=True, value=_text(v.get("quantity") or 1)),
        FieldSpec("unit_price", "Unit price", entity="subscription", value=_text(v.get("unit_price") or "0")),
        FieldSpec(
            "start_on",
            "Start",
            "date",
            entity="subscription",
            value=_text(v.get("start_on")) if editing else "today",
            placeholder="optional",
        ),
        FieldSpec(
            "renewal_on",
            "Renews",
            "date",
            entity="subscription",
            value=_text(v.get("renewal_on")),
            placeholder="optional",
        ),
    ]
    if editing:
        fields.append(
            FieldSpec(
                "end_on", "Ends", "date", entity="subscription", value=_text(v.get("end_on")), placeholder="optional"
            )
        )
    fields.append(FieldSpec("notes", "Notes", "area", entity="subscription", value=_text(v.get("notes"))))
    return fields


class _ProductForm(FormModal[Any]):
    """The new-product form: its intro is filled in once the catalogue is read, so this very form is shown."""

    poolable: ClassVar[bool] = False


def new_product(app: AcctApp, account_id: int, account_name: str, after: After = None) -> None:
    """`p`: record a product the client bought; the catalogue's names join the intro when read.

    The form opens at once, so what is typed right after `p` lands in it."""
    intro = "Quantity, unit price and dates as agreed with sales, in the account's currency."
    form: FormModal[Any] = _ProductForm(
        f"New product · {inert(account_name)}",
        _product_fields(),
        lambda values: products.add_subscription(app.ctx, account_id, values),
        intro=intro,
        done="Product added",
        after=after,
    )
    app.push_form(form)

    def with_names(names: list[str]) -> None:
        if not names or form.dismissed:
            return
        known = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        form.intro = f"{intro} Products so far: {inert(known)}."  # for a form not composed yet
        show_intro()
        form.call_after_refresh(show_intro)  # for one composed in between

    def show_intro() -> None:
        for static in form.query("#form-intro").results(Static):
            static.update(Text(form.intro))

    app.run_service(products.product_names, then=with_names, group="form-prep")


def edit_product(app: AcctApp, row: Any, after: After = None) -> None:
    """enter in the Products pane: change the product line; a save someone made since is shown, not overwritten."""
    values = {
        "product": row.product,
        "quantity": row.quantity,
        "unit_price": row.unit_price,
        "start_on": row.start_on,
        "renewal_on": row.renewal_on,
        "end_on": row.end_on,
        "notes": row.notes,
    }
    form: FormModal[Any] = FormModal(
        f"Product · {inert(row.product)}",
        _product_fields(values, editing=True),
        lambda typed: products.edit_subscription(app.ctx, row.id, typed, version=row.version),
        done=f"Saved {inert(row.product)}",
        after=after,
    )
    app.push_form(form)


def end_product(app: AcctApp, row: Any, after: After = None) -> None:
    """delete in the Products pane: end the line on a day; it stays listed as ended."""
    fields = [FieldSpec("end_on", "Ends on", "date", entity="subscription", required=True, value="today")]
    form: FormModal[Any] = FormModal(
        f"End · {inert(row.product)}",
        fields,
        lambda typed: products.end_subscription(app.ctx, row.id, typed["end_on"]),
        intro="The product stays on the account as ended, so what the client bought stays on record.",
        save_label="end it",
        done=lambda day: f"{inert(row.product)} ends {day:%d %b %Y}",
        after=after,
    )
    app.push_form(form)


# Contacts --------------------------------------------------------------------------------------


class ContactEditModal(FormModal[Any]):
    """A contact's fields, and `ctrl+r` to remove them (asked first; past activities keep their name)."""

    poolable: ClassVar[bool] = False
    """It holds the contact it edits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "remove",
            "Remove",
            priority=True,
            id="contact.remove",
            tooltip="Remove this contact (asks first; past activities keep naming them; z undoes).",
        ),
    ]

    def __init__(self, row: Any, after: After = None) -> None:
        fields = [
            FieldSpec("name", "Name", entity="contact", required=True, value=row.name),
            FieldSpec("role", "Role", entity="contact", value=row.role, placeholder="e.g. CFO, Head of IT"),
            FieldSpec("email", "Email", entity="contact", value=row.email, placeholder="name@example.com"),
            FieldSpec("phone", "Phone", entity="contact", value=row.phone, placeholder="+1 555 123 4567"),
            FieldSpec("is_primary", "Primary contact", "bool", value="1" if row.is_primary else ""),
        ]
        super().__init__(
            f"Contact · {inert(row.name)}",
            fields,
            self._save,
            intro="ctrl+r removes this contact (asked first).",
            done=lambda result: (
                f"Removed {inert(row.name)}"
                if isinstance(result, tuple) and result[0] == "removed"
                else f"Saved {inert(row.name)}"
            ),
            after=after,
        )
        self.row = row

    def _save(self, values: dict[str, Any]) -> Any:
        version = accounts.edit_contact(self.ctx, self.row.id, values, version=self.row.version)
        return ("saved", version)

    def action_remove(self) -> None:
        if self.saving or not self.is_open:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.saving = True
            self.acct.write(
                _removed,
                self.ctx,
                self.row.id,
                done=f"Removed {inert(self.row.name)}",
                then=self._saved,
                failed=self._refused,
            )

        self.app.push_screen(remove_question(self.row), answered)


def remove_question(row: Any) -> ConfirmModal:
    return ConfirmModal(
        f"Remove {inert(row.name)}?",
        "They leave the Contacts pane and the With choices; past activities keep naming them. z undoes.",
        yes="remove",
    )


def _removed(ctx: Any, contact_id: int) -> tuple[str, None]:
    accounts.remove_contact(ctx, contact_id)
    return ("removed", None)


def edit_contact(app: AcctApp, row: Any, after: After = None) -> None:
    """enter in the Contacts pane: edit name, role, email, phone, primary; or remove."""
    app.push_form(ContactEditModal(row, after))


def remove_contact(app: AcctApp, row: Any, after: After = None) -> None:
    """delete in the Contacts pane: remove the contact, once confirmed."""

    def answered(yes: bool | None) -> None:
        if yes:
            app.write(_removed, app.ctx, row.id, done=f"Removed {inert(row.name)}", then=after)

    app.push_screen(remove_question(row), answered)


# Concerns --------------------------------------------------------------------------------------


def resolve_concern(app: AcctApp, row: Any, after: After = None) -> None:
    """`v` in the Concerns pane: resolve with a note of what resolved it."""
    fields = [
        FieldSpec(
            "resolution",
            "Resolution",
            "area",
            entity="concern",
            required=True,
        )
    ]
    form: FormModal[Any] = FormModal(
        f"Resolve · {inert(row.title)}",
        fields,
        lambda typed: _resolve(app, row.id, typed["resolution"]),
        intro="What resolved it: the fix, the credit, what the client agreed. It goes on the timeline too.",
        save_label="resolve",
        done=f"Resolved: {inert(row.title)}",
        after=after,
    )
    app.push_form(form)


def _resolve(app: AcctApp, concern_id: int, note: str) -> bool:
    accounts.resolve_concern(app.ctx, concern_id, note)
    return True  # the form closes on a result; the service returns none
