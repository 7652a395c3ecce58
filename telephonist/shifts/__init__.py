"""Shifts: patterns, rosters per agent and day, and attendance from the ACD's agent log (docs/shifts.md).

schema.py      the tables (migration kb01)
store.py       patterns and rosters (supervisors edit, agents read their own)
attendance.py  each rostered shift against the agent's logins and logouts (acd_agent_log): late, early leave, absent
"""
