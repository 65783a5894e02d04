"""Serving the dashboard over SSH: `acct-tui serve-ssh`.

Agents connect with a plain OpenSSH client (`ssh -p 2222 AGENT@host`) and land
in the dashboard as themselves. Public-key authentication only, with the keys
registered in the database (`acct-tui agent key add`). Each session gets its own
pseudo-terminal and its own app process (`python -m acct_tui --agent AGENT`),
started with `ACCT_TUI_SERVED=1` so the app switches off its escape hatches
(suspend, shell or editor, screenshots to the server's disk). No shell, exec,
subsystem (sftp) or forwarding of any kind.

Nothing here imports Textual: the server only relays bytes between the SSH
channel and the app process's terminal.
"""

SERVED_ENV = "ACCT_TUI_SERVED"
"""Set to "1" in the environment of every app process the SSH server starts."""
