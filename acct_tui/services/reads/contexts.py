"""Contexts: named filters from the config file that narrow every view at once.

```toml
[contexts.enterprise]
tier = "platinum"
owner = "sam"        # an agent's login
team = "East"        # a team's name
industry = "Retail"
```

Every key is optional; the pairs are combined with AND. A context only ever
narrows what the agent may see (the scope rule still applies first).

Reading the tables (`contexts_from_config`) needs no database: the settings
check them at start-up, before the models are loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acct_tui.services.context import ActiveContext
from acct_tui.services.domain.policy import PolicyError, did_you_mean
from acct_tui.services.errors import NotFound
from acct_tui.vocab import Tier

CONTEXT_KEYS = ("tier", "owner", "team", "industry")


def contexts_from_config(raw: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """The `[contexts.NAME]` tables, checked: known keys, text values, real tiers."""
    section = raw.get("contexts", {})
    if not isinstance(section, Mapping):
        raise PolicyError("must be tables such as [contexts.enterprise]", "contexts")
    found: dict[str, dict[str, str]] = {}
    for name, table in section.items():
        if not isinstance(table, Mapping):
            raise PolicyError('must be a table, e.g. [contexts.enterprise] with tier = "platinum"', f"contexts.{name}")
        terms: dict[str, str] = {}
        for key, value in table.items():
            where = f"contexts.{name}.{key}"
            if key not in CONTEXT_KEYS:
                hint = did_you_mean(str(key), CONTEXT_KEYS)
                raise PolicyError(f"unknown filter{hint}; a context filters by {', '.join(CONTEXT_KEYS)}", where)
            if not isinstance(value, str) or not value.strip():
                raise PolicyError(f"must be a text value (got {value!r})", where)
            if key == "tier" and value.strip() not in {t.value for t in Tier}:
                raise PolicyError(f"unknown tier {value!r}; tiers are {', '.join(t.value for t in Tier)}", where)
            terms[key] = value.strip()
        if not terms:
            raise PolicyError(f"filters nothing; give at least one of {', '.join(CONTEXT_KEYS)}", f"contexts.{name}")
        found[str(name)] = terms
    return found


def resolve_context(name: str, definitions: Mapping[str, Mapping[str, str]]) -> ActiveContext:
    """The context called `name`, its team and owner checked against the database."""
    from acct_tui.models import Agent, Team
    from acct_tui.services.store.unit import reading

    wanted = name.strip()
    definition = definitions.get(wanted)
    if definition is None:
        matches = [n for n in definitions if n.casefold() == wanted.casefold()]
        if len(matches) != 1:
            known = ", ".join(sorted(definitions)) or "none defined; add [contexts.NAME] to the config file"
            raise NotFound(f"no context called {wanted!r}; contexts: {known}")
        wanted = matches[0]
        definition = definitions[wanted]
    terms: list[tuple[str, str]] = []
    with reading():
        for key, value in definition.items():
            if key == "team":
                team_id = Team.select(Team.id).where(Team.name == value).scalar()
                if team_id is None:
                    raise NotFound(f"context {wanted}: no team called {value!r}")
                terms.append((key, str(team_id)))
                continue
            if key == "owner" and not Agent.select().where(Agent.login == value).exists():
                raise NotFound(f"context {wanted}: no agent with the login {value!r}")
            terms.append((key, value))
    return ActiveContext(name=wanted, terms=tuple(terms), shown=tuple(definition.items()))


def narrow(query: Any, context: ActiveContext | None) -> Any:
    """Narrow a query that selects from (or joins) Account to the context's accounts."""
    if context is None:
        return query
    from acct_tui.models import Account, Agent

    for key, value in context.terms:
        if key == "tier":
            query = query.where(Account.tier == value)
        elif key == "industry":
            query = query.where(Account.industry == value)
        elif key == "team":
            query = query.where(Account.team == int(value))
        elif key == "owner":
            query = query.where(Account.owner.in_(Agent.select(Agent.id).where(Agent.login == value)))
    return query
