"""Telephonist: an open-source call-center platform for telephony cards and simulated spans."""

__version__ = "0.1.0"
