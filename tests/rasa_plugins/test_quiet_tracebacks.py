"""Tracebacks in Rasa's JSON logs keep types, messages and lines but never a frame's local variables."""

from __future__ import annotations

import io
import json
import logging
import sys
import unittest
from typing import Any
from unittest import mock

import rasa.__main__ as rasa_main
import structlog

from rasa_plugins import quiet_tracebacks

SECRET = "he follows me home from the station"


def failing_turn() -> None:
    what_they_wrote = SECRET  # noqa: F841 - the local a traceback must not show
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def render(processors: list[Any]) -> str:
    try:
        failing_turn()
    except ConnectionError:
        event: Any = {"event": "rest.message.received.failure", "exc_info": sys.exc_info()}
    for processor in processors:
        event = processor(logging.getLogger("rasa.core.channels.rest"), "error", event)
    return str(event)


class WithoutLocalsTest(unittest.TestCase):
    def test_rasas_default_renderer_would_log_the_local(self) -> None:
        # The reason this module exists: if this starts failing, structlog stopped showing locals.
        self.assertIn(SECRET, render([structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]))

    def test_the_swapped_renderer_keeps_the_traceback_but_not_the_locals(self) -> None:
        processors = quiet_tracebacks.without_locals([structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()])
        line = render(processors)
        self.assertNotIn(SECRET, line)
        (exception,) = json.loads(line)["exception"]
        self.assertEqual(exception["exc_type"], "ConnectionError")
        self.assertIn("Connection refused", exception["exc_value"])
        self.assertTrue(any(frame["name"] == "failing_turn" for frame in exception["frames"]))
        self.assertTrue(all("locals" not in frame or not frame["locals"] for frame in exception["frames"]))


class InstallTest(unittest.TestCase):
    def setUp(self) -> None:
        self.original = rasa_main.configure_structlog

    def tearDown(self) -> None:
        rasa_main.configure_structlog = self.original
        quiet_tracebacks._installed = False
        structlog.reset_defaults()

    def test_rasas_own_logging_setup_ends_without_locals(self) -> None:
        quiet_tracebacks.install()
        self.assertIsNot(rasa_main.configure_structlog, self.original)
        with mock.patch.object(sys, "stderr", io.StringIO()):  # not a terminal: Rasa picks JSON logs
            rasa_main.configure_structlog(logging.INFO)
        processors = structlog.get_config()["processors"]
        self.assertNotIn(structlog.processors.dict_tracebacks, processors)
        self.assertNotIn(SECRET, render(processors))


if __name__ == "__main__":
    unittest.main()
