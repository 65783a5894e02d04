"""The server's host key: created on first start (mode 600) in the data folder, then reused.

Reusing it is what lets agents' `known_hosts` trust the server; a key file
that others can read is refused, as OpenSSH refuses one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from acct_tui import locations

HOST_KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(Exception):
    """The host key cannot be used; the message says what to do."""


def default_host_key_path() -> Path:
    return locations.data_dir() / HOST_KEY_NAME


def load_or_create_host_key(path: Path | None = None) -> tuple[Any, bool]:
    """The host key at `path` (default: the data folder), created if missing; and whether it was created."""
    import asyncssh

    target = path or default_host_key_path()
    if target.exists():
        mode = stat.S_IMODE(target.stat().st_mode)
        if mode & 0o077:
            raise HostKeyError(f"the host key {target} can be read by others (mode {mode:o}); run: chmod 600 {target}")
        try:
            return asyncssh.read_private_key(str(target)), False
        except (asyncssh.KeyImportError, OSError) as exc:
            raise HostKeyError(f"cannot read the host key {target}: {exc}; move it away to make a new one") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="acct-tui host key")
    # O_EXCL: two servers starting at once cannot both write the file.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_host_key(target)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key("openssh"))
    public = target.with_name(target.name + ".pub")
    public.write_bytes(key.export_public_key("openssh"))
    os.chmod(public, 0o644)
    return key, True
