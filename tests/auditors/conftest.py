"""The engine tests' Spark local[2] session (tests/engines/conftest.py) for the auditor tests that
fold over partitions."""

from ..engines.conftest import spark

__all__ = ["spark"]
