"""The rules, with no queries: the health score, the user's policy, dates, validation and field rules."""
