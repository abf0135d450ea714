"""The content's one text format (bot/content/markup.py): parsed once, the same meaning on every channel."""

from __future__ import annotations

from typing import Any

import pytest

from bot.content.loader import ContentPack
from bot.content.markup import blocks_json, html_blocks, page_html, telegram_html, telegram_plain
from bot.content.render import format_helpline, static_fallback
from bot.content.schema import normalise_phone


def flat(nodes: list[dict[str, Any]]) -> str:
    """Inline nodes as a short string, so an assertion reads like the message."""
    out = []
    for node in nodes:
        if node["type"] == "text":
            out.append(node["text"])
        elif node["type"] in ("strong", "em"):
            out.append(f"<{node['type']}>{flat(node['children'])}</{node['type']}>")
        elif node["type"] in ("code", "key"):
            out.append(f"<{node['type']}>{node['text']}</{node['type']}>")
        else:
            out.append(f"[{node['text']}]({node['href']})")
    return "".join(out)


# --- The structure the widget shows ---------------------------------------------------------------


def test_a_line_that_is_all_bold_is_a_heading_not_a_bold_paragraph() -> None:
    blocks = blocks_json("**Your options**\n\nSome words.")
    assert [b["type"] for b in blocks] == ["heading", "paragraph"]
    assert flat(blocks[0]["children"]) == "Your options"


def test_a_helpline_block_becomes_a_service_card_with_a_tel_link_and_an_e_mail_link() -> None:
    [card] = blocks_json(
        "**Samaritans**: call 116 123, e-mail jo@samaritans.org\n24 hours a day\nAnyone who is struggling.\nhttps://www.samaritans.org/"
    )
    assert card["type"] == "card" and card["name"] == "Samaritans"
    assert flat(card["contact"]) == "call [116 123](tel:116123), e-mail [jo@samaritans.org](mailto:jo@samaritans.org)"
    assert [flat(line) for line in card["details"]] == [
        "24 hours a day",
        "Anyone who is struggling.",
        "[samaritans.org](https://www.samaritans.org/)",
    ]


def test_a_paragraph_and_the_list_right_under_it_keep_their_lines() -> None:
    blocks = blocks_json("If you are in danger now, call 999.\nOr 0808 500 2222.\n- one\n- **two**")
    assert [b["type"] for b in blocks] == ["paragraph", "list"]
    assert [flat(line) for line in blocks[0]["lines"]] == [
        "If you are in danger now, call [999](tel:999).",
        "Or [0808 500 2222](tel:+448085002222).",
    ]
    assert [flat(line) for line in blocks[1]["lines"]] == ["one", "<strong>two</strong>"]


def test_tel_links_carry_the_number_phonenumbers_normalised() -> None:
    text = "Call 0808 2000 247, 08 08 16 89 111, +44 808 500 2222, 0800 1111 or 101; text 116 123."
    tels = [n for n in blocks_json(text)[0]["lines"][0] if n["type"] == "tel"]
    assert [n["text"] for n in tels] == ["0808 2000 247", "08 08 16 89 111", "+44 808 500 2222", "0800 1111", "101", "116 123"]
    assert [n["href"] for n in tels] == ["tel:" + normalise_phone(n["text"]) for n in tels]
    assert tels[0]["href"] == "tel:+448082000247"


def test_years_sums_and_other_figures_are_not_phone_numbers() -> None:
    line = blocks_json("In 2019 CICA awarded £17,100 and £11,600 within 20 working days (case 12345678).")[0]["lines"][0]
    assert [n["type"] for n in line] == ["text"]


def test_a_bare_address_reads_short_and_links_to_the_whole_address() -> None:
    [line] = blocks_json("See https://www.rapecrisisscotland.org.uk/get-help/. Or https://247sexualabusesupport.org.uk/")[0][
        "lines"
    ]
    assert flat(line) == (
        "See [rapecrisisscotland.org.uk/get-help](https://www.rapecrisisscotland.org.uk/get-help/). "
        "Or [247sexualabusesupport.org.uk](https://247sexualabusesupport.org.uk/)"
    )


def test_only_https_addresses_are_links_and_any_other_is_shown_after_its_words() -> None:
    line = blocks_json("[a](javascript:alert(1)) [b](data:text/html,x) [c](http://x.example) [d](https://ok.example/)")[0][
        "lines"
    ][0]
    assert [n["href"] for n in line if n["type"] == "link"] == ["https://ok.example/"]
    assert flat(line).startswith("a (javascript:alert(1)) b (data:text/html,x) c (http://x.example) ")


def test_markup_is_never_more_than_text() -> None:
    text = "<img src=x onerror=alert(1)> **bold <b>tag</b>** &amp;"
    assert flat(blocks_json(text)[0]["lines"][0]) == "<img src=x onerror=alert(1)> <strong>bold <b>tag</b></strong> &amp;"
    assert telegram_html(text) == "&lt;img src=x onerror=alert(1)&gt; <b>bold &lt;b&gt;tag&lt;/b&gt;</b> &amp;amp;"
    assert page_html(text) == "&lt;img src=x onerror=alert(1)&gt; <strong>bold &lt;b&gt;tag&lt;/b&gt;</strong> &amp;amp;"


