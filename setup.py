"""The C media engine, compiled by cffi (API mode) into telephonist._engine.

Everything else about the package is in pyproject.toml; setuptools takes `cffi_modules` only from here.
"""
from setuptools import setup

setup(cffi_modules=["csrc/build_engine.py:ffibuilder"])
