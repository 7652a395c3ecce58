"""The demo: a reception application and simulated callers, for `make run` on sim spans."""
