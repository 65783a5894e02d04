"""Settings: the config file (TOML), the environment and the command line, in that order of strength.

The file lives at `acct-tui where`'s config path. Everything in it is optional:

```toml
[database]
url = "postgresql://desk@db.example.com/accounts"   # default: a SQLite file in the data folder

[agent]
login = "sam"        # default: your login name
```
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acct_tui import locations


class ConfigError(Exception):
    """The config file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Settings:
    """What a session runs with, after file, environment and flags are merged."""

    database_url: str
    """Where the data lives: a SQLite file path or a postgresql:// URL."""
    agent_login: str
    """Who is working: the agent's login name."""
    config_path: Path
    """The config file these settings were read from (it may not exist)."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The parsed config file, for sections other modules own."""


def default_login() -> str:
    for name in ("ACCT_TUI_AGENT",):
        value = os.environ.get(name)
        if value:
            return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return os.environ.get("USER") or os.environ.get("USERNAME") or "agent"


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the file or move it away") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc


def load_settings(db: str | None = None, agent: str | None = None) -> Settings:
    """Merge defaults, the config file, ACCT_TUI_DB / ACCT_TUI_AGENT and the given flags."""
    path = locations.config_file()
    raw = read_config_file(path)
    database = raw.get("database", {}) if isinstance(raw.get("database"), dict) else {}
    agent_section = raw.get("agent", {}) if isinstance(raw.get("agent"), dict) else {}
    url = db or os.environ.get("ACCT_TUI_DB") or str(database.get("url") or "") or str(locations.default_database())
    login = agent or os.environ.get("ACCT_TUI_AGENT") or str(agent_section.get("login") or "") or default_login()
    return Settings(database_url=url, agent_login=login, config_path=path, raw=raw)
