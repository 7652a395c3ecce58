"""tests/dahdi: the host side boots the DAHDI guest; guest/ holds what runs inside it.

guest/ is never collected on the host: it needs /dev/dahdi and the guest-built engine.
"""
collect_ignore = ["guest"]
