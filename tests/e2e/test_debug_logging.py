"""Even at DEBUG, no process logs what a survivor wrote, their contact details or their id."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.support.stack import running_stack

pytestmark = pytest.mark.stack


def test_debug_logs_of_every_process_hold_no_personal_data(tmp_path: Path) -> None:
    canaries = ["canary-debug-7731", "07700 900462", "canary.debug@example.org"]
    sender = secrets.token_hex(8)
    with running_stack(tmp_path, LOG_LEVEL="DEBUG") as stack:
        stack.say(sender, f"my sergeant {canaries[0]} won't stop, reach me on {canaries[1]} or {canaries[2]}")
        stack.say(sender, "/ask_review")
        stack.say(sender, "stop")
        logs = stack.logs()
    assert "DEBUG" in logs, "the stack did not log at DEBUG, so this test proves nothing"
    for secret in [*canaries, sender]:
        assert secret not in logs, f"{secret} reached a DEBUG log"
