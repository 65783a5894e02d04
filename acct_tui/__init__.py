"""acct-tui: a terminal cockpit for account managers."""

__version__ = "0.1.0"
