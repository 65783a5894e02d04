"""Settings: the config file (TOML), the environment and the command line, in that order of strength.

The file lives at `acct-tui where`'s config path. Everything in it is optional:

```toml
[database]
url = "postgresql://desk@db.example.com/accounts"   # default: a SQLite file in the data folder

[agent]
login = "sam"        # default: your login name
trust = "os-user"    # default "flag": --agent / ACCT_TUI_AGENT say who you are
```

The file is read once, at start, into a typed `Settings`: the health policy,
the work plan, the contexts, the `[keys]` table, the database and the agent.
A section or key acct-tui does not know (`[databse]`, `[healht]`) is refused
with the closest valid name, like a wrong value, so a typo never silently
leaves the defaults in force. See docs/config.md.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acct_tui import locations
from acct_tui.services.domain.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.domain.policy import WorkPlan

SECTIONS: dict[str, tuple[str, ...] | None] = {
    "database": ("url",),
    "agent": ("login", "trust"),
    "cadence": None,  # checked by services.policy (tier names)
    "health": None,
    "checkpoints": None,
    "upkeep": None,
    "contexts": None,  # checked by services.contexts
    "keys": None,  # binding ids: checked by the dashboard, which knows them
    "hooks": None,  # checked by hooks_from_config (a switch and a number, not text)
}
"""Every table of the file and, where this module checks them, its keys."""

TOP_LEVEL_KEYS = ("preset",)
"""Plain keys before the first table."""

TRUST_MODES = ("flag", "os-user", "db-role")
"""`[agent] trust`: who says which agent you are. `flag`: `--agent`, `ACCT_TUI_AGENT`, `[agent] login`
or your login name; `os-user`: the operating system's account running acct-tui, and naming anyone
else is refused; `db-role`: the PostgreSQL session user, likewise (the server checked the password)."""

FORMULA_KEYS = ("preset", "cadence", "health")
"""The parts of the file the health formula reads (and a what-if lays KEY=VALUE over)."""


class ConfigError(Exception):
    """The config file cannot be read or holds something unusable; the message says where and why."""


@dataclass(frozen=True)
class HookSettings:
    """`[hooks]`: the executables in the config folder's `hooks/` run after each change (see acct_tui.hooks)."""

    enabled: bool = True
    """`enabled = false` switches every hook off (they are always off in sessions served over SSH)."""
    timeout: float = 10.0
    """Seconds a hook may run before it is stopped (and the stop logged)."""


HOOK_KEYS = ("enabled", "timeout")


def hooks_from_config(raw: Mapping[str, object], path: Path) -> HookSettings:
    """The `[hooks]` table, checked: unknown keys and wrong types are refused like everywhere else."""
    from acct_tui.services.domain.policy import did_you_mean

    table = raw.get("hooks", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: hooks: must be a table ([hooks])")
    for key in table:
        if key not in HOOK_KEYS:
            hint = did_you_mean(str(key), HOOK_KEYS)
            raise ConfigError(f"{path}: hooks.{key}: unknown setting{hint}; [hooks] takes {', '.join(HOOK_KEYS)}")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{path}: hooks.enabled: must be true or false (no quotes)")
    timeout = table.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
        raise ConfigError(f"{path}: hooks.timeout: must be a number of seconds from 1 to 3600, e.g. timeout = 10")
    return HookSettings(enabled=enabled, timeout=float(timeout))


@dataclass(frozen=True)
class Settings:
    """What a session runs with, after file, environment and flags are merged (checked when built)."""

    database_url: str
    """Where the data lives: a SQLite file path or a postgresql:// URL."""
    agent_login: str
    """Who is working: the agent's login name."""
    agent_trust: str = field(default="flag", kw_only=True)
    """`[agent] trust`, one of `TRUST_MODES`; "db-role" leaves `agent_login` to `acct_tui.runtime.resolve_trust`."""
    config_path: Path
    """The config file these settings were read from (it may not exist)."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    """The parsed file, as given; read the typed fields below instead (kept for older callers)."""
    init_database: bool = False
    """`--init`: create acct-tui's tables in a database that already holds other tables."""
    policy: HealthPolicy = field(init=False, default=DEFAULT_POLICY)
    """The health formula: defaults, then the preset, then `[cadence]` and `[health]`."""
    plan: WorkPlan = field(init=False, default_factory=WorkPlan)
    """Checkpoint days, the daily walk's order, whether checkpoints run at start."""
    contexts: Mapping[str, Mapping[str, str]] = field(init=False, default_factory=dict)
    """The `[contexts.NAME]` filters, checked: name -> {tier|owner|team|industry: value}."""
    keys: Mapping[str, object] = field(init=False, default_factory=dict)
    """The `[keys]` table as written (binding id -> keys); the dashboard checks the ids, which only it knows."""
    formula: Mapping[str, object] = field(init=False, default_factory=dict)
    """The formula's part of the file (preset, `[cadence]`, `[health]`), for a what-if to lay values over."""
    hooks: HookSettings = field(init=False, default_factory=HookSettings)
    """`[hooks]`: whether the hooks run, and for how long at most."""

    def __post_init__(self) -> None:
        from acct_tui.services.domain.policy import PolicyError, plan_from_config, policy_from_config
        from acct_tui.services.reads.contexts import contexts_from_config

        check_layout(self.raw, self.config_path)
        try:
            policy = policy_from_config(self.raw)
            plan = plan_from_config(self.raw)
            contexts = contexts_from_config(self.raw)
        except PolicyError as exc:
            raise ConfigError(f"{self.config_path}: {exc}") from exc
        keys = self.raw.get("keys", {})
        object.__setattr__(self, "hooks", hooks_from_config(self.raw, self.config_path))
        # Frozen: the typed fields are derived once, here, and never change after.
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "plan", plan)
        object.__setattr__(self, "contexts", contexts)
        object.__setattr__(self, "keys", dict(keys) if isinstance(keys, Mapping) else {})
        object.__setattr__(self, "formula", {k: self.raw[k] for k in FORMULA_KEYS if k in self.raw})

    def as_config(self) -> dict[str, object]:
        """The checked settings in the file's shape, for the services that take config data
        (`commands.execute`, the what-if): the formula, the contexts and the keys."""
        return {**self.formula, "contexts": {k: dict(v) for k, v in self.contexts.items()}, "keys": dict(self.keys)}


