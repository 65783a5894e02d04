"""FormModal: a keyboard form that checks as you type and never loses what was typed.

Fields are declared with `FieldSpec`. Each is checked on every change with
the same rule the service applies (`services.fields.check_field`, pure, no
database) and its message shows under the field. Saving hands the service
call to the app's write runner: a refusal comes back next to the field it
names and the form stays open with every value as typed; once saved, the app
(not the form) reloads the views and says what was done, even when escape
closed the form meanwhile. `tab` / `shift+tab` move between fields, `ctrl+s`
saves (as does `enter` on the last field), `escape` cancels.

The form opens at once: choices that come from the database (contacts,
agents) are read by `load` while it is drawn, and keys typed meanwhile wait
for it (the app holds them until `keys_ready`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from acct_tui.screens.base import DismissOnce
from acct_tui.services.errors import Conflict, ServiceError, ValidationError
from acct_tui.widgets.display import long_date

R = TypeVar("R")
Options = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Loaded:
    """Choices read for a field together with the one to preselect (a follow-up's person)."""

    options: Options
    value: str = ""


Choices = Mapping[str, "Options | Loaded"]
"""Field name -> its choices (label, value)."""


class FieldNote(Static):
    """The line under a field: its error, or what a date reads as. Hidden when empty."""

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self.display = bool(content)
        super().update(content, layout=layout)

    def on_mount(self) -> None:
        self.display = False


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form."""

    name: str
    label: str
    kind: str = "text"  # text, area, choice, date, bool
    entity: str | None = None
    rule: str | None = None  # the field's name in services.fields, when it differs
    options: Sequence[tuple[str, str]] = ()
    value: str = ""
    placeholder: str = ""
    required: bool = False
    allow_blank: bool = False
    none_left: str = ""
    """For a choice whose options `load` reads: what to say (the form then closes) when there are none."""


class FormModal(DismissOnce[R], ModalScreen[R]):
    """A modal form over the current screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="form.save", tooltip="Save the form."),
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close the form without saving."),
    ]

    DEFAULT_CLASSES = "form"
    poolable: ClassVar[bool] = True
    """Whether the app may keep it drawn to show again (`AcctApp.push_form`)."""
    undoable = True
    """Whether its save is an undo step (a saved view, a preference, is not)."""

    def __init__(
        self,
        title: str,
        fields: Sequence[FieldSpec],
        submit: Callable[[dict[str, Any]], R],
        *,
        intro: str = "",
        save_label: str = "save",
        done: str | Callable[[R], str] = "",
        after: Callable[[R], None] | None = None,
        load: Callable[[], Choices] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self.save_label = save_label
        self.done = done
        """What the app says once it is saved."""
        self.after = after
        """Called with the service's result once saved (even if the form was closed meanwhile)."""
        self.load = load
        self.saving = False
        self.ready_for_keys = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(Text(self.form_title), id="form-title")
            if self.intro:
                yield Static(Text(self.intro), id="form-intro")
            # The scrolling box is not a stop for tab: focus goes from field to field.
            with VerticalScroll(id="form-fields", can_focus=False):
                for spec in self.fields:
                    with Horizontal(classes="field-row"):
                        yield Label(Text(spec.label + (" *" if spec.required else "")), classes="field-label")
                        yield self._widget(spec)
                    yield FieldNote(id=f"error-{spec.name}", classes="field-error")
            yield Static("", id="form-error")
            yield Static(self._keys_line(), id="form-keys")

    def _keys_line(self) -> Text:
        save, cancel = self.key_hint(("form.save", self.save_label)), self.key_hint(("form.cancel", "cancel"))
        return Text(f"{save} · tab next field · {cancel}")

    @property
    def shape(self) -> tuple[object, ...]:
        """What its widgets are: two forms of one shape can be drawn once and shown again."""
        fields = tuple((s.name, s.kind, s.label, s.required, _blank(s)) for s in self.fields)
        return (type(self), bool(self.intro), fields)

    def reuse(self, other: DismissOnce[R]) -> None:
        """Become `other` (a form of the same shape): its title, values, choices and save; nothing of the last one."""
        assert isinstance(other, FormModal)
        self.form_title, self.fields, self.submit = other.form_title, other.fields, other.submit
        self.intro, self.save_label, self.done, self.after, self.load = (
            other.intro, other.save_label, other.done, other.after, other.load,
        )  # fmt: skip
        self.dismissed, self.saving, self.ready_for_keys = False, False, False
        self.query_one("#form-title", Label).update(Text(self.form_title))
        if self.intro:
            self.query_one("#form-intro", Static).update(Text(self.intro))
        self.query_one("#form-keys", Static).update(self._keys_line())
        self.query_one("#form-error", Static).update("")
        for spec in self.fields:
            note = self.query_one(f"#error-{spec.name}", FieldNote)
            note.update("")
            note.remove_class("is-error")
            self._reset_widget(spec)
        self._open()

    def _reset_widget(self, spec: FieldSpec) -> None:
        # A value put back is not a value typed: no "required" under an empty field just opened.
        with self.prevent(Input.Changed, TextArea.Changed):
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                widget.set_options([(Text(label), value) for label, value in spec.options])
                widget.value = spec.value if not _blank(spec) else Select.NULL
            elif isinstance(widget, Input):
                widget.value = spec.value
                widget.placeholder = spec.placeholder
            elif isinstance(widget, TextArea):
                widget.text = spec.value
            elif isinstance(widget, Checkbox):
                widget.value = spec.value in ("1", "true", "yes")

    def _widget(self, spec: FieldSpec) -> Widget:
        wid = f"field-{spec.name}"
        if spec.kind == "area":
            return TextArea(
                spec.value, id=wid, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True
            )
        if spec.kind == "choice":
            blank = _blank(spec)
            return Select(
                [(Text(label), option) for label, option in spec.options],
                id=wid,
                value=Select.NULL if blank else spec.value,
                allow_blank=blank,
                prompt=spec.placeholder or "choose…",
                compact=True,
            )
        if spec.kind == "bool":
            return Checkbox("", value=spec.value in ("1", "true", "yes"), id=wid, compact=True)
        return Input(spec.value, placeholder=spec.placeholder, id=wid, select_on_focus=False, compact=True)

    def on_mount(self) -> None:
        if self.dismissed:  # escape came before the form was drawn, or it is a spare (`AcctApp.draw_spare_forms`)
            return
        self._open()

    def _open(self) -> None:
        """Focus the first field, check the dates given, read the choices; then take the keys typed ahead."""
        if self.fields:
            # Now, not on the next turn: the keys typed ahead go to this field.
            self.set_focus(self.query_one(f"#field-{self.fields[0].name}"))
        for spec in self.fields:
            if spec.kind in ("date",) and spec.value:
                self._check(spec, spec.value)
        if self.load is None:
            self.keys_ready()
            return
        self.query_one("#form-error", Static).update(Text("loading choices…"))
        self.acct.run_service(self.load, then=self._loaded, failed=self._not_loaded, group="form-load", node=self)

    def _loaded(self, choices: Choices) -> None:
        self.query_one("#form-error", Static).update("")
        for name, read in choices.items():
            spec = self._spec(f"field-{name}")
            if spec is None:
                continue
            options = read.options if isinstance(read, Loaded) else read
            if isinstance(read, Loaded) and read.value:
                spec = replace(spec, value=read.value)
            if not options and spec.none_left:
                self.app.notify(spec.none_left, severity="warning", markup=False)
                self.dismiss(None)
                self.keys_ready()  # what was typed ahead goes to the screen beneath
                return
            spec = replace(spec, options=tuple(options))
            self.fields = [spec if s.name == name else s for s in self.fields]
            widget = self.query_one(f"#field-{name}", Select)
            widget.set_options([(Text(label), value) for label, value in options])
            values = {value for _label, value in options}
            if spec.value in values:
                widget.value = spec.value
            elif options and not spec.allow_blank:
                widget.value = options[0][1]
        self.keys_ready()

    def _not_loaded(self, exc: Exception) -> None:
        self.query_one("#form-error", Static).update(Text(f"Choices not loaded: {exc}"))
        self.keys_ready()

    # Values -------------------------------------------------------------------

    def value_of(self, spec: FieldSpec) -> Any:
        widget = self.query_one(f"#field-{spec.name}")
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        assert isinstance(widget, Input)
        return widget.value

    def values(self) -> dict[str, Any]:
        return {spec.name: self.value_of(spec) for spec in self.fields}

    def _spec(self, widget_id: str | None) -> FieldSpec | None:
        name = (widget_id or "").removeprefix("field-")
        return next((s for s in self.fields if s.name == name), None)

    # Checking as you type -------------------------------------------------------

    def _check(self, spec: FieldSpec, raw: Any) -> bool:
        from acct_tui.services.domain.fields import check_field

        error = self.query_one(f"#error-{spec.name}", FieldNote)
        if spec.required and not str(raw).strip():
            error.update(Text("required"))
            error.add_class("is-error")
            return False
        if spec.entity is None or (not spec.required and not str(raw).strip()):
            error.update("")
            error.remove_class("is-error")
            return True
        try:
            value = check_field(spec.entity, spec.rule or spec.name, raw, self.ctx.today)
        except ValidationError as exc:
            error.update(Text(exc.message))
            error.add_class("is-error")
            return False
        except KeyError:
            value = raw
        error.remove_class("is-error")
        if spec.kind == "date" and value is not None and hasattr(value, "strftime"):
            from acct_tui.services.domain.dates import past_hint

            past = past_hint(value, self.ctx.today) if spec.name == "due_on" else ""
            error.update(Text(f"→ {long_date(value)}" + (f" · {past}" if past else "")))
        else:
            error.update("")
        return True

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        spec = self._spec(event.input.id)
        if spec is not None:
            self._check(spec, event.value)

    @on(TextArea.Changed)
    def _area_changed(self, event: TextArea.Changed) -> None:
        spec = self._spec(event.text_area.id)
        if spec is not None:
            self._check(spec, event.text_area.text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [s for s in self.fields if s.kind not in ("area",)]
        spec = self._spec(event.input.id)
        if spec is not None and inputs and spec is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    # Saving ---------------------------------------------------------------------

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving or not self.is_open:
            return
        ok = True
        for spec in self.fields:
            if spec.kind not in ("bool",):
                ok = self._check(spec, self.value_of(spec)) and ok
        if not ok:
            self.query_one("#form-error", Static).update(Text("Fix the fields marked above, then save again."))
            self._focus_first_error()
            return
        self.saving = True
        self.query_one("#form-error", Static).update(Text("saving…"))
        # The app owns the write from here: escape closes the form, not the save.
        self.acct.write(
            self.submit, self.values(), done=self.done, then=self._saved, failed=self._refused, undoable=self.undoable
        )

    def _saved(self, result: R) -> None:
        self.saving = False
        self.dismiss(result)
        if self.after is not None:
            self.after(result)

    def _refused(self, exc: Exception) -> bool:
        """Show a refusal in the form, if it is still open (otherwise the app shows it)."""
        if not self.is_open:
            return False
        self.show_failure(exc)
        return True

    def show_failure(self, exc: Exception) -> None:
        """A refusal from the service: shown where it belongs; nothing typed is lost."""
        self.saving = False
        form_error = self.query_one("#form-error", Static)
        if isinstance(exc, ValidationError) and exc.field and self._spec(f"field-{exc.field}"):
            note = self.query_one(f"#error-{exc.field}", FieldNote)
            note.update(Text(exc.message))
            note.add_class("is-error")
            self.query_one(f"#field-{exc.field}").focus()
            form_error.update(Text("Not saved: fix the field marked above."))
            return
        if isinstance(exc, Conflict):
            self.on_conflict(exc)
            return
        message = exc.message if isinstance(exc, ServiceError) else f"{exc.__class__.__name__}: {exc}"
        form_error.update(Text(f"Not saved: {message}"))

    def on_conflict(self, exc: Conflict) -> None:
        self.query_one("#form-error", Static).update(Text(f"Not saved: {exc.message}"))

    def _focus_first_error(self) -> None:
        for spec in self.fields:
            if self.query_one(f"#error-{spec.name}", FieldNote).has_class("is-error"):
                self.query_one(f"#field-{spec.name}").focus()
                return

    def set_values(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            spec = self._spec(f"field-{name}")
            if spec is None:
                continue
            widget = self.query_one(f"#field-{name}")
            text = "" if value is None else str(value)
            if isinstance(widget, Input):
                widget.value = text
            elif isinstance(widget, TextArea):
                widget.text = text
            elif isinstance(widget, Select):
                widget.value = text if text else Select.NULL
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)


def _blank(spec: FieldSpec) -> bool:
    """Whether a choice starts with nothing chosen (its value is not among its options)."""
    return spec.allow_blank or spec.value not in {value for _label, value in spec.options}


def choices(enum: Iterable[Any]) -> list[tuple[str, str]]:
    """An enum's members as (label, value) choices."""
    return [(member.label, member.value) for member in enum]
