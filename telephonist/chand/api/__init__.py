"""chand's control API: JSON lines over a Unix socket (and TCP with a token). See docs/protocol.md."""

PROTOCOL_VERSION = 1
