"""The verbs of acct-tui, one grammar for the command line and the dashboard's `:` prompt.

`grammar` parses (a line, or argparse arguments built from the same
declarations) into a `Command`; `run.execute` carries it out through the
services and returns an `Outcome`; `reports` renders the reading verbs.
"""

from acct_tui.services.commands.grammar import VERBS, Command, CommandError, Focus, parse_line
from acct_tui.services.commands.run import Outcome, execute

__all__ = ["VERBS", "Command", "CommandError", "Focus", "Outcome", "execute", "parse_line"]
