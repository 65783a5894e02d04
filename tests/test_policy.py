"""The config file's numbers: every health setting, presets, checkpoint days, the walk's order, and refusals."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from acct_tui.services.domain.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.domain.policy import (
    PRESETS,
    PolicyError,
    parse_override,
    plan_from_config,
    policy_from_config,
    with_overrides,
)
from acct_tui.vocab import HealthBand

FULL = """
[cadence]
platinum = 3
bronze = 90

[health]
healthy_at = 80
watch_at = 50
never_touched_points = 40
concern_max = 25
satisfaction_unknown_points = 2
overdue_each = 4
overdue_max = 12
recency_steps = [[1, 5], [3, 25]]
satisfaction_steps = [[8, 0], [0, 15]]
renewal_windows = [[14, 20], [45, 8]]

[health.concern_points]
critical = 30
"""


def test_every_health_setting_is_read_from_the_file() -> None:
    """Each field of the formula can be set in [health] / [cadence]; the rest keep their defaults."""
    policy = policy_from_config(tomllib.loads(FULL))
    assert policy == HealthPolicy(
        cadence_days={"platinum": 3, "gold": 14, "silver": 30, "bronze": 90},
        recency_steps=((1.0, 5), (3.0, 25)),
        never_touched_points=40,
        concern_points={"low": 2, "medium": 6, "high": 12, "critical": 30},
        concern_max=25,
        satisfaction_steps=((8, 0), (0, 15)),
        satisfaction_unknown_points=2,
        overdue_each=4,
        overdue_max=12,
        renewal_windows=((14, 20), (45, 8)),
        healthy_at=80,
        watch_at=50,
    )
    assert policy.band_for(79) is HealthBand.WATCH


def test_no_file_means_the_documented_defaults() -> None:
    """An empty config gives the built-in formula and the default plan."""
    assert policy_from_config({}) == DEFAULT_POLICY
    plan = plan_from_config({})
    assert (plan.preset, plan.checkpoint_days, plan.walk_order) == (
        "default",
        (90, 30),
        ("followups", "quiet", "renewals", "at_risk"),
    )


@pytest.mark.parametrize(
    ("toml", "key", "fragment"),
    [
        ("[health]\nhealthy_at = 150", "health.healthy_at", "from 0 to 100 (got 150)"),
        ("[health]\nhealthy_at = 'high'", "health.healthy_at", "whole number"),
        ("[health]\nhealthy_at = true", "health.healthy_at", "whole number"),
        ("[health]\nwatch_at = 75", "health.watch_at", "lower than health.healthy_at (70)"),
        ("[health]\nhelthy_at = 80", "health.helthy_at", "unknown setting"),
        ("[health]\nrecency_steps = [[2, 10], [1, 20]]", "health.recency_steps", "must go up"),
        ("[health]\nrecency_steps = [[1, 10, 3]]", "health.recency_steps", "pairs"),
        ("[health]\nsatisfaction_steps = [[9, 0], [5, 10]]", "health.satisfaction_steps", "ending at 0"),
        ("[health]\nrenewal_windows = [[60, 10], [30, 15]]", "health.renewal_windows", "tightest first"),
        ("[health.concern_points]\nsevere = 5", "health.concern_points.severe", "unknown severity"),
        ("[cadence]\ndiamond = 3", "cadence.diamond", "unknown tier"),
        ("[cadence]\ngold = 0", "cadence.gold", "from 1 to 3650"),
        ("preset = 'huge'", "preset", "unknown preset 'huge'"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_key(toml: str, key: str, fragment: str) -> None:
    """A bad health or cadence value is an error that names the key and says what is expected."""
    with pytest.raises(PolicyError) as caught:
        policy_from_config(tomllib.loads(toml))
    assert caught.value.field == key
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"{key}: ")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[checkpoints]\ndays = [90, 90]", "checkpoints.days"),
        ("[checkpoints]\ndays = 90", "checkpoints.days"),
        ("[checkpoints]\non_start = 'yes'", "checkpoints.on_start"),
        ("[upkeep]\norder = ['quiet', 'followups']", "upkeep.order"),
        ("[upkeep]\nsort = 'x'", "upkeep.sort"),
    ],
)
def test_a_wrong_plan_value_is_refused_naming_its_key(toml: str, key: str) -> None:
    """Checkpoint days and the walk's order are checked like the formula."""
    with pytest.raises(PolicyError) as caught:
        plan_from_config(tomllib.loads(toml))
    assert caught.value.field == key


