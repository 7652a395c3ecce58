"""The dialer: outbound campaigns (docs/dialer.md)."""
