"""Operator commands that talk to a running chand or read the call records."""