def check_layout(raw: Mapping[str, object], path: Path) -> None:
    """Refuse a table or key this version does not know, naming the closest valid one."""
    from acct_tui.services.domain.policy import did_you_mean

    tables = [f"[{name}]" for name in SECTIONS]
    for name, value in raw.items():
        if isinstance(value, Mapping):
            if name not in SECTIONS:
                hint = did_you_mean(f"[{name}]", tables)
                raise ConfigError(f"{path}: unknown section [{name}]{hint}; sections are {', '.join(tables)}")
            keys = SECTIONS[name] or ()
            for key in value if keys else ():
                if key not in keys:
                    hint = did_you_mean(str(key), keys)
                    raise ConfigError(f"{path}: {name}.{key}: unknown setting{hint}; [{name}] takes {', '.join(keys)}")
                if not isinstance(value[key], str):
                    raise ConfigError(f'{path}: {name}.{key}: must be text in quotes, e.g. {key} = "..."')
        elif name in SECTIONS:
            raise ConfigError(f"{path}: {name}: must be a table ([{name}])")
        elif name not in TOP_LEVEL_KEYS:
            hint = did_you_mean(str(name), [*TOP_LEVEL_KEYS, *SECTIONS])
            raise ConfigError(
                f"{path}: {name}: unknown setting{hint}; before the first [section] only preset may stand"
            )


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


def load_settings(db: str | None = None, agent: str | None = None, *, ignore_file: bool = False) -> Settings:
    """Merge defaults, the config file, ACCT_TUI_DB / ACCT_TUI_AGENT and the given flags.

    `ignore_file` leaves the file out (for `acct-tui where`, which must answer even when the file is broken).
    """
    path = locations.config_file()
    raw = {} if ignore_file else read_config_file(path)
    database = raw.get("database", {}) if isinstance(raw.get("database"), dict) else {}
    agent_section = raw.get("agent", {}) if isinstance(raw.get("agent"), dict) else {}
    url = db or os.environ.get("ACCT_TUI_DB") or str(database.get("url") or "") or str(locations.default_database())
    claimed = agent or os.environ.get("ACCT_TUI_AGENT") or str(agent_section.get("login") or "")
    trust = agent_section.get("trust", "flag")
    if trust not in TRUST_MODES:
        from acct_tui.services.domain.policy import did_you_mean

        hint = did_you_mean(str(trust), TRUST_MODES)
        raise ConfigError(f"{path}: agent.trust: {trust!r} is not a trust mode{hint}; use {', '.join(TRUST_MODES)}")
    if trust == "os-user":
        login = os_user()
        if claimed and claimed != login:
            raise ConfigError(refused_claim(path, "os-user", login, claimed))
    elif trust == "db-role":
        if not url.lower().startswith(("postgres://", "postgresql://")):
            raise ConfigError(f'{path}: agent.trust = "db-role" needs a PostgreSQL database; {url} is not one')
        login = claimed  # checked against the session user once connected
    else:
        login = claimed or default_login()
    return Settings(database_url=url, agent_login=login, config_path=path, raw=raw, agent_trust=str(trust))


def os_user() -> str:
    """The operating system account running this process. Not `getpass.getuser()`, which believes
    $USER and $LOGNAME: anyone can set those."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # no pwd module (Windows) or no passwd entry
        return getpass.getuser()


def refused_claim(path: Path, trust: str, login: str, claimed: str) -> str:
    """The one line refusing `claimed` when `[agent] trust` says the login is `login`."""
    return (
        f'{path}: [agent] trust = "{trust}" makes you {login}; acting as {claimed} is refused '
        "(leave out --agent, ACCT_TUI_AGENT and [agent] login)"
    )
