"""The user's numbers: the health formula, the cadence preset, checkpoints and the walk's order.

Everything here is read from the config file's plain data (the parsed TOML)
and checked: a wrong value is refused with a `PolicyError` naming the key
(`health.healthy_at: must be a whole number from 0 to 100 (got 150)`), never
silently ignored. The layers, weakest first:

1. the built-in defaults (`HealthPolicy()`, `WorkPlan()`);
2. the preset (`preset = "few-large"`): tier cadences, renewal checkpoint days, the walk's order;
3. the file's own `[cadence]`, `[health]`, `[checkpoints]` and `[upkeep]` values;
4. for a what-if, `KEY=VALUE` overrides laid over the file (`with_overrides`).

See docs/config.md for a commented example.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from acct_tui.services.domain.health import DEFAULT_POLICY, HealthPolicy
from acct_tui.services.errors import ValidationError
from acct_tui.vocab import Severity, Tier


class PolicyError(ValidationError):
    """A config value is refused; `field` is its dotted key (`health.watch_at`)."""


WALK_CATEGORIES = ("followups", "quiet", "renewals", "at_risk")
"""The daily walk's categories: due follow-ups, accounts gone quiet, renewals without a plan, accounts at risk."""


@dataclass(frozen=True)
class WorkPlan:
    """What a preset sets besides the health formula."""

    preset: str = "default"
    """The preset these values started from."""
    checkpoint_days: tuple[int, ...] = (90, 30)
    """Days before a renewal date on which a renewal checkpoint follow-up falls due."""
    walk_order: tuple[str, ...] = WALK_CATEGORIES
    """The order of the daily walk's categories."""
    checkpoints_on_start: bool = True
    """Whether the dashboard creates missing checkpoints (in the background) when it starts."""


@dataclass(frozen=True)
class Preset:
    """A ready set of defaults for one way of working."""

    name: str
    description: str
    cadence_days: Mapping[str, int]
    checkpoint_days: tuple[int, ...]
    walk_order: tuple[str, ...]


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "default",
            "a mixed book: weekly platinum, fortnightly gold, monthly silver, two-monthly bronze",
            {"platinum": 7, "gold": 14, "silver": 30, "bronze": 60},
            (90, 30),
            ("followups", "quiet", "renewals", "at_risk"),
        ),
        Preset(
            "many-small",
            "hundreds of small accounts: longer cadences, late checkpoints, risk before silence in the walk",
            {"platinum": 14, "gold": 30, "silver": 60, "bronze": 90},
            (60, 14),
            ("followups", "at_risk", "renewals", "quiet"),
        ),
        Preset(
            "few-large",
            "a handful of large accounts: short cadences, early and frequent checkpoints, renewals first",
            {"platinum": 5, "gold": 7, "silver": 14, "bronze": 30},
            (120, 90, 60, 30),
            ("renewals", "followups", "at_risk", "quiet"),
        ),
    )
}

_HEALTH_INTS: dict[str, tuple[int, int]] = {
    "healthy_at": (0, 100),
    "watch_at": (0, 100),
    "never_touched_points": (0, 100),
    "concern_max": (0, 100),
    "satisfaction_unknown_points": (0, 100),
    "overdue_each": (0, 100),
    "overdue_max": (0, 100),
}
_HEALTH_PAIRS = ("recency_steps", "satisfaction_steps", "renewal_windows")
HEALTH_KEYS = (*_HEALTH_INTS, *_HEALTH_PAIRS, "concern_points")
"""Every key of the `[health]` section."""


def preset_name(value: object, key: str = "preset") -> str:
    """A preset's canonical name; `few large`, `few_large` and `Few-Large` all read as `few-large`."""
    if not isinstance(value, str):
        raise PolicyError(f"must be a preset name: {_choices(PRESETS)}", key)
    name = value.strip().lower().replace("_", "-").replace(" ", "-")
    if name not in PRESETS:
        raise PolicyError(f"unknown preset {value!r}; choose {_choices(PRESETS)}", key)
    return name


def _choices(names: Iterable[str]) -> str:
    return ", ".join(names)


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant (`healht` -> `health`), if any is close."""
    import difflib

    options = list(known)
    lowered = {option.casefold(): option for option in options}
    if name.casefold() in lowered:
        return lowered[name.casefold()]
    found = difflib.get_close_matches(name.casefold(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean watch_at?)` for a typo of a known name; empty when nothing is close."""
    match = closest(name, known)
    return f" (did you mean {match}?)" if match else ""


def _section(raw: Mapping[str, object], name: str) -> Mapping[str, object]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        raise PolicyError("must be a table ([" + name + "])", name)
    return value


def _whole(value: object, key: str, low: int, high: int, what: str = "a whole number") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyError(f"must be {what} from {low} to {high} (got {value!r})", key)
    return value


