"""The domain rules: plain Python over the models, no Textual.

Screens and the command line call these functions; each takes a `Ctx` (who
is acting, the clock, the health policy) and returns frozen dataclasses of
plain values. Writes run in one transaction with their audit entries.

Layers, each importing only from those before it:

- `domain`: The rules, with no queries: the health score, the user's policy, dates, validation and field rules.
- `store`: Storage and the unit of work: query rows, audit, transactions, derived columns, search, scope, undo.
- `reads`: What the screens and verbs show: the portfolio, the queue, one account, the daily walk, explanations.
- `writes`: What a person changes: accounts, follow-ups, sharing, agents and their keys, renewal checkpoints.
- `io`: Data in and out: CSV imports, exports, backups and restores, briefs, the seed and the demo.
- `grammar`: The verb grammar of the command line and the dashboard's `:` prompt, and running its verbs.

`context` and `errors` stay here: nearly every module imports them.
"""
