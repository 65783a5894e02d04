"""The layering rules that keep the domain free of the UI."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_services_do_not_import_textual() -> None:
    """Importing every service leaves Textual unloaded."""
    loaded = _modules_after(
        "import acct_tui.services.portfolio, acct_tui.services.queue, acct_tui.services.upkeep, "
        "acct_tui.services.detail, acct_tui.services.accounts, acct_tui.services.followups, "
        "acct_tui.services.undo, acct_tui.services.seed, acct_tui.services.demo, "
        "acct_tui.services.commands, acct_tui.services.checkpoints, acct_tui.services.explain, "
        "acct_tui.services.contexts, acct_tui.services.history, acct_tui.services.policy"
    )
    assert "textual" not in loaded


def test_screenless_cli_does_not_import_textual() -> None:
    """Building the command line parser (every verb) leaves Textual unloaded."""
    loaded = _modules_after("from acct_tui.cli import build_parser; build_parser()")
    assert "textual" not in loaded


def test_models_do_not_connect_at_import() -> None:
    """The database proxy is unbound until start-up binds it."""
    out = subprocess.run(
        [sys.executable, "-c", "from acct_tui.models import database_proxy; print(database_proxy.obj)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "None"
