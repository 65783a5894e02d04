"""Hooks: executables in the config folder's `hooks/` that hear of each change, as JSON on stdin.

| hook | runs after a change that |
|---|---|
| `on-change` | did anything (every change) |
| `on-log` | logged an activity (a call, an email, a meeting, a note) |
| `on-done` | marked follow-ups done |
| `on-snooze` | snoozed follow-ups |
| `on-handoff` | handed an account off |
| `on-band-change` | moved an account's health band (up or down) |

One change runs each hook that applies once, with every audit entry of its
kind (a bulk done of 40 follow-ups is one `on-done` with 40 entries). The
entries are read back from the audit trail after the transaction committed,
so a hook never hears of a change that was rolled back. Hooks run one at a
time, in the order of the changes, on a thread of their own: the write has
returned before any hook starts. A hook that fails, cannot start or outlives
`[hooks] timeout` is logged to `hooks.log` in the logs folder (`acct-tui
where`), never reported to the writer. A command that wrote waits for its
pending hooks before it exits (at most the timeout each).

Off in sessions served over SSH (`ACCT_TUI_SERVED`: an agent's change must
not run programs of the server's account on their behalf) and with
`[hooks] enabled = false`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acct_tui.config import Settings
from acct_tui.vocab import HealthBand

HOOKS = ("on-change", "on-log", "on-done", "on-snooze", "on-handoff", "on-band-change")


def hook_of(entry: Mapping[str, Any]) -> str | None:
    """The hook an audit entry calls for, from what it wrote (a bulk action's entries say "update")."""
    before = entry["before"] if isinstance(entry["before"], dict) else {}
    after = entry["after"] if isinstance(entry["after"], dict) else {}
    if entry["action"] == "handoff":
        return "on-handoff"
    if entry["entity"] == "activity" and entry["action"] in ("create", "log"):
        return "on-log"
    if entry["entity"] == "follow_up" and after:
        if after.get("status") == "done" and before.get("status") != "done":
            return "on-done"
        if after.get("snoozed_until") and after.get("snoozed_until") != before.get("snoozed_until"):
            return "on-snooze"
    return None


STDERR_KEPT = 500


def hooks_folder(settings: Settings) -> Path:
    """`hooks/` beside the config file."""
    return settings.config_path.parent / "hooks"


def make_runner(settings: Settings) -> HookRunner | None:
    """The runner the settings ask for, or None: hooks off, or a session served over SSH."""
    from acct_tui.ssh import SERVED_ENV

    if os.environ.get(SERVED_ENV) or not settings.hooks.enabled:
        return None
    from acct_tui import locations

    return HookRunner(hooks_folder(settings), settings.hooks.timeout, locations.log_dir() / "hooks.log")


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    def parsed(text: object) -> object:
        return json.loads(str(text)) if text else None

    return {
        "id": row["id"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "action": row["action"],
        "account_id": row["account"],
        "summary": row["summary"],
        "before": parsed(row["before"]),
        "after": parsed(row["after"]),
    }


def payloads(ctx: Any, change: Any, wanted: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per hook in `wanted` that the change calls for, its JSON document (read on the writer's connection)."""
    from acct_tui.models import Account, AuditEntry
    from acct_tui.services.store.rows import tuple_rows

    columns = ("id", "entity", "entity_id", "action", "account", "summary", "before", "after")
    query = (
        AuditEntry.select(*(getattr(AuditEntry, name) for name in columns))
        .where(AuditEntry.change_id == change.id)
        .order_by(AuditEntry.id)
    )
    rows = [dict(zip(columns, row, strict=True)) for row in tuple_rows(query)]
    entries = [_entry(row) for row in rows]
    ids = sorted({int(e["account_id"]) for e in entries if e["account_id"] is not None} | set(change.band_changes))
    names: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        names_query = Account.select(Account.id, Account.name).where(Account.id.in_(ids[start : start + 500]))
        names.update((int(i), str(n)) for i, n in tuple_rows(names_query))
    moment = ctx.now()
    base = {
        "change_id": change.id,
        "action": change.action,
        "agent": ctx.agent.login,
        "at": moment.isoformat() + ("Z" if moment.tzinfo is None else ""),
        "accounts": {str(i): names[i] for i in ids if i in names},
    }
    found: dict[str, dict[str, Any]] = {}
    if "on-change" in wanted and (entries or change.band_changes):
        found["on-change"] = {**base, "hook": "on-change", "entries": entries}
    for hook in wanted:
        mine = [e for e in entries if hook_of(e) == hook]
        if mine:
            found[hook] = {**base, "hook": hook, "entries": mine}
    if "on-band-change" in wanted and change.band_changes:
        moves = []
        for account_id in sorted(change.band_changes):
            was, now = change.band_changes[account_id]
            if was == now:
                continue
            down = HealthBand(now).rank < HealthBand(was).rank
            moves.append(
                {"account_id": account_id, "account": names.get(account_id, ""), "from": was, "to": now,
                 "direction": "down" if down else "up"}
            )  # fmt: skip
        if moves:
            found["on-band-change"] = {**base, "hook": "on-band-change", "accounts": moves}
    return found


class HookRunner:
    """Runs the hooks of committed changes, one at a time, on a thread of its own."""

    def __init__(self, folder: Path, timeout: float, log_file: Path) -> None:
        self.folder = folder
        self.timeout = timeout
        self.log_file = log_file
        self._pending: deque[tuple[Path, bytes]] = deque()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def present(self) -> list[str]:
        """The hooks there are now (looked up at each change: a hook added while the dashboard runs counts)."""
        if not self.folder.is_dir():
            return []
        return [name for name in HOOKS if os.access(self.folder / name, os.X_OK) and (self.folder / name).is_file()]

    def committed(self, ctx: Any, change: Any) -> None:
        wanted = self.present()
        if not wanted:
            return
        try:
            found = payloads(ctx, change, wanted)
        except Exception as exc:  # the write has committed: its hooks are lost, the write is not
            self.log(f"{change.action}: could not read the change for its hooks: {exc.__class__.__name__}: {exc}")
            return
        for hook, payload in found.items():
            data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
            self._submit(self.folder / hook, data)

    def _submit(self, path: Path, data: bytes) -> None:
        with self._lock:
            self._pending.append((path, data))
            if self._worker is None or not self._worker.is_alive():
                # Not a daemon: a command that wrote waits for its hooks (each at most the timeout).
                self._worker = threading.Thread(target=self._drain, name="acct-tui hooks", daemon=False)
                self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._worker = None
                    return
                path, data = self._pending.popleft()
            self._run(path, data)

    def _run(self, path: Path, data: bytes) -> None:
        import subprocess

        try:
            done = subprocess.run(
                [str(path)],
                input=data,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=self.timeout,
                cwd=self.folder,
                env={**os.environ, "ACCT_TUI_HOOK": path.name},
                start_new_session=True,  # no terminal signals, no terminal to read from
                check=False,
            )
        except subprocess.TimeoutExpired:
            self.log(f"{path.name}: stopped after {self.timeout:g}s (set [hooks] timeout to allow longer)")
            return
        except OSError as exc:
            self.log(f"{path.name}: could not start: {exc.strerror or exc} (is it a script with a #! line?)")
            return
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", errors="replace").strip().replace("\n", " | ")[:STDERR_KEPT]
            self.log(f"{path.name}: exit {done.returncode}" + (f": {said}" if said else ""))

    def log(self, line: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with self.log_file.open("a", encoding="utf-8") as handle:
                handle.write(f"{stamp} {line}\n")
        except OSError:
            pass  # nowhere to log: a hook's failure still must not reach the writer

    def wait(self, timeout: float | None = None) -> None:
        """Until every pending hook has run (tests; a command about to exit need not: the thread holds it)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
