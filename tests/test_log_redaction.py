"""The redacting log filter that every process installs."""

from __future__ import annotations

import logging

import pytest

from rasa_plugins.log_redaction import RedactingFilter, redact


@pytest.mark.parametrize(
    "line,secret",
    [
        ("processor.message.parse parse_data_text=he hurt me canary parse_data_intent={}", "he hurt me canary"),
        ("Received user message 'he hurt me canary' with intent", "he hurt me canary"),
        ("bot token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw in url", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("mail someone@example.org now", "someone@example.org"),
        ("call 07700 900123 later", "07700 900123"),
        ("sender a3f9c2d1e4b5a6f7c8d9 said", "a3f9c2d1e4b5a6f7c8d9"),
    ],
)
def test_redact_removes_personal_data(line: str, secret: str) -> None:
    assert secret not in redact(line)


def test_redact_keeps_ordinary_operational_lines() -> None:
    line = "Action endpoint is up and running on http://127.0.0.1:5055"
    assert redact(line) == line


def test_filter_redacts_arguments_and_exceptions() -> None:
    try:
        raise ValueError("body was someone@example.org")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", ("07700900123",), sys.exc_info())
    RedactingFilter().filter(record)
    assert "07700900123" not in record.getMessage()
    assert record.exc_text and "someone@example.org" not in record.exc_text


def test_redact_handles_rasa_json_structured_logs() -> None:
    line = '{"parse_data_text": "he said \\"quiet\\" canary", "rasa_events": [{"event": "user", "text": "canary two"}], "level": "debug"}'
    out = redact(line)
    assert "canary" not in out and '"level": "debug"' in out


def test_redact_handles_policy_state_dumps() -> None:
    line = "[state 1] user text: my sergeant canary | previous action name: action_listen"
    assert "canary" not in redact(line) and "previous action name" in redact(line)
