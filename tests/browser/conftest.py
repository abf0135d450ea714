"""Fixtures for these tests; they and their helpers live in tests/support/browser.py (shared with other folders)."""

from tests.support.browser import browser, context, gateway, gateway_settings, page  # noqa: F401 (fixtures, registered here)
