"""Reading an owner or assignee column whose values are a CRM's users, not acct-tui's agents.

A CRM export names owners by the CRM's own user ids (Salesforce's
`0055g00000XyZ1AAA`) or by names no agent here carries. Such a row is not
refused: by default the importing agent owns it and the report says how many
rows and which source owners were treated so. `--owner-map` maps source
owners to logins; `--strict-owners` refuses what is neither an agent nor
mapped, as imports did before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.base import AgentBook, RowErrors

OWNER_MAP_OPTION = "--owner-map"
_HEADER_WORDS = {"source", "owner", "ownerid", "owner id", "source owner", "from", "id", "crm owner", "crm id",
                 "login", "agent", "to", "user", "acct-tui login"}  # fmt: skip


def parse_owner_map(spec: str) -> dict[str, str]:
    """`--owner-map` as {source owner: login}: a CSV file of two columns, or 'ID=login,ID2=login2'."""
    from acct_tui.services.io.imports.reader import ReadError, read_table

    path = Path(spec).expanduser()
    if path.is_file():
        try:
            table = read_table(path)
        except ReadError as exc:
            raise ValidationError(exc.message, OWNER_MAP_OPTION) from None
        records = [table.header, *(cells for _line, cells in table.rows)]
        if len(table.header) >= 2 and {c.strip().casefold() for c in table.header[:2]} & _HEADER_WORDS:
            records = records[1:]
        mapping: dict[str, str] = {}
        for number, cells in enumerate(records, 1):
            if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
                raise ValidationError(
                    f"{path.name}, record {number}: give two columns, the source owner and the acct-tui login",
                    OWNER_MAP_OPTION,
                )
            mapping[cells[0].strip()] = cells[1].strip()
        return mapping
    if "=" not in spec:
        raise ValidationError(
            f"{spec!r} is neither a file nor SOURCE=login pairs (for example --owner-map '0055g00000XyZ1AAA=maria')",
            OWNER_MAP_OPTION,
        )
    mapping = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        source, sep, login = item.rpartition("=")
        if not sep or not source.strip() or not login.strip():
            raise ValidationError(f"{item.strip()!r} is not SOURCE=login", OWNER_MAP_OPTION)
        mapping[source.strip()] = login.strip()
    return mapping


class Owners:
    """Turns owner cells into agent ids, counting the source owners that fell back to the importing agent."""

    def __init__(self, ctx: Ctx, owner_map: Mapping[str, str], strict: bool, errors: RowErrors) -> None:
        self.agents = AgentBook.load()
        self.strict = strict
        self.fallback = ctx.agent.id
        self.fallback_login = ctx.agent.login
        self.defaulted: Counter[str] = Counter()
        self.mapped: dict[str, int] = {}
        # A CRM export names a handful of owners over and over: each cell text is looked up once.
        self.found: dict[str, int | None] = {}
        for source, login in owner_map.items():
            try:
                self.mapped[source.strip().casefold()] = self.agents.find(login)
            except ValidationError as exc:
                errors.add(0, OWNER_MAP_OPTION, f"{source}={login}: {exc.message}", fatal=True)

    def find(self, raw: str) -> int | None:
        """The agent for a cell, or None when it names none (the caller gives new rows to the importing agent
        and leaves existing ones with the owner they have); raises ValidationError only with --strict-owners."""
        if raw in self.found:
            found = self.found[raw]
            if found is None:
                self.defaulted[raw.strip()] += 1
            return found
        found = self._find(raw)
        self.found[raw] = found
        return found

    def _find(self, raw: str) -> int | None:
        key = raw.strip().casefold()
        mapped = self.mapped.get(key)
        if mapped is not None:
            return mapped
        try:
            return self.agents.find(raw)
        except ValidationError as exc:
            if self.strict:
                raise ValidationError(f"{exc.message} (or --owner-map it)") from None
            self.defaulted[raw.strip()] += 1
            return None

    def note(self, role: str = "owner") -> str | None:
        """What the report says about the rows that fell back to the importing agent."""
        if not self.defaulted:
            return None
        rows = sum(self.defaulted.values())
        names = "rows name an" if rows != 1 else "row names an"
        shown = ", ".join(f"{name} ×{count}" for name, count in self.defaulted.most_common(5))
        more = len(self.defaulted) - 5
        if more > 0:
            shown += f" and {more} more"
        return (
            f"{rows:,} {names} {role} who is not an agent here ({shown}); new records are yours "
            f"({self.fallback_login}), existing ones keep their {role}; map them with --owner-map 'SOURCE=login,...' "
            "or refuse them with --strict-owners"
        )
