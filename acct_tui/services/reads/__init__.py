"""What the screens and verbs show: the portfolio, the queue, one account, the daily walk, explanations."""
