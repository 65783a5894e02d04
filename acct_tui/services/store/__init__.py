"""Storage and the unit of work: query rows, audit, transactions, derived columns, search, scope, undo."""
