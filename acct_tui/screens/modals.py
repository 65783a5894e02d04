"""Small modal screens: snooze, edit with conflict handling, reading an activity; the account's fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from acct_tui.screens.base import DismissOnce
from acct_tui.screens.form import FieldNote, FieldSpec, FormModal, choices
from acct_tui.services.domain.dates import parse_date
from acct_tui.services.errors import Conflict, ValidationError
from acct_tui.services.writes import accounts
from acct_tui.text import inert
from acct_tui.vocab import Stage, Tier
from acct_tui.widgets.display import long_date

SNOOZE_CHOICES = (
    ("1", "tomorrow", "+1d"),
    ("3", "in 3 days", "+3d"),
    ("w", "in a week", "+1w"),
    ("2", "in 2 weeks", "+2w"),
    ("m", "in a month", "+1m"),
)


class SnoozeModal(DismissOnce[Any], ModalScreen[Any]):
    """Pick when (one key: 1, 3, w, 2, m, or type a date), then a reason, then enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="snooze.cancel", tooltip="Close without snoozing."),
        Binding("ctrl+s", "save", "Snooze", priority=True, id="snooze.save", tooltip="Snooze with what is chosen."),
    ]
    DEFAULT_CLASSES = "form"
    poolable = True

    def __init__(
        self,
        title: str,
        submit: Callable[[str, str], Any],
        *,
        action: str = "Snooze",
        done: str | Callable[[Any], str] = "",
        after: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.submit = submit
        self.action_word = action
        self.done = done
        self.after = after
        self.until = "+1d"
        self.saving = False
        self.ready_for_keys = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(Text(inert(self.form_title)), id="form-title")
            yield OptionList(
                *[Option(Text(f"{key}  {label}"), id=value) for key, label, value in SNOOZE_CHOICES],
                Option(Text("d  a date…"), id="date"),
                id="snooze-when",
            )
            yield Label("Until (a date, +3d, fri…)", classes="field-label")
            yield Input(placeholder="type a date or pick above", id="snooze-date")
            yield Static("", id="snooze-parsed", classes="field-error")
            yield Label("Reason", classes="field-label")
            yield Input(placeholder="optional: waiting on legal, client on holiday…", id="snooze-reason")
            yield Static("", id="form-error")
            yield Static(self._keys_line(), id="form-keys")

    def _keys_line(self) -> Text:
        keys = self.key_hint(("snooze.save", self.action_word.lower()), ("snooze.cancel", "cancel"))
        return Text(f"1 3 w 2 m pick · enter next · {keys}")

    def reuse(self, other: DismissOnce[Any]) -> None:
        """Become `other`: its title and save, the choice back on tomorrow, no reason, no date."""
        assert isinstance(other, SnoozeModal)
        self.form_title, self.submit, self.action_word = other.form_title, other.submit, other.action_word
        self.done, self.after, self.until = other.done, other.after, other.until
        self.dismissed, self.saving, self.ready_for_keys = False, False, False
        self.query_one("#form-title", Label).update(Text(inert(self.form_title)))
        self.query_one("#form-keys", Static).update(self._keys_line())
        self.query_one("#form-error", Static).update("")
        with self.prevent(Input.Changed):
            self.query_one("#snooze-date", Input).value = ""
            self.query_one("#snooze-reason", Input).value = ""
        self._open()

    def on_mount(self) -> None:
        if self.dismissed:  # escape came before the dialog was drawn
            return
        self._open()

    def _open(self) -> None:
        when = self.query_one("#snooze-when", OptionList)
        when.highlighted = 0
        self.set_focus(when)  # now: the keys typed ahead pick from it
        self._show(self.until)
        self.keys_ready()

    def on_key(self, event: events.Key) -> None:
        if not isinstance(self.focused, OptionList):
            return
        for index, (key, _label, value) in enumerate(SNOOZE_CHOICES):
            if event.key == key:
                event.stop()
                self.query_one("#snooze-when", OptionList).highlighted = index
                self._choose(value)
                return
        if event.key == "d":
            event.stop()
            self.query_one("#snooze-date", Input).focus()

    @on(OptionList.OptionSelected, "#snooze-when")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "date":
            self.query_one("#snooze-date", Input).focus()
        elif event.option.id:
            self._choose(event.option.id)

    @on(OptionList.OptionHighlighted, "#snooze-when")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != "date":
            self.until = event.option.id
            self._show(self.until)

    def _choose(self, value: str) -> None:
        self.until = value
        self._show(value)
        self.query_one("#snooze-reason", Input).focus()

    def _show(self, value: str) -> None:
        label = self.query_one("#snooze-parsed", Static)
        try:
            day = parse_date(value, self.ctx.today, "until")
        except ValidationError as exc:
            label.update(Text(exc.message))
            return
        label.update(Text(f"→ {long_date(day)}"))

    @on(Input.Changed, "#snooze-date")
    def _typed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.until = event.value
            self._show(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "snooze-date":
            self.query_one("#snooze-reason", Input).focus()
        else:
            self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if not self.is_open or self.saving:
            return
        reason = self.query_one("#snooze-reason", Input).value
        self.saving = True

        def refused(exc: Exception) -> bool:
            self.saving = False
            if not self.is_open:
                return False
            self.query_one("#form-error", Static).update(Text(f"Not saved: {exc}"))
            return True

        def saved(result: Any) -> None:
            self.dismiss(result)
            if self.after is not None:
                self.after(result)

        # The app owns the write from here: escape closes the dialog, not the save.
        self.acct.write(self.submit, self.until, reason, done=self.done, then=saved, failed=refused)


class EditAccountModal(FormModal[Any]):
    """Edit an account. Only changed fields are sent; if someone saved meanwhile,
    their values are shown beside yours and you choose: reload or overwrite."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r", "reload", "Reload theirs", show=False, id="edit.reload", tooltip="Take their values, drop yours."
        ),
        Binding(
            "ctrl+o",
            "overwrite",
            "Overwrite",
            show=False,
            id="edit.overwrite",
            tooltip="Save your changes over theirs.",
        ),
    ]

    def __init__(self, card: Any | None, *, after: Callable[[Any], None] | None = None) -> None:
        """Edit the account of `card` (services.reads.detail.AccountCard); None builds a spare to reuse."""
        self.card = card
        self.original = _shown(card.values) if card is not None else {}
        self.version = card.version if card is not None else 0
        self.force = False
        self._conflict: Conflict | None = None
        name = inert(card.name) if card is not None else ""
        super().__init__(
            f"Edit · {name}",
            account_fields(self.original),
            self._submit,
            done=f"Saved {name}",
            after=after,
        )

    def reuse(self, other: DismissOnce[Any]) -> None:
        """Become `other`: its account, values and version; no clash, no overwrite of the last edit."""
        assert isinstance(other, EditAccountModal)
        self.card, self.original, self.version = other.card, other.original, other.version
        self.force, self._conflict = False, None
        super().reuse(other)
        self.submit = self._submit  # the other's bound save would write with its own version

    def _changes(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if str(v) != self.original.get(k, "")}

    def _check(self, spec: FieldSpec, raw: Any) -> bool:
        ok = super()._check(spec, raw)
        if ok or str(raw) != self.original.get(spec.name, ""):
            return ok
        # Only changed fields are saved, so only they are judged: a domain an
        # old import stored must not stop a new ARR from being saved.
        note = self.query_one(f"#error-{spec.name}", FieldNote)
        note.update("")
        note.remove_class("is-error")
        return True

    def _submit(self, values: dict[str, Any]) -> Any:
        assert self.card is not None, "a spare edit form is saved only as another one"
        changes = self._changes(values)
        if not changes:
            return self.version
        return accounts.edit_account(self.ctx, self.card.id, self.version, changes, force=self.force)

    def on_conflict(self, exc: Conflict) -> None:
        mine = self._changes(self.values())
        theirs = {k: v for k, v in _shown(exc.theirs).items() if v != self.original.get(k, "")}
        lines = [f"{exc.message}.", "Changed by them:"]
        lines += [f"  {k}: {inert(str(v))}" for k, v in sorted(theirs.items())] or ["  (nothing you can see)"]
        lines += ["Your changes (kept in the form):"]
        lines += [f"  {k}: {inert(str(v))}" for k, v in sorted(mine.items())]
        lines += [
            self.key_hint(("edit.reload", "reload theirs (drops yours)"), ("edit.overwrite", "overwrite with yours"))
        ]
        self.query_one("#form-error", Static).update(Text("\n".join(lines)))
        self._conflict = exc

    def action_reload(self) -> None:
        conflict = self._conflict
        if conflict is None:
            return
        self.original = _shown(conflict.theirs)
        self.version = conflict.version
        self.set_values(self.original)
        self.force = False
        self.query_one("#form-error", Static).update(Text("Reloaded their values."))

    def action_overwrite(self) -> None:
        if self._conflict is None:
            return
        self.force = True
        self.action_save()


def account_fields(values: dict[str, Any] | None = None) -> list[FieldSpec]:
    v = values or {}

    def text(name: str) -> str:
        value = v.get(name)
        return "" if value is None else str(value)

    return [
        FieldSpec("name", "Name", entity="account", required=True, value=text("name")),
        FieldSpec("tier", "Tier", "choice", options=choices(Tier), value=text("tier") or "silver"),
        FieldSpec("industry", "Industry", entity="account", value=text("industry")),
        FieldSpec("arr", "ARR", entity="account", value=text("arr") or "0"),
        FieldSpec("currency", "Currency", entity="account", value=text("currency") or "USD"),
        FieldSpec("stage", "Stage", "choice", options=choices(Stage), value=text("stage") or "active"),
        FieldSpec(
            "renewal_on", "Renewal", "date", entity="account", value=text("renewal_on"), placeholder="a date, or empty"
        ),
        FieldSpec("satisfaction", "Satisfaction 0-10", entity="account", value=text("satisfaction")),
        FieldSpec("domain", "Domain", entity="account", value=text("domain"), placeholder="example.com"),
        FieldSpec("notes", "Notes", "area", entity="account", value=text("notes")),
    ]


def _shown(values: dict[str, Any]) -> dict[str, str]:
    """Stored values as the form shows them: control characters as visible stand-ins.

    What another tool stored may hold escape sequences; a field shows them
    inert, and a field left alone compares equal to what was shown, so it is
    not written back.
    """
    return {k: "" if v is None else inert(str(v), keep_newlines=k == "notes") for k, v in values.items()}


class TextModal(DismissOnce[None], ModalScreen[None]):
    """Read a long text (an activity's notes) in full."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss(None)", "Close", id="text.close", tooltip="Close."),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(Text(inert(self.title_text)), id="form-title")
            with VerticalScroll(id="text-body"):
                yield Static(Text(inert(self.body, keep_newlines=True) or "(no notes)"))
            yield Static(Text("esc close"), id="form-keys")
