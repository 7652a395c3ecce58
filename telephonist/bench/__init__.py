"""Benchmarks: `telephonist bench engine|calls|fax`, each printing one JSON object."""
