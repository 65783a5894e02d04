"""Start one served session's app on its pseudo-terminal: `python -m acct_tui.ssh.child [--memory=BYTES] COMMAND...`.

The server starts this in a new session with the terminal's slave side as
stdin, stdout and stderr. It makes that terminal the session's controlling
terminal (so resizes raise SIGWINCH in the app, and closing the terminal
hangs the app up), then replaces itself with COMMAND, normally
`python -m acct_tui --agent LOGIN`. Doing this in the child, instead of in a
fork of the server, keeps the multi-threaded server from ever forking
without exec. `--memory` caps the app's address space (RLIMIT_AS), so one
session cannot take the server's memory whatever its client does.
"""

from __future__ import annotations

import fcntl
import os
import resource
import sys
import termios


def main(argv: list[str]) -> int:
    if argv and argv[0].startswith("--memory="):
        limit = int(argv.pop(0).split("=", 1)[1])
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if not argv:
        print("usage: python -m acct_tui.ssh.child [--memory=BYTES] COMMAND [ARG...]", file=sys.stderr)
        return 2
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
