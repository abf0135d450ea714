"""End to end over Rasa's REST channel: the trained model, the rules, the actions and the tracker store together."""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import ContentPack
from bot.content.schema import Region
from tests.conversations_dev.cases import answered_from_topic
from tests.support.stack import TEST_TTL_SECONDS, Conversation, Stack

pytestmark = pytest.mark.stack


def text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def test_first_turn_says_what_it_is_and_offers_the_menu(chat: Conversation, pack: ContentPack) -> None:
    replies = chat.say("hello")
    assert pack.message("intro", minutes="1") in text(replies)
    assert pack.message("greeting_question") in text(replies)
    assert "/ask_criminal_route" in payloads(replies)


def test_indirect_disclosure_is_believed(chat: Conversation, pack: ContentPack) -> None:
    replies = chat.say("a senior colleague keeps touching me")
    assert pack.message("disclosure") in text(replies)


# Each topic, reached in the survivor's own words, in a region they chose.
TOPIC_QUESTIONS = {
    "options": "what are my options",
    "criminal_route": "how do i report a police officer for rape",
    "misconduct_route": "what happens at a gross misconduct hearing",
    "both_routes": "can I do the criminal and misconduct route at the same time",
    "review": "the CPS decided not to charge him, can I challenge that",
    "compensation": "can I get criminal injuries compensation",
    "kept_informed": "what are my rights under the victims code",
    "work": "I'm being isolated at work since I reported him, can I go to a tribunal",
    "evidence_health": "what is a SARC",
    "domestic_abuse": "my husband is a cop and he controls everything I do",
    "anonymous_reporting": "can I report him anonymously",
    "helplines": "who can I talk to",
    "privacy": "do you keep what I say?",
}


@pytest.mark.parametrize("topic_id", sorted(TOPIC_QUESTIONS))
def test_every_topic_is_reached_in_plain_words(stack: Stack, pack: ContentPack, topic_id: str) -> None:
    chat = Conversation(stack)
    chat.say('/inform_region{"region":"scotland"}')
    replies = chat.say(TOPIC_QUESTIONS[topic_id])
    topic = pack.topics[topic_id]
    said = text(replies)
    # The topic's overview, or the answer to one of the topic's own questions, which comes first.
    overview = topic.title in said and topic.variant_for(Region.scotland).pages[0].text.strip() in said
    assert overview or answered_from_topic(pack, topic_id, said), said


def test_region_is_asked_once_and_the_right_region_is_answered(chat: Conversation, pack: ContentPack) -> None:
    replies = chat.say("/ask_compensation")
    assert pack.message("region_question") in text(replies)
    replies = chat.say('/inform_region{"region":"northern_ireland"}')
    ni = pack.topics["compensation"].variants["northern_ireland"].pages[0].text.strip()
    ew = pack.topics["compensation"].variants["england_wales"].pages[0].text.strip()
    assert ni in text(replies) and ew not in text(replies)
    replies = chat.say("/ask_review")
    assert pack.message("region_question") not in text(replies)
    assert pack.topics["review"].variants["northern_ireland"].pages[0].text.strip() in text(replies)


def test_tell_me_more_goes_page_by_page(chat: Conversation, pack: ContentPack) -> None:
    chat.say('/inform_region{"region":"england_wales"}')
    chat.say("/ask_criminal_route")
    replies = chat.say("tell me more")
    assert pack.topics["criminal_route"].variants["england_wales"].pages[1].text.strip() in text(replies)


@pytest.mark.parametrize(
    "setup",
    [[], ["/ask_misconduct_route"], ["/ask_compensation"], ["/ask_privacy", "/tell_me_more"], ["blorp zzkq"], ["/stop"]],
    ids=["first message", "mid-topic", "region question open", "tell me more", "after a fallback", "after stop"],
)
def test_crisis_is_answered_from_any_state(stack: Stack, pack: ContentPack, setup: list[str]) -> None:
    chat = Conversation(stack)
    for message in setup:
        chat.say(message)
    danger = text(chat.say("he's outside my house right now"))
    assert "999" in danger and pack.crisis.danger.text.strip() in danger
    suicide = text(chat.say("i don't want to be here anymore"))
    assert pack.crisis.suicide.text.strip() in suicide


def test_safe_after_a_crisis_goes_back_to_the_topic(chat: Conversation, pack: ContentPack) -> None:
    chat.say('/inform_region{"region":"england_wales"}')
    chat.say("/ask_work")
    chat.say("i want to kill myself")
    replies = chat.say("/safe_now")
    assert pack.message("safe_now") in text(replies)
    assert pack.topics["work"].title in text(replies)


