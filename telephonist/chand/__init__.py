"""chand: the channel daemon. Owns spans and channels; applications control calls through its API."""
