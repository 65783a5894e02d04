"""The config file read once into typed settings: every part checked, typos named with the closest valid key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from acct_tui import locations
from acct_tui.cli import main
from acct_tui.config import ConfigError, Settings, load_settings
from acct_tui.services.domain.policy import PolicyError, parse_override

REPO = Path(__file__).resolve().parent.parent


def _write(text: str) -> Path:
    config = locations.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    return config


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[databse]\nurl = "x.db"\n', "unknown section [databse] (did you mean [database]?)"),
        ("[healht]\nhealthy_at = 80\n", "unknown section [healht] (did you mean [health]?)"),
        ('[database]\nuri = "x.db"\n', "database.uri: unknown setting (did you mean url?)"),
        ('[agent]\nlogn = "sam"\n', "agent.logn: unknown setting (did you mean login?)"),
        ('prest = "few-large"\n', "prest: unknown setting (did you mean preset?)"),
        ("[health]\nhealty_at = 80\n", "health.healty_at: unknown setting (did you mean healthy_at?)"),
        ("[cadence]\ngld = 5\n", "cadence.gld: unknown tier (did you mean gold?)"),
        ("[checkpoints]\nday = [30]\n", "checkpoints.day: unknown setting (did you mean days?)"),
        ('[contexts.big]\ntierr = "gold"\n', "contexts.big.tierr: unknown filter (did you mean tier?)"),
        ('database = "x.db"\n', "database: must be a table ([database])"),
        ("[database]\nurl = 5\n", "database.url: must be text in quotes"),
    ],
)
def test_unknown_sections_and_keys_are_named_with_the_closest_valid_one(text: str, fragment: str) -> None:
    """A typo in a section or key stops the settings with the file, the key and what it most likely meant."""
    config = _write(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{config}: ")
    assert fragment in str(caught.value)


def test_the_file_is_read_into_typed_settings() -> None:
    """Policy, plan, contexts, keys, database and agent come typed out of one read of the file."""
    _write(
        'preset = "few-large"\n[database]\nurl = "desk.db"\n[agent]\nlogin = "sam"\n'
        "[health]\nhealthy_at = 80\n[checkpoints]\non_start = false\n"
        '[contexts.big]\ntier = "platinum"\n[keys]\n"portfolio.sort" = "o"\n'
    )
    settings = load_settings()
    assert (settings.database_url, settings.agent_login) == ("desk.db", "sam")
    assert settings.policy.healthy_at == 80 and settings.policy.cadence_days["gold"] == 7
    assert settings.plan.preset == "few-large" and settings.plan.checkpoints_on_start is False
    assert settings.contexts == {"big": {"tier": "platinum"}}
    assert settings.keys == {"portfolio.sort": "o"}
    assert settings.formula == {"preset": "few-large", "health": {"healthy_at": 80}}
    assert settings.as_config()["contexts"] == {"big": {"tier": "platinum"}}


def test_settings_built_in_code_are_checked_the_same_way(tmp_path: Path) -> None:
    """Settings made by a test or an embedding program go through the same checks as the file."""
    with pytest.raises(ConfigError, match=r"unknown section \[contxts\] \(did you mean \[contexts\]\?\)"):
        Settings(database_url="x.db", agent_login="a", config_path=tmp_path / "c.toml", raw={"contxts": {}})
    made = Settings(database_url="x.db", agent_login="a", config_path=tmp_path / "c.toml")
    assert made.contexts == {} and made.keys == {} and made.plan.preset == "default"


def test_a_typo_in_the_file_stops_a_verb_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`acct-tui queue` with `[healht]`: exit 1, one stderr line naming the file and the section it meant."""
    config = _write("[healht]\nhealthy_at = 80\n")
    code = main(["--db", str(tmp_path / "x.db"), "--agent", "sam", "queue"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"acct-tui: {config}: unknown section [healht]")


def test_where_still_answers_with_a_broken_file(capsys: pytest.CaptureFixture[str]) -> None:
    """`acct-tui where` names the broken file on stderr and still prints the paths."""
    config = _write("[healht]\n")
    code = main(["where"])
    out, err = capsys.readouterr()
    assert code == 0 and str(config) in out
    assert "unknown section [healht]" in err


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("foo=bar", "'foo' is not a value of the health formula"),
        ("healty_at=80", "(did you mean healthy_at?)"),
        ("cadence.gld=5", "(did you mean gold?)"),
        ("checkpoints.days=[30]", "is not a value of the health formula"),
    ],
)
def test_what_if_refuses_a_key_the_formula_does_not_have(text: str, fragment: str) -> None:
    """`what-if foo=bar` used to run as a no-op; now it names the key and the closest real one."""
    with pytest.raises(PolicyError) as caught:
        parse_override(text)
    assert fragment in caught.value.message


def test_reading_the_settings_loads_neither_the_models_nor_textual() -> None:
    """The typed settings are built before the database is known: no peewee, no models, no Textual."""
    code = (
        "import sys; from acct_tui.config import load_settings; load_settings(); "
        "print(sorted(m for m in ('peewee', 'textual', 'acct_tui.models') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


NOT_YET_MOVED: set[str] = set()
"""Modules still reading the parsed file directly: none; everything reads the typed fields."""


def test_nothing_new_reads_the_raw_config() -> None:
    """The settings are read once into typed fields: no module beyond the listed ones reads `settings.raw`."""
    readers = {
        str(path.relative_to(REPO))
        for path in (REPO / "acct_tui").rglob("*.py")
        if "settings.raw" in path.read_text(encoding="utf-8")
    }
    assert readers <= NOT_YET_MOVED, sorted(readers - NOT_YET_MOVED)