def test_stop_forgets_the_conversation_at_once(chat: Conversation, pack: ContentPack) -> None:
    chat.say("hi")
    chat.say('/inform_region{"region":"scotland"}')
    assert pack.message("stop") in text(chat.say("stop"))
    # A forgotten conversation starts again from nothing: the intro comes back, the region is gone.
    replies = chat.say("/ask_review")
    assert pack.message("intro", minutes="1") in text(replies)
    assert pack.message("region_question") in text(replies)


def test_idle_conversation_expires(chat: Conversation, pack: ContentPack) -> None:
    chat.say("hi")
    chat.say('/inform_region{"region":"scotland"}')
    time.sleep(TEST_TTL_SECONDS + 1)
    replies = chat.say("/ask_review")
    assert pack.message("intro", minutes="1") in text(replies)
    assert pack.message("region_question") in text(replies)


def test_gibberish_never_dead_ends(chat: Conversation, pack: ContentPack) -> None:
    replies = chat.say("qwzx plorb 77")
    assert "/menu" in payloads(replies)
    assert any(pack.helplines[h].name in text(replies) for h in pack.menu.signpost["not_said"])


def test_http_api_is_off(stack: Stack) -> None:
    import httpx

    assert httpx.get(f"{stack.url}/status", timeout=5).status_code == 404
    assert httpx.get(f"{stack.url}/conversations/x/tracker", timeout=5).status_code == 404


def listening_sockets() -> dict[str, tuple[str, int]]:
    """Every listening TCP socket on the machine: its inode -> (address, port), from the kernel's own tables."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            hex_address, hex_port = local.split(":")
            if state == "0A":  # LISTEN
                raw = bytes.fromhex(hex_address)[::-1] if table.endswith("tcp") else _ipv6(hex_address)
                found[inode] = (str(ipaddress.ip_address(raw)), int(hex_port, 16))
    return found


def _ipv6(hex_address: str) -> bytes:
    # /proc/net/tcp6 writes the address as four 32-bit words, each in host (little-endian) order.
    return b"".join(bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, 32, 8))


def process_tree(root: int) -> set[int]:
    """`root` and every process descended from it, from each process's parent in /proc/<pid>/stat."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The command name (2nd field) is in brackets and may hold spaces: the parent follows it.
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets a process holds open."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    except OSError:
        pass  # it ended while we looked
    return inodes


def test_every_started_process_listens_on_loopback_only(stack: Stack) -> None:
    # Every socket that any process the supervisor started is listening on, whatever its port.
    listening = listening_sockets()
    by_process = {pid: {listening[i] for i in socket_inodes(pid) if i in listening} for pid in process_tree(stack.process.pid)}
    by_process = {pid: sockets for pid, sockets in by_process.items() if sockets}
    ports = {port for sockets in by_process.values() for _, port in sockets}
    expected = {int(stack.env[name]) for name in ("RASA_PORT", "ACTION_PORT", "GATEWAY_PORT")}
    assert expected <= ports, (
        f"the check saw listening ports {sorted(ports)}, not all of {sorted(expected)}: it would prove nothing"
    )
    assert len(by_process) >= 3, by_process  # Rasa, the action server and the gateway, each seen on its own
    for pid, sockets in by_process.items():
        assert all(ipaddress.ip_address(address).is_loopback for address, _ in sockets), f"process {pid} listens on {sockets}"


def test_no_message_text_reaches_logs_or_files(chat: Conversation) -> None:
    import tempfile
    from pathlib import Path

    started = time.time()
    canaries = ["canary-e2e-4411", "07700 900461", "canary.person@example.org"]
    chat.say(f"my skipper {canaries[0]} keeps messaging me, call me on {canaries[1]} or {canaries[2]}")
    chat.say("/ask_privacy")
    chat.say("stop")
    logs = chat.stack.logs()
    for canary in [*canaries, chat.sender]:
        assert canary not in logs
    # Nothing written anywhere under the project or the temp folder holds the conversation.
    roots = [Path(__file__).resolve().parents[2], Path(tempfile.gettempdir())]
    skip = {".venv", ".venv-rasa", ".git", "node_modules"}
    for root in roots:
        for path in _files_under(root, skip):
            if path == chat.stack.log_path:
                continue
            try:
                if path.stat().st_mtime < started or path.stat().st_size > 5_000_000:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            for canary in canaries:
                assert canary.encode() not in data, f"{canary} found in {path}"


def _files_under(root: Path, skip: set[str]) -> list[Path]:
    """Every file under root, outside the skipped folders; folders that other processes delete
    while we walk (the temp folder is shared) are passed over, not an error."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root, onerror=lambda error: None):
        subfolders[:] = [name for name in subfolders if name not in skip]
        found.extend(Path(folder) / name for name in files)
    return found


def test_gateway_is_up_under_the_same_supervisor(stack: Stack) -> None:
    import httpx

    assert httpx.get(f"{stack.gateway_url}/healthz", timeout=5).json() == {"status": "ok"}
