"""acd: the automatic call distributor — queues, agents, and who gets which call (docs/acd.md)."""
