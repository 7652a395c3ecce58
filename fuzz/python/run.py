"""Run one Python fuzz target under atheris (libFuzzer's engine, coverage of telephonist's code):

    python -m fuzz.python.run TARGET [libFuzzer options] [corpus folders]

TARGET is a module of fuzz/python with check(data: bytes); an exception out of it is a crash."""
from __future__ import annotations

import importlib
import sys

import atheris


def main() -> None:
    name = sys.argv.pop(1)
    with atheris.instrument_imports(include=["telephonist"]):
        target = importlib.import_module(f"fuzz.python.{name}")
    atheris.Setup(sys.argv, target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
