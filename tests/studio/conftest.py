"""Fixtures for these tests; they and their helpers live in tests/support/studio.py (shared with other folders)."""

from tests.support.studio import client, settings  # noqa: F401 (fixtures, registered here)