@pytest.mark.parametrize(
    "text,shown",
    [
        ("# Not a heading", "# Not a heading"),
        ("> not a quote", "> not a quote"),
        ("---", "---"),
        ("Title\n===", "Title\n==="),
        ("    not code", "not code"),
        ("<b>not html</b>", "<b>not html</b>"),
    ],
)
def test_markdown_outside_the_subset_stays_text_as_written(text: str, shown: str) -> None:
    assert telegram_plain(text) == shown
    assert [[flat(line) for line in b["lines"]] for b in blocks_json(text)] == [shown.split("\n")]


def test_numbered_lines_stay_as_written() -> None:
    assert telegram_plain("Steps:\n1. Call\n2. Ask") == "Steps:\n1. Call\n2. Ask"
    assert [flat(line) for line in blocks_json("1. Call\n2. Ask")[0]["lines"]] == ["1. Call", "2. Ask"]


def test_italics_code_and_keys_are_nodes_of_their_own() -> None:
    [line] = blocks_json("_Content note_ then `code` and [[Shift]]")[0]["lines"]
    assert flat(line) == "<em>Content note</em> then <code>code</code> and <key>Shift</key>"


def test_every_reply_the_pack_shows_when_the_assistant_is_down_renders_on_every_channel(pack: ContentPack) -> None:
    for reply in static_fallback(pack, "I want to end it all"):
        assert blocks_json(reply.text) and telegram_html(reply.text) and telegram_plain(reply.text)
        assert "tel:999" in str(blocks_json(reply.text)) or "999" not in reply.text


def test_every_helpline_card_links_its_phone_number_as_phonenumbers_normalised_it(pack: ContentPack) -> None:
    for helpline in pack.helplines.values():
        [card] = blocks_json(format_helpline(pack, helpline))
        assert card["type"] == "card" and card["name"] == helpline.name
        if helpline.phone:
            assert {"type": "tel", "href": "tel:" + normalise_phone(helpline.phone), "text": helpline.phone} in card["contact"]


# --- Telegram ---------------------------------------------------------------------------------------


def test_telegram_gets_bold_headings_bullets_and_italic_lines_with_the_words_unchanged() -> None:
    markdown = "**Options**\n\n**Samaritans**: call 116 123\n24 hours\n\nText:\n- one\n- two\n\n_Content note._"
    assert telegram_html(markdown) == (
        "<b>Options</b>\n\n<b>Samaritans</b>: call 116 123\n24 hours\n\nText:\n• one\n• two\n\n<i>Content note.</i>"
    )
    assert telegram_plain(markdown) == "Options\n\nSamaritans: call 116 123\n24 hours\n\nText:\n• one\n• two\n\nContent note."


def test_telegram_leaves_numbers_and_bare_addresses_as_text_for_its_own_links() -> None:
    assert telegram_html("Call 0808 500 2222 or see https://a.example/x_y_z.") == (
        "Call 0808 500 2222 or see https://a.example/x_y_z."
    )


# --- The gateway's pages ----------------------------------------------------------------------------


def test_pages_get_code_keys_and_links_to_their_own_gateway_only() -> None:
    assert page_html(
        "Press [[Shift]], paste before `</body>`, see [the example](/embed), [elsewhere](//evil.example) "
        "or [a site](https://a.example/) at https://a.example/"
    ) == (
        'Press <kbd>Shift</kbd>, paste before <code>&lt;/body&gt;</code>, see <a href="/embed">the example</a>, '
        "elsewhere (//evil.example) or a site (https://a.example/) at https://a.example/"
    )


def test_pages_link_phone_numbers_for_a_phone_without_javascript() -> None:
    assert page_html("In danger now, call 999. Samaritans: 116 123.") == (
        'In danger now, call <a href="tel:999">999</a>. Samaritans: <a href="tel:116123">116 123</a>.'
    )


# --- The content studio's preview -----------------------------------------------------------------


def test_the_studio_preview_lays_a_reply_out_as_the_widget_does_without_script() -> None:
    assert html_blocks("**Title**\n\n**Galop**: call 0800 999 5428\nhours\n\n- a\n\n[x](javascript:y) <i>") == (
        '<h3>Title</h3><div class="card"><p><strong>Galop</strong>: call <a href="tel:+448009995428">0800 999 5428</a></p>'
        "<p>hours</p></div><ul><li>a</li></ul><p>x (javascript:y) &lt;i&gt;</p>"
    )
    assert html_blocks("See [Galop](https://galop.org.uk/) or https://galop.org.uk/help.") == (
        '<p>See <a href="https://galop.org.uk/" rel="noopener noreferrer" target="_blank">Galop</a> or '
        '<a href="https://galop.org.uk/help" rel="noopener noreferrer" target="_blank">galop.org.uk/help</a>.</p>'
    )