def _number(value: object, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise PolicyError(f"must be a number above {low:g} and at most {high:g} (got {value!r})", key)
    if isinstance(value, float) and not math.isfinite(value):
        raise PolicyError(f"must be a finite number (got {value!r})", key)
    return float(value)


def _pairs(value: object, key: str, example: str) -> list[tuple[object, object]]:
    shape = f"must be a list of [{example}] pairs"
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{shape} (got {value!r})", key)
    pairs: list[tuple[object, object]] = []
    for index, item in enumerate(value):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise PolicyError(f"{shape}; item {index + 1} is {item!r}", key)
        pairs.append((item[0], item[1]))
    return pairs


def _recency(value: object, key: str) -> tuple[tuple[float, int], ...]:
    steps = [
        (_number(m, f"{key}[{i + 1}]", 0, 100), _whole(p, f"{key}[{i + 1}]", 0, 100, "points"))
        for i, (m, p) in enumerate(_pairs(value, key, "multiple of the cadence, points"))
    ]
    if [m for m, _p in steps] != sorted({m for m, _p in steps}):
        raise PolicyError("the multiples must go up, each once (e.g. [[1.0, 10], [1.5, 20], [2.0, 30]])", key)
    return tuple(steps)


def _satisfaction(value: object, key: str) -> tuple[tuple[int, int], ...]:
    steps = [
        (_whole(s, f"{key}[{i + 1}]", 0, 10, "a satisfaction score"), _whole(p, f"{key}[{i + 1}]", 0, 100, "points"))
        for i, (s, p) in enumerate(_pairs(value, key, "lowest satisfaction, points"))
    ]
    lows = [s for s, _p in steps]
    if lows != sorted(set(lows), reverse=True) or lows[-1] != 0:
        raise PolicyError("the scores must go down, each once, ending at 0 (e.g. [[9, 0], [7, 5], [0, 20]])", key)
    return tuple(steps)


def _windows(value: object, key: str) -> tuple[tuple[int, int], ...]:
    windows = [
        (_whole(d, f"{key}[{i + 1}]", 1, 3650, "days"), _whole(p, f"{key}[{i + 1}]", 0, 100, "points"))
        for i, (d, p) in enumerate(_pairs(value, key, "days to renewal, points"))
    ]
    days = [d for d, _p in windows]
    if days != sorted(set(days)):
        raise PolicyError("the windows must go up, tightest first, each once (e.g. [[30, 15], [60, 10]])", key)
    return tuple(windows)


def _concern_points(value: object, key: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise PolicyError("must be a table of severity = points", key)
    merged = dict(DEFAULT_POLICY.concern_points)
    for severity, points in value.items():
        if severity not in merged:
            hint = did_you_mean(str(severity), merged)
            raise PolicyError(
                f"unknown severity{hint}; severities are {_choices(s.value for s in Severity)}", f"{key}.{severity}"
            )
        merged[severity] = _whole(points, f"{key}.{severity}", 0, 100, "points")
    return merged


def _cadence(section: Mapping[str, object], base: Mapping[str, int]) -> dict[str, int]:
    merged = dict(base)
    for tier, days in section.items():
        if tier not in merged:
            hint = did_you_mean(str(tier), merged)
            raise PolicyError(f"unknown tier{hint}; tiers are {_choices(t.value for t in Tier)}", f"cadence.{tier}")
        merged[tier] = _whole(days, f"cadence.{tier}", 1, 3650, "a whole number of days")
    return merged


def _preset(raw: Mapping[str, object]) -> Preset:
    return PRESETS[preset_name(raw["preset"])] if "preset" in raw else PRESETS["default"]


def policy_from_config(raw: Mapping[str, object]) -> HealthPolicy:
    """The health formula: the defaults, then the preset's cadences, then `[cadence]` and `[health]`."""
    preset = _preset(raw)
    changes: dict[str, Any] = {"cadence_days": _cadence(_section(raw, "cadence"), preset.cadence_days)}
    health = _section(raw, "health")
    for name, value in health.items():
        key = f"health.{name}"
        if name in _HEALTH_INTS:
            low, high = _HEALTH_INTS[name]
            changes[name] = _whole(value, key, low, high)
        elif name == "recency_steps":
            changes[name] = _recency(value, key)
        elif name == "satisfaction_steps":
            changes[name] = _satisfaction(value, key)
        elif name == "renewal_windows":
            changes[name] = _windows(value, key)
        elif name == "concern_points":
            changes[name] = _concern_points(value, key)
        else:
            hint = did_you_mean(name, HEALTH_KEYS)
            raise PolicyError(f"unknown setting{hint}; [health] takes {_choices(HEALTH_KEYS)}", key)
    policy = replace(DEFAULT_POLICY, **changes)
    if policy.watch_at >= policy.healthy_at:
        raise PolicyError(f"must be lower than health.healthy_at ({policy.healthy_at})", "health.watch_at")
    return policy


def plan_from_config(raw: Mapping[str, object]) -> WorkPlan:
    """Checkpoint days and the walk's order: the preset's, then `[checkpoints]` and `[upkeep]`."""
    preset = _preset(raw)
    plan = WorkPlan(preset=preset.name, checkpoint_days=preset.checkpoint_days, walk_order=preset.walk_order)
    checkpoints = _section(raw, "checkpoints")
    for name, value in checkpoints.items():
        key = f"checkpoints.{name}"
        if name == "days":
            if not isinstance(value, list):
                raise PolicyError("must be a list of days before the renewal, e.g. [90, 30] (or [] for none)", key)
            days = [_whole(d, key, 1, 3650, "days") for d in value]
            if len(set(days)) != len(days):
                raise PolicyError(f"each day may appear once (got {value!r})", key)
            plan = replace(plan, checkpoint_days=tuple(sorted(days, reverse=True)))
        elif name == "on_start":
            if not isinstance(value, bool):
                raise PolicyError(f"must be true or false (got {value!r})", key)
            plan = replace(plan, checkpoints_on_start=value)
        else:
            hint = did_you_mean(name, ("days", "on_start"))
            raise PolicyError(f"unknown setting{hint}; [checkpoints] takes days and on_start", key)
    upkeep = _section(raw, "upkeep")
    for name, value in upkeep.items():
        key = f"upkeep.{name}"
        if name != "order":
            raise PolicyError(f"unknown setting{did_you_mean(name, ('order',))}; [upkeep] takes order", key)
        if not isinstance(value, list) or sorted(map(str, value)) != sorted(WALK_CATEGORIES):
            raise PolicyError(f"must list each of {_choices(WALK_CATEGORIES)} once, in the order to walk them", key)
        plan = replace(plan, walk_order=tuple(str(v) for v in value))
    return plan


# What-if overrides -------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[tuple[str, ...], object]:
    """`KEY=VALUE` as a path into the config and a value.

    A bare health key (`healthy_at=80`) means `health.healthy_at`; `gold=5` or
    `cadence.gold=5` a tier's cadence; the value is read as TOML (`80`, `1.5`,
    `[[30, 20]]`, `"few-large"`) and, failing that, as text.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise PolicyError(f"write KEY=VALUE, e.g. healthy_at=80 or cadence.gold=7 (got {text!r})", "set")
    path = tuple(part.strip() for part in key.split("."))
    if any(not part for part in path):
        raise PolicyError(f"{key!r} is not a key", "set")
    if len(path) == 1 and path[0] in HEALTH_KEYS:
        path = ("health", *path)
    elif len(path) == 1 and path[0] in {t.value for t in Tier}:
        path = ("cadence", *path)
    elif path[0] == "concern_points":
        path = ("health", *path)
    _check_formula_key(key, path)
    try:
        parsed: object = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return path, parsed


def _check_formula_key(key: str, path: tuple[str, ...]) -> None:
    """Refuse a what-if key the formula does not have (`foo=bar` used to pass as a no-op)."""
    tiers = [t.value for t in Tier]
    severities = [s.value for s in Severity]
    if path == ("preset",):
        return
    if len(path) == 2 and path[0] == "cadence" and path[1] in tiers:
        return
    if len(path) == 2 and path[0] == "health" and path[1] in HEALTH_KEYS:
        return
    if len(path) == 3 and path[:2] == ("health", "concern_points") and path[2] in severities:
        return
    known = ["preset", *HEALTH_KEYS, *tiers, *(f"concern_points.{s}" for s in severities)]
    hint = did_you_mean(path[-1] if len(path) > 1 and path[0] in ("health", "cadence") else key, known)
    raise PolicyError(
        f"{key!r} is not a value of the health formula{hint}; try healthy_at, watch_at, a tier's cadence (gold=7), "
        "concern_points.high or preset",
        "set",
    )


def with_overrides(raw: Mapping[str, object], overrides: Iterable[str]) -> dict[str, object]:
    """A copy of the config with each `KEY=VALUE` laid over it (the original is left alone)."""
    merged: dict[str, Any] = copy.deepcopy(dict(raw))
    for text in overrides:
        path, value = parse_override(text)
        target = merged
        for part in path[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = {}
                target[part] = nested
            target = nested
        target[path[-1]] = value
    return merged


def describe_policy(policy: HealthPolicy) -> dict[str, object]:
    """The formula's numbers as plain data (for `health explain --json` and the what-if)."""
    return {
        "cadence_days": dict(policy.cadence_days),
        "healthy_at": policy.healthy_at,
        "watch_at": policy.watch_at,
        "recency_steps": [list(step) for step in policy.recency_steps],
        "never_touched_points": policy.never_touched_points,
        "concern_points": dict(policy.concern_points),
        "concern_max": policy.concern_max,
        "satisfaction_steps": [list(step) for step in policy.satisfaction_steps],
        "satisfaction_unknown_points": policy.satisfaction_unknown_points,
        "overdue_each": policy.overdue_each,
        "overdue_max": policy.overdue_max,
        "renewal_windows": [list(window) for window in policy.renewal_windows],
    }
