"""The layering rules that keep the domain free of the UI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "acct_tui"
SERVICES = PACKAGE / "services"
UI_MAY_NOT_IMPORT = ("acct_tui.models", "acct_tui.db", "peewee", "playhouse")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def _service_modules() -> list[str]:
    """Every module under acct_tui/services, found on disk: a new one is checked without being listed."""
    names = []
    for path in sorted(SERVICES.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_the_service_list_is_found_on_disk() -> None:
    """The walk finds the services, their sub-packages and the package itself."""
    names = _service_modules()
    assert {"acct_tui.services", "acct_tui.services.store.unit", "acct_tui.services.io.imports.engine"} <= set(names)
    assert len(names) > 40


def test_services_do_not_import_textual() -> None:
    """Importing every service module leaves Textual unloaded."""
    loaded = _modules_after("import " + ", ".join(_service_modules()))
    assert "textual" not in loaded


def _imported_names(path: Path) -> set[str]:
    """Every module a file imports, at any depth (TYPE_CHECKING and function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _forbidden_for_ui(name: str) -> bool:
    return any(name == banned or name.startswith(banned + ".") for banned in UI_MAY_NOT_IMPORT)


def test_screens_and_widgets_reach_the_data_only_through_services() -> None:
    """No screen or widget imports the models, the database module or peewee: they call services."""
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for folder in ("screens", "widgets")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in _imported_names(path)
        if _forbidden_for_ui(name)
    }
    assert not offenders, sorted(offenders)


def test_the_ui_rule_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The import reader catches `from acct_tui import models`, a function-level db import and peewee."""
    sample = tmp_path / "screen.py"
    sample.write_text(
        "from acct_tui import models\n"
        "def f():\n    from acct_tui.db import is_postgres\n"
        "import peewee\n"
        "from acct_tui.services.store.unit import reading\n"
    )
    flagged = {name for name in _imported_names(sample) if _forbidden_for_ui(name)}
    assert {"acct_tui.models", "acct_tui.db", "peewee"} <= flagged
    assert not any(name.startswith("acct_tui.services") for name in flagged)


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
