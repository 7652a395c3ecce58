"""Disconnect tones learnt per line: synthesis (the sim exchange's), measurement, the learn-busy tool."""
