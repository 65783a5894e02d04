"""Forms drawn once and shown again, and drawn ahead while the app is idle.

Drawing a form's fields is what makes it slow to open (a few hundred ms on a busy
machine, the first time a session opens one). `push_form` shows a form of the same
shape drawn before, with the new form's title, values and save; `draw_spare_forms`
draws the forms the day's keys open most while nothing else runs, so the first
`l` of a session opens as fast as the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from textual.app import App

    from acct_tui.app import AcctApp
    from acct_tui.screens.base import DismissOnce

    _Base = App[int]
else:
    _Base = object


class FormPool(_Base):
    """The app's pool of drawn forms, one per shape (a mixin of `AcctApp`)."""

    _forms: dict[tuple[object, ...], DismissOnce[Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._forms = {}

    def push_form(self, form: DismissOnce[Any]) -> None:
        """Open a form, on one drawn before when one of the same shape is free.

        Drawing a form's fields is what makes it slow to open (a few hundred ms on
        a busy machine); a form drawn once is shown again at once with new values.
        """
        drawn = self._forms.get(form.shape)
        if drawn is not None and drawn.reusable:
            drawn.reuse(form)
            self.push_screen(drawn)
            return
        if drawn is None and form.poolable:
            self._forms[form.shape] = form
            self.install_screen(form, f"form-{len(self._forms)}")
        self.push_screen(form)

    @property
    def drawn_forms(self) -> tuple[DismissOnce[Any], ...]:
        """The forms kept drawn to be shown again, one per shape."""
        return tuple(self._forms.values())

    def draw_spare_forms(self, spares: list[DismissOnce[Any]] | None = None) -> None:
        """Draw, one per idle moment, the forms the day's keys open most, without showing them.

        The first `l` of a session then opens as fast as the next one (`push_form`
        shows a drawn form again). A key pressed meanwhile waits for one form at most.
        """
        if spares is None:
            from acct_tui.screens.actions import spare_forms

            spares = spare_forms(cast("AcctApp", self))
        register = getattr(self, "_register", None)  # Textual's: mounts a screen without showing it
        while spares and register is not None:
            form = spares.pop(0)
            if form.shape in self._forms:
                continue
            form.dismissed = True  # drawn, not open: free to be shown as another form
            self._forms[form.shape] = form
            self.install_screen(form, f"form-{len(self._forms)}")
            register(self, form)
            self.set_timer(0.05, lambda form=form: self._lay_out_spare(form, spares))
            return

    def _lay_out_spare(self, form: DismissOnce[Any], spares: list[DismissOnce[Any]]) -> None:
        """Lay a drawn spare out at the terminal's size, as its first showing would; then draw the next."""
        lay_out = getattr(form, "_refresh_layout", None)  # Textual's: what a screen's first showing does
        if form.is_mounted and lay_out is not None and form not in self.screen_stack:
            form.update_node_styles(animate=False)
            lay_out(self.size)
        if spares:
            self.set_timer(0.05, lambda: self.draw_spare_forms(spares))
