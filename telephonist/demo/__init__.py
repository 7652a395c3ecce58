"""The demo: prompts spoken by espeak-ng, sample customer data and simulated callers, for `make run`."""
