"""SSH public keys of agents: what lets an agent into a served dashboard.

Keys are parsed and fingerprinted with asyncssh (SHA256 fingerprints, as
`ssh-keygen -l` prints them). A key belongs to one agent only; adding a key
that is already known (even a revoked one) is refused, so a revoked key can
never come back by accident. Adding and revoking are audited changes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from acct_tui.models import Agent, AgentKey
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.store.permissions import require_admin
from acct_tui.services.store.unit import Change, change, reading, snapshot

MIN_RSA_BITS = 2048
_REFUSED_ALGORITHMS = {"ssh-dss": "DSA keys are broken; make an ed25519 key: ssh-keygen -t ed25519"}


@dataclass(frozen=True)
class ParsedKey:
    """A public key read from text, ready to store."""

    algorithm: str
    key_data: str
    fingerprint: str
    comment: str


@dataclass(frozen=True)
class KeyRow:
    id: int
    login: str
    algorithm: str
    fingerprint: str
    comment: str
    added_at: str
    revoked_at: str


def _key_start(line: str) -> str:
    """The key part of a line, skipping authorized_keys options such as `restrict`."""
    words = line.split()
    for index, word in enumerate(words):
        if word.startswith(("ssh-", "ecdsa-", "sk-")) and index + 1 < len(words):
            return " ".join(words[index:])
    return line


def parse_public_keys(text: str) -> list[ParsedKey]:
    """Every public key in `text` (a .pub file or authorized_keys lines).

    Raises ValidationError for a private key, an unreadable line, or a key
    too weak to accept.
    """
    try:
        import asyncssh
    except ImportError as exc:  # the ssh extra is not installed
        raise ValidationError("reading SSH keys needs asyncssh: pip install 'acct-tui[ssh]'", "key") from exc
    if "PRIVATE KEY" in text:
        raise ValidationError("this is a private key; give the public one (the .pub file), never the private", "key")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValidationError("no public key found; give a file such as ~/.ssh/id_ed25519.pub", "key")
    keys: list[ParsedKey] = []
    for number, line in enumerate(lines, start=1):
        try:
            key = asyncssh.import_public_key(_key_start(line))
        except (asyncssh.KeyImportError, ValueError) as exc:
            where = f"line {number}" if len(lines) > 1 else "the key"
            raise ValidationError(f"{where} is not an SSH public key ({exc})", "key") from exc
        algorithm = key.get_algorithm()
        if algorithm in _REFUSED_ALGORITHMS:
            raise ValidationError(_REFUSED_ALGORITHMS[algorithm], "key")
        pyca = getattr(key, "pyca_key", None)
        bits = getattr(pyca, "key_size", None)
        if algorithm == "ssh-rsa" and bits is not None and bits < MIN_RSA_BITS:
            raise ValidationError(
                f"this RSA key has {bits} bits; use at least {MIN_RSA_BITS}, or ed25519 (ssh-keygen -t ed25519)",
                "key",
            )
        comment = key.get_comment() or ""
        keys.append(
            ParsedKey(
                algorithm=algorithm,
                key_data=f"{algorithm} {base64.b64encode(key.public_data).decode('ascii')}",
                fingerprint=key.get_fingerprint("sha256"),
                comment=comment[:200],
            )
        )
    seen: set[str] = set()
    for parsed in keys:
        if parsed.fingerprint in seen:
            raise ValidationError(f"the key {parsed.fingerprint} appears twice", "key")
        seen.add(parsed.fingerprint)
    return keys


def store_keys(ch: Change, agent: Agent, keys: Sequence[ParsedKey]) -> list[str]:
    """Add parsed keys to an agent inside an open change; refuses keys already known."""
    added = []
    for parsed in keys:
        known = AgentKey.get_or_none(AgentKey.fingerprint == parsed.fingerprint)
        if known is not None:
            owner = Agent.get_by_id(known.__data__["agent"]).login
            state = " (revoked)" if known.revoked_at is not None else ""
            raise ValidationError(f"the key {parsed.fingerprint} is already registered to {owner}{state}", "key")
        key = AgentKey.create(
            agent=agent.id,
            algorithm=parsed.algorithm,
            key_data=parsed.key_data,
            fingerprint=parsed.fingerprint,
            comment=parsed.comment,
            added_at=ch.ctx.now(),
        )
        ch.created(key, f"added SSH key {parsed.fingerprint} for {agent.login}", action="key add")
        added.append(parsed.fingerprint)
    return added


def _agent(login: str) -> Agent:
    agent = Agent.get_or_none(Agent.login == login)
    if agent is None:
        raise NotFound(f"agent {login!r} not found")
    return agent


def add_keys(ctx: Ctx, login: str, text: str) -> list[str]:
    """Register the public keys in `text` for an agent (admins only); returns their fingerprints."""
    require_admin(ctx.agent, "add SSH keys")
    keys = parse_public_keys(text)
    with change(ctx, "key add") as ch:
        return store_keys(ch, _agent(login), keys)


def revoke_keys(ctx: Ctx, login: str, fingerprint: str) -> list[str]:
    """Revoke one key by fingerprint, or every key with "all"; returns what was revoked.

    An admin may revoke anyone's keys; an agent may revoke their own (a lost laptop).
    """
    if ctx.agent.login != login:
        require_admin(ctx.agent, "revoke another agent's keys")
    wanted = fingerprint.strip()
    if wanted != "all" and not wanted.startswith("SHA256:"):
        wanted = f"SHA256:{wanted}"
    with change(ctx, "key revoke") as ch:
        agent = _agent(login)
        query = AgentKey.select().where(AgentKey.agent == agent.id, AgentKey.revoked_at.is_null())
        if wanted != "all":
            query = query.where(AgentKey.fingerprint == wanted)
        keys = list(query)
        if not keys:
            what = "no active SSH keys" if wanted == "all" else f"no active key {wanted}"
            raise NotFound(f"{login} has {what}; see: acct-tui agent key list {login}")
        for key in keys:
            before = snapshot(key, ["revoked_at"])
            key.revoked_at = ctx.now()
            key.save()
            ch.updated(key, before, f"revoked SSH key {key.fingerprint} of {login}", action="key revoke")
        return [key.fingerprint for key in keys]


def list_keys(login: str | None = None, *, include_revoked: bool = False) -> list[KeyRow]:
    with reading():
        query = AgentKey.select(AgentKey, Agent.login).join(Agent).order_by(Agent.login, AgentKey.id)
        if login is not None:
            query = query.where(Agent.login == login)
        if not include_revoked:
            query = query.where(AgentKey.revoked_at.is_null())
        return [
            KeyRow(
                id=key.id,
                login=key.agent.login,
                algorithm=key.algorithm,
                fingerprint=key.fingerprint,
                comment=key.comment,
                added_at=key.added_at.isoformat(sep=" ", timespec="minutes"),
                revoked_at=key.revoked_at.isoformat(sep=" ", timespec="minutes") if key.revoked_at else "",
            )
            for key in query
        ]


def login_fingerprints(login: str) -> frozenset[str] | None:
    """The fingerprints that let `login` in: None when the agent is unknown or deactivated."""
    with reading():
        agent = Agent.get_or_none(Agent.login == login)
        if agent is None or not agent.active:
            return None
        rows = AgentKey.select(AgentKey.fingerprint).where(AgentKey.agent == agent.id, AgentKey.revoked_at.is_null())
        return frozenset(row.fingerprint for row in rows)


def authorized_keys(command: str = "acct-tui") -> list[str]:
    """OpenSSH authorized_keys lines for every live key of every active agent, each forced into their dashboard.

    For a host that serves with OpenSSH instead of `serve-ssh`: all agents log in
    as one Unix user whose authorized_keys holds these lines. `restrict` turns off
    forwarding of every kind and ~/.ssh/rc; `pty` gives back the terminal the
    dashboard needs; the forced command ignores whatever the client asked to run,
    and refuses a session without a terminal.
    """
    if '"' in command or "\n" in command:
        raise ValidationError("the command may not contain quotes or line breaks", "command")
    with reading():
        rows = (
            AgentKey.select(AgentKey.key_data, Agent.login)
            .join(Agent)
            .where(AgentKey.revoked_at.is_null(), Agent.active == True)  # noqa: E712 - peewee expression
            .order_by(Agent.login, AgentKey.id)
        )
        return [
            f'restrict,pty,command="{_forced(command, row.agent.login)}" {row.key_data} {row.agent.login}@acct-tui'
            for row in rows
        ]


def _forced(command: str, login: str) -> str:
    """The forced command (a POSIX shell runs it): the dashboard when there is a terminal, a refusal otherwise.

    Without the check, `ssh -T` would start an app with no terminal that no hangup ever ends.
    """
    return (
        f"if [ -t 0 ]; then exec env ACCT_TUI_SERVED=1 {command} --agent {login}; "
        "else echo 'acct-tui needs a terminal: connect with ssh -t' >&2; exit 1; fi"
    )
