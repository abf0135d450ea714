"""Fixtures for these tests; they and their helpers live in tests/support/web_clients.py (shared with other folders)."""

from tests.support.web_clients import client, echo_client, echo_rasa, rasa  # noqa: F401 (fixtures, registered here)
