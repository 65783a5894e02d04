"""Keys are yours: the config file's `[keys]` section maps a binding id to the key(s) to press.

```toml
[keys]
"portfolio.sort" = "o"          # sort with o instead of s
"queue.snooze" = "z,ctrl+z"     # several keys, comma-separated
```

Every binding of the app has a stable id (`?` lists them). An id the app
does not know, or a key that is not text, is reported (not fatal): the rest
of the keymap still applies.

The app hands in its own class: this module knows the screens, never the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode


def binding_classes() -> list[type[DOMNode]]:
    """Every screen (and shared widget) whose BINDINGS a person may remap (the app adds its own class)."""
    # Read only when a config remaps keys: the views not yet opened load here, not at start-up.
    from acct_tui.screens.command_line import CommandLineModal
    from acct_tui.screens.detail import AccountScreen
    from acct_tui.screens.form import FormModal
    from acct_tui.screens.help import HelpScreen
    from acct_tui.screens.modals import EditAccountModal, SnoozeModal, TextModal
    from acct_tui.screens.portfolio import PortfolioScreen
    from acct_tui.screens.queue import QueueScreen
    from acct_tui.screens.reports import ReportsScreen
    from acct_tui.screens.today import TodayScreen
    from acct_tui.screens.whatif import WhatIfModal
    from acct_tui.widgets.find import FindBar
    from acct_tui.widgets.rows import RowList

    return [
        PortfolioScreen,
        QueueScreen,
        TodayScreen,
        ReportsScreen,
        AccountScreen,
        FormModal,
        EditAccountModal,
        SnoozeModal,
        TextModal,
        HelpScreen,
        WhatIfModal,
        CommandLineModal,
        RowList,  # the list keys every view shares: j/k, marks, n/N…
        FindBar,
    ]


def known_ids(classes: Iterable[type[Any]]) -> dict[str, Binding]:
    """Binding id -> its binding, over the classes (and the classes they inherit from)."""
    found: dict[str, Binding] = {}
    for cls in classes:
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    found.setdefault(binding.id, binding)
    return found


def keymap_from_config(raw: Mapping[str, object], classes: Iterable[type[Any]]) -> tuple[dict[str, str], list[str]]:
    """The `[keys]` section as a Textual keymap for the bindings of `classes`, and a line for each entry left out."""
    section = raw.get("keys", {})
    if not isinstance(section, Mapping):
        return {}, ['[keys] must be a table of "binding.id" = "key"']
    known = known_ids(classes)
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in section.items():
        if binding_id not in known:
            problems.append(f"keys.{binding_id}: no such key binding (press ? to see the ids)")
        elif not isinstance(keys, str) or not keys.strip() or any(not k.strip() for k in keys.split(",")):
            problems.append(f'keys.{binding_id}: give the key as text, e.g. "o" or "ctrl+o" (got {keys!r})')
        else:
            keymap[str(binding_id)] = ",".join(k.strip() for k in keys.split(","))
    return keymap, problems
