"""The topic preview: a topic's pages and its questions' answers, as the web widget and as a Telegram chat.

The Telegram chat is drawn by the Telegram channel's own functions (bot/gateway/telegram/format.py: split_markdown, then to_html for each piece, as
bot/gateway/telegram/conversation.py sends),
so the tests compare with what they give rather than with a copy of their rules.
"""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.content.loader import load_pack
from bot.content.render import topic_page
from bot.content.schema import Region
from bot.gateway.telegram.format import split_markdown, to_html
from bot.studio.preview import question_replies
from bot.studio.settings import StudioSettings
from tests.support.studio import browser_form, changed, sign_in

ROOT = Path(__file__).resolve().parents[2]


async def test_a_topic_preview_shows_each_page_and_answer_as_the_widget_and_as_telegram_draws_them(client: TestClient) -> None:
    await sign_in(client, "edna")
    page = await (await client.get("/preview/topics/criminal_route?region=scotland")).text()
    pack = load_pack(ROOT / "data" / "content", "en")
    topic = pack.topics["criminal_route"]
    assert ">Web chat window</h2>" in page and ">Telegram chat</h2>" in page
    first = topic_page(pack, topic, Region.scotland, 0)[0]
    assert html.escape(first.text.splitlines()[-1]) in page  # the widget's bubble
    for piece in split_markdown(first.text):
        assert f'<div class="tg-message">{to_html(piece)}</div>' in page  # Telegram's HTML, from the channel's own function
    for question in topic.questions:
        answer = question_replies(pack, topic, question, Region.scotland)[0]
        assert f'<div class="tg-message">{to_html(split_markdown(answer.text)[0])}</div>' in page
        assert f'<span class="tg-button">{html.escape(answer.buttons[0].title)}</span>' in page


async def test_html_in_an_answer_is_shown_as_text_in_both_styles(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    form = browser_form(await (await client.get("/topics/privacy")).text(), "/topics/privacy")
    key = next(k for k, _ in form if k.startswith("questions.0.answers.all.text"))
    await client.post("/topics/privacy", data=changed(form, {key: 'I keep <script>alert("x")</script> nothing.'}))
    page = await (await client.get("/preview/topics/privacy")).text()
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(") >= 2  # the widget's bubble and the Telegram message


async def test_the_whole_preview_can_be_drawn_as_a_telegram_chat(client: TestClient) -> None:
    await sign_in(client, "edna")
    page = await (await client.get("/preview?style=telegram")).text()
    assert page.count('class="tg-window"') == 3 and 'class="bubble"' not in page
    assert (await client.get("/preview/topics/nothing_here")).status == 404
