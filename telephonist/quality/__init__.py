"""Quality: recorded queue calls scored against forms by reviewers, agents' appeals, sampling rules, and the
staff assessment that combines scores with workload (docs/quality.md)."""
