"""Allow `python -m acct_tui`."""

from acct_tui.cli import main

raise SystemExit(main())
