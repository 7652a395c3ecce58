#!/usr/bin/env python3
"""Run one Python fuzz target under atheris (libFuzzer's engine, coverage of telephonist's code):

    FUZZ_TARGET=NAME fuzz/python/run.py [libFuzzer options] [corpus folders]

NAME is a module of fuzz/python with check(data: bytes); an exception out of it is a crash. The
target comes by the environment and the script runs as a program (python3 from PATH: fuzz/run.sh
puts the venv first) because libFuzzer's -merge starts argv[0] again with its own arguments."""
from __future__ import annotations

import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import atheris  # noqa: E402


def main() -> None:
    name = os.environ["FUZZ_TARGET"]
    with atheris.instrument_imports(include=["telephonist"]):
        target = importlib.import_module(f"fuzz.python.{name}")
    atheris.Setup(sys.argv, target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
