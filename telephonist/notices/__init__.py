"""Notices: a supervisor's broadcast to one agent, a queue's agents, a role's or everyone, shown on the agent
desktop (and, when marked so, on the wallboards) with read receipts (docs/knowledge-base.md, "Notices").

schema.py   the tables (migration kb01)
store.py    who a notice goes to (resolved once, when it is sent), sending, reading, receipts, withdrawing
"""
