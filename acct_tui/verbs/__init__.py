"""The command line's verbs, a module per group; each registers its sub-commands.

A module exposes `register(subparsers, common) -> {verb: handler}`; a handler
is `(args, settings, clock) -> exit code`. Handlers import what they need
when they run, so `acct-tui --help` and screenless verbs stay quick.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Protocol

from acct_tui.clock import Clock
from acct_tui.config import Settings

Handler = Callable[[argparse.Namespace, Settings, Clock], int]


class VerbModule(Protocol):
    """What each verb module offers: its sub-commands registered on the parser."""

    def register(self, verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]: ...


def _modules() -> list[VerbModule]:
    from acct_tui.verbs import actions, agents, basic, data, remind, reports, ssh

    return [basic, actions, agents, data, reports, ssh, remind]


def modules_for(verb: str | None) -> list[VerbModule]:
    """The verb modules to register for `verb`: a quick verb's own group (the others' help texts import
    half the services), else all of them."""
    from acct_tui.verbs import remind

    if verb in remind.QUICK_VERBS:
        return [remind]
    return _modules()
