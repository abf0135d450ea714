"""Fixtures for these tests; they and their helpers live in tests/support/stack.py (shared with other folders)."""

from tests.support.stack import chat, stack  # noqa: F401 (fixtures, registered here)