def test_the_few_large_preset_sets_cadences_checkpoints_and_the_walk_order() -> None:
    """`preset = "few-large"`: shorter cadences, more checkpoints, renewals first in the walk."""
    raw = {"preset": "few large"}
    policy, plan = policy_from_config(raw), plan_from_config(raw)
    assert dict(policy.cadence_days) == dict(PRESETS["few-large"].cadence_days)
    assert policy.cadence_for("gold") == 7
    assert plan.preset == "few-large"
    assert plan.checkpoint_days == (120, 90, 60, 30)
    assert plan.walk_order[0] == "renewals"


def test_the_file_overrides_its_preset() -> None:
    """A [cadence] or [checkpoints] value wins over the preset's."""
    raw = tomllib.loads('preset = "many-small"\n[cadence]\ngold = 21\n[checkpoints]\ndays = [45]')
    assert policy_from_config(raw).cadence_for("gold") == 21
    assert policy_from_config(raw).cadence_for("silver") == PRESETS["many-small"].cadence_days["silver"]
    assert plan_from_config(raw).checkpoint_days == (45,)


def test_overrides_read_keys_and_values_like_the_file() -> None:
    """`healthy_at=80`, `gold=5`, `concern_points.high=20` and TOML values land on the right keys."""
    assert parse_override("healthy_at=80") == (("health", "healthy_at"), 80)
    assert parse_override("gold = 5") == (("cadence", "gold"), 5)
    assert parse_override("concern_points.high=20") == (("health", "concern_points", "high"), 20)
    assert parse_override("renewal_windows=[[30, 20]]") == (("health", "renewal_windows"), [[30, 20]])
    assert parse_override("preset=few-large") == (("preset",), "few-large")
    with pytest.raises(PolicyError, match="KEY=VALUE"):
        parse_override("healthy_at")


def test_overrides_leave_the_original_config_alone() -> None:
    """A what-if builds a new config; the one read from the file is unchanged."""
    raw = {"health": {"healthy_at": 70}, "cadence": {"gold": 10}}
    merged = with_overrides(raw, ["healthy_at=85", "cadence.gold=3"])
    assert merged == {"health": {"healthy_at": 85}, "cadence": {"gold": 3}}
    assert raw == {"health": {"healthy_at": 70}, "cadence": {"gold": 10}}
    assert policy_from_config(merged).healthy_at == 85


def test_a_broken_config_stops_the_command_with_the_file_and_key(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`acct-tui queue` with a bad [health] value: one line naming the file and the key, exit 1."""
    from acct_tui import locations
    from acct_tui.cli import main

    config = locations.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[health]\nwatch_at = 90\n")
    code = main(["--db", str(tmp_path / "x.db"), "--agent", "sam", "queue"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"acct-tui: {config}: health.watch_at: must be lower than health.healthy_at (70)\n"


def test_the_documented_example_config_is_valid_and_states_the_defaults() -> None:
    """docs/config.md's example parses, and its values are exactly the built-in defaults."""
    from acct_tui.services.domain.policy import WorkPlan
    from acct_tui.services.reads.contexts import contexts_from_config

    text = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    raw = tomllib.loads(example)
    assert policy_from_config(raw) == DEFAULT_POLICY
    assert plan_from_config(raw) == WorkPlan()
    assert contexts_from_config(raw) == {
        "enterprise": {"tier": "platinum", "team": "East"},
        "retail": {"industry": "Retail", "owner": "sam"},
    }
