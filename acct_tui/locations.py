"""Where acct-tui keeps its files: one module, XDG paths via platformdirs.

`ACCT_TUI_HOME` moves everything under one folder (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "acct-tui"


def _home() -> Path | None:
    value = os.environ.get("ACCT_TUI_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    value = os.environ.get("ACCT_TUI_CONFIG")
    return Path(value).expanduser() if value else config_dir() / "config.toml"


def default_database() -> Path:
    return data_dir() / "accounts.db"


def demo_database() -> Path:
    return data_dir() / "demo.db"


def log_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "logs"
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)
