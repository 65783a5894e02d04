"""The verbs of acct-tui, one grammar for the command line and the dashboard's `:` prompt.

`grammar` parses (a line, or argparse arguments built from the same
declarations) into a `Command`; `run.execute` carries it out through the
services and returns an `Outcome`; `reports` renders the reading verbs.
"""

from acct_tui.services.grammar.run import Outcome, execute
from acct_tui.services.grammar.syntax import VERBS, Command, CommandError, Focus, parse_line

__all__ = ["VERBS", "Command", "CommandError", "Focus", "Outcome", "execute", "parse_line"]
