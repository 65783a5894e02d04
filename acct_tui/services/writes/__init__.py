"""What a person changes: accounts, follow-ups, sharing, agents and their keys, renewal checkpoints."""
