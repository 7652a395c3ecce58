"""Configuration: TOML under /etc/telephonist (plus conf.d/*.toml), checked with file:line errors."""
from telephonist.config.loader import ConfigError, Problem, load_config
from telephonist.config.model import Config

__all__ = ["Config", "ConfigError", "Problem", "load_config"]
