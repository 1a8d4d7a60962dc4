"""Fixtures shared with the browser tests live in tests/conftest.py (`cluster`)."""
