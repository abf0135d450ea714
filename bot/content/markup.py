"""The content's one text format: a small Markdown subset, parsed once here and rendered for every channel.

What an editor may write (docs/customising.md, "How to format text", shows each channel's result):

- Paragraphs separated by a blank line; a single line break is kept as a line break.
- ``**bold**``, ``_italics_`` (or ``*italics*``), ``[words](https://address)``, `` `code` ``, ``[[Key]]``
  (a key to press), and lines starting ``- `` (a list). A backslash makes the next mark plain (``\\*``).
- A line that is all bold, alone between blank lines, is a heading. A block whose first line starts
  ``**Name**`` (or ``**Name**: how to reach them``) and has more lines is a service card.
- Found without any markup: bare ``https://`` addresses, e-mail addresses and UK phone numbers
  (full numbers found and normalised by `phonenumbers`; the short numbers 999, 111, 101 and 116 xxx).

Everything else is text, whatever it looks like: no HTML, no headings with #, no images, no quotes,
no code blocks, no tables. Explicit links go only to https addresses (the gateway's own pages
link only to another page of the same gateway); any other address is shown in brackets after its
words. `tel:` and `mailto:` links come only from numbers and addresses found in the text.

Parsing is markdown-it-py (CommonMark) with only those rules switched on; `parse` turns its tokens
into blocks (heading, card, list, paragraph) of lines of inline nodes. The renderers below turn
blocks into Telegram's HTML or plain text, the HTML of the gateway's pages (and of the content
studio's preview), and the JSON structure the web widget builds its nodes from (it never parses
Markdown itself).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Optional

import mdurl
import phonenumbers
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from bot.content.schema import PHONE_REGION, normalise_phone

__all__ = [
    "Block",
    "Node",
    "blocks_json",
    "html_blocks",
    "page_html",
    "parse",
    "plain_text",
    "telegram_html",
]


@dataclass(frozen=True)
class Node:
    """One piece of a line: text, strong, em, code, key, link, tel or email.

    `children` for strong, em and an explicit link (its words); `href` for links; for a bare
    address `written` is the address as written (its `text` is the short form shown in the widget).
    """

    type: str
    text: str = ""
    href: str = ""
    children: tuple[Node, ...] = ()
    written: str = ""


Line = tuple[Node, ...]


@dataclass(frozen=True)
class Block:
    """A heading, card, list or paragraph: lines of nodes, each line as written (a card's first line is its head).

    `joined` is True when no blank line separates this block from the one before (a paragraph and
    the list right under it).
    """

    type: str
    lines: tuple[Line, ...]
    joined: bool = False


def _key_rule(state: StateInline, silent: bool) -> bool:
    """``[[Shift]]``: a key to press. Runs before the link rule, which would read it as a failed link."""
    start = state.pos
    if not state.src.startswith("[[", start):
        return False
    end = state.src.find("]]", start + 2)
    name = state.src[start + 2 : end] if end > 0 else ""
    if not name.strip() or "\n" in name or "[" in name:
        return False
    if not silent:
        token = state.push("key", "kbd", 0)
        token.content = name
    state.pos = end + 2
    return True


class _Parser(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        """Every link is parsed; which addresses become links is decided per channel (`_linkable`)."""
        return True


def _parser() -> MarkdownIt:
    # "zero" has only paragraphs and text; each rule added here is part of the documented subset.
    md = _Parser("zero", {"maxNesting": 20}).enable(["list", "emphasis", "link", "newline", "escape", "backticks"])
    md.inline.ruler.before("link", "key", _key_rule)
    return md


_MD = _parser()

_BARE_URL = re.compile(r"https://[^\s<>\"'()\[\]]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: Short numbers phonenumbers does not look for in running text: emergency, non-emergency, 116 lines.
_SHORT_NUMBER = re.compile(r"(?<![\w+])(116 ?\d{3}|999|111|101)(?!\w)")
#: A full UK number has at least seven digits (0800 1111 has eight), whatever separates them.
_MAYBE_FULL_NUMBER = re.compile(r"\d(?:\D{0,3}\d){6}")
_SITE_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_#-]*$")


def _text(text: str) -> list[Node]:
    return [Node("text", text)] if text else []


def _phones(text: str) -> list[Node]:
    """Text with UK phone numbers as tel nodes whose address is the normalised number."""
    found: list[tuple[int, int, str]] = []
    if _MAYBE_FULL_NUMBER.search(text):  # the matcher is slow; most text has no run of seven digits
        for full in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID):
            found.append((full.start, full.end, full.raw_string))
    for short in _SHORT_NUMBER.finditer(text):
        if not any(start <= short.start() < end for start, end, _ in found):
            found.append((short.start(1), short.end(1), short.group(1)))
    nodes: list[Node] = []
    last = 0
    for start, end, raw in sorted(found):
        try:
            number = normalise_phone(raw)
        except ValueError:
            continue
        nodes += _text(text[last:start])
        nodes.append(Node("tel", raw, "tel:" + number))
        last = end
    return nodes + _text(text[last:])


def _contacts(text: str) -> list[Node]:
    """Plain text with bare https addresses, e-mail addresses and phone numbers as their nodes."""
    nodes: list[Node] = []
    last = 0
    for match in _BARE_URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        nodes += _emails(text[last : match.start()])
        short = re.sub(r"^https://(www\.)?", "", url, flags=re.IGNORECASE).removesuffix("/")
        nodes.append(Node("link", short, url, written=url))
        last = match.start() + len(url)
    return nodes + _emails(text[last:])


def _emails(text: str) -> list[Node]:
    nodes: list[Node] = []
    last = 0
    for match in _EMAIL.finditer(text):
        nodes += _phones(text[last : match.start()])
        nodes.append(Node("email", match.group(0), "mailto:" + match.group(0)))
        last = match.end()
    return nodes + _phones(text[last:])


def _inline(tokens: Sequence[Token]) -> list[list[Node]]:
    """markdown-it's inline tokens as lines of nodes (a soft or hard break starts a new line)."""
    lines: list[list[Node]] = [[]]
    stack: list[tuple[Token, list[Node]]] = []

    def out() -> list[Node]:
        return stack[-1][1] if stack else lines[-1]

    for token in tokens:
        kind = token.type
        if kind == "text":
            out().extend(_contacts(token.content))
        elif kind in ("softbreak", "hardbreak"):
            if stack:  # a break inside bold or a link: a space, as the line cannot end there
                out().append(Node("text", " "))
            else:
                lines.append([])
        elif kind == "code_inline":
            out().append(Node("code", token.content))
        elif kind == "key":
            out().append(Node("key", token.content))
        elif kind.endswith("_open"):
            stack.append((token, []))
        elif kind.endswith("_close") and stack:
            opened, children = stack.pop()
            if opened.type == "link_open":
                out().append(Node("link", "", str(opened.attrGet("href") or ""), tuple(children)))
            else:
                out().append(Node("strong" if opened.type == "strong_open" else "em", children=tuple(children)))
    return [_merged(line) for line in lines]


def _merged(nodes: Iterable[Node]) -> list[Node]:
    """Adjacent text nodes as one, empty ones dropped: the same words, fewer nodes."""
    merged: list[Node] = []
    for node in nodes:
        if node.type == "text" and not node.text:
            continue
        if node.type == "text" and merged and merged[-1].type == "text":
            merged[-1] = Node("text", merged[-1].text + node.text)
        else:
            merged.append(node)
    return merged


@dataclass
class _Entry:
    kind: str  # "p" (a line of a paragraph) or "li" (a list item)
    line_no: int
    nodes: list[Node]


def _entries(tokens: Sequence[Token]) -> list[_Entry]:
    """Every line of the text in order, as a paragraph line or a list item, with its line number in the source."""
    entries: list[_Entry] = []
    in_item: Optional[Token] = None
    ordered: list[bool] = []
    first_of_item = False
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            ordered.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif token.type == "list_item_open":
            in_item, first_of_item = token, True
        elif token.type == "inline":
            start = (tokens[index - 1].map or [0])[0] if index else 0
            for number, nodes in enumerate(_inline(token.children or [])):
                kind = "p"
                if in_item is not None and first_of_item and number == 0:
                    if ordered and ordered[-1]:  # numbered lines stay as written: "1. ..."
                        nodes = [Node("text", f"{in_item.info}{in_item.markup} "), *nodes]
                    else:
                        kind = "li"
                entries.append(_Entry(kind, start + number, _merged(nodes)))
            first_of_item = False
    return entries


def _is_heading(line: Sequence[Node]) -> bool:
    """A line that is all bold (a colon after it allowed)."""
    return bool(line) and line[0].type == "strong" and (len(line) == 1 or (len(line) == 2 and line[1] == Node("text", ":")))


def _is_card_head(line: Sequence[Node]) -> bool:
    """``**Name**`` alone, or followed by ``: how to reach them``."""
    return (
        bool(line) and line[0].type == "strong" and (len(line) == 1 or (line[1].type == "text" and line[1].text.startswith(":")))
    )


def _chunk_blocks(chunk: list[_Entry]) -> list[Block]:
    lines = [tuple(entry.nodes) for entry in chunk]
    if len(chunk) == 1 and chunk[0].kind == "p" and _is_heading(lines[0]):
        return [Block("heading", (lines[0],))]
    if len(chunk) > 1 and all(entry.kind == "p" for entry in chunk) and _is_card_head(lines[0]):
        return [Block("card", tuple(lines))]
    blocks: list[Block] = []
    for entry, line in zip(chunk, lines, strict=True):
        kind = "list" if entry.kind == "li" else "paragraph"
        if blocks and blocks[-1].type == kind:
            blocks[-1] = replace(blocks[-1], lines=(*blocks[-1].lines, line))
        else:
            blocks.append(Block(kind, (line,), joined=bool(blocks)))
    return blocks


def parse(markdown: str) -> list[Block]:
    """The text as blocks: chunks between blank lines become a heading, a card, or paragraphs and lists."""
    entries = [e for e in _entries(_MD.parse(markdown.replace("\0", ""))) if e.nodes]
    chunks: list[list[_Entry]] = []
    for entry in entries:
        if chunks and entry.line_no == chunks[-1][-1].line_no + 1:
            chunks[-1].append(entry)
        else:
            chunks.append([entry])
    return [block for chunk in chunks for block in _chunk_blocks(chunk)]


# --- Rendering ------------------------------------------------------------------------------------


def _linkable(href: str, site_paths: bool = False) -> bool:
    """Whether an explicit link may be a link: https; on the gateway's pages, only a path on the gateway."""
    if site_paths:
        return bool(_SITE_PATH.match(href))
    return href.lower().startswith("https://") and not re.search(r"[\s\"'<>\\]", href)


def _address(node: Node) -> str:
    """An address as people read it (percent escapes of markdown-it undone)."""
    return mdurl.decode(node.href)


def plain_text(nodes: Iterable[Node]) -> str:
    """The words of nodes, without any markup (a link's words without its address)."""
    return "".join(n.text if not n.children else plain_text(n.children) for n in nodes)


def _unlinked(node: Node) -> list[Node]:
    """An explicit link that may not be a link: its words, then its address in brackets."""
    return [*node.children, Node("text", f" ({_address(node)})")]


# Telegram's HTML parse mode: <b>, <i>, <code>, <a href> (http(s) only; tel: and mailto: are refused).


def escape(text: str) -> str:
    """Escape the four characters Telegram's HTML parse mode reads (it knows only these named entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _telegram_inline(nodes: Iterable[Node], html_out: bool) -> str:
    out = []
    for node in nodes:
        if node.type in ("strong", "em"):
            inner = _telegram_inline(node.children, html_out)
            tag = "b" if node.type == "strong" else "i"
            out.append(f"<{tag}>{inner}</{tag}>" if html_out else inner)
        elif node.type == "code" and html_out:
            out.append(f"<code>{escape(node.text)}</code>")
        elif node.type == "link" and node.written:  # a bare address: Telegram links it itself
            out.append(escape(node.written) if html_out else node.written)
        elif node.type == "link":
            if html_out and _linkable(node.href):
                out.append(f'<a href="{escape(node.href)}">{_telegram_inline(node.children, html_out)}</a>')
            else:
                out.append(_telegram_inline(_unlinked(node), html_out))
        else:  # text, key, tel, email: Telegram links numbers and addresses itself
            out.append(escape(node.text) if html_out else node.text)
    return "".join(out)


def _telegram(markdown: str, html_out: bool) -> str:
    parts: list[str] = []
    for block in parse(markdown):
        bullet = "• " if block.type == "list" else ""
        text = "\n".join(bullet + _telegram_inline(line, html_out) for line in block.lines)
        parts.append(("\n" if block.joined else "\n\n") + text if parts else text)
    return "".join(parts)


def telegram_html(markdown: str) -> str:
    """Telegram HTML for one message: bold, italics, code and https links as tags, everything else escaped text."""
    return _telegram(markdown, html_out=True)


def telegram_plain(markdown: str) -> str:
    """The same message as plain text: no marks left, explicit links written out after their words."""
    return _telegram(markdown, html_out=False)


# HTML without JavaScript: the gateway's own pages (inline, inside the page's <p>, <li> or <h1>),
# and whole replies as blocks for the content studio's preview.


def _html_inline(nodes: Iterable[Node], pages: bool) -> str:
    """Inline HTML. On the gateway's pages links go only to the gateway's own paths; elsewhere to https."""
    out = []
    for node in nodes:
        text = html.escape(node.text, quote=False)
        if node.type in ("strong", "em"):
            out.append(f"<{node.type}>{_html_inline(node.children, pages)}</{node.type}>")
        elif node.type == "code":
            out.append(f"<code>{text}</code>")
        elif node.type == "key":
            out.append(f"<kbd>{text}</kbd>")
        elif node.type in ("tel", "email"):
            out.append(f'<a href="{html.escape(node.href)}">{text}</a>')
        elif node.type == "link" and node.written and pages:  # the pages link to no other site
            out.append(html.escape(node.written, quote=False))
        elif node.type == "link" and _linkable(node.href, site_paths=pages):
            words = text if node.written else _html_inline(node.children, pages)
            target = "" if pages else ' rel="noopener noreferrer" target="_blank"'
            out.append(f'<a href="{html.escape(node.href)}"{target}>{words}</a>')
        elif node.type == "link":
            out.append(_html_inline(_unlinked(node), pages))
        else:
            out.append(text)
    return "".join(out)


def page_html(markdown: str) -> str:
    """One text of the gateway's pages as inline HTML: every line's nodes, lines kept apart by a line break."""
    return "<br>\n".join(_html_inline(line, pages=True) for block in parse(markdown) for line in block.lines)


def html_blocks(markdown: str) -> str:
    """A whole reply as HTML blocks, as the widget lays it out: <h3>, a card <div>, <ul>, <p>."""
    out = []
    for block in parse(markdown):
        lines = [_html_inline(line, pages=False) for line in block.lines]
        if block.type == "heading":  # the words inside the bold, as the widget's <h3>
            out.append(f"<h3>{_html_inline(block.lines[0][0].children, pages=False)}</h3>")
        elif block.type == "card":
            out.append('<div class="card">' + "".join(f"<p>{line}</p>" for line in lines) + "</div>")
        elif block.type == "list":
            out.append("<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>")
        else:
            out.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(out)


# The web widget: JSON it turns into DOM nodes with textContent only (bot/gateway/static/widget.js, View).


def _node_json(node: Node) -> list[dict[str, Any]]:
    if node.type in ("strong", "em"):
        return [{"type": node.type, "children": _line_json(node.children)}]
    if node.type == "link" and not node.written:
        if not _linkable(node.href):
            return _line_json(_unlinked(node))
        return [{"type": "link", "href": node.href, "text": plain_text(node.children)}]
    if node.type in ("link", "tel", "email"):
        return [{"type": node.type, "href": node.href, "text": node.text}]
    return [{"type": node.type, "text": node.text}]  # text, code, key


def _line_json(nodes: Iterable[Node]) -> list[dict[str, Any]]:
    return [item for node in nodes for item in _node_json(node)]


def _block_json(block: Block) -> dict[str, Any]:
    first = block.lines[0]
    if block.type == "heading":
        return {"type": "heading", "children": _line_json(first[0].children)}
    if block.type == "card":
        contact = list(first[1:])
        if contact:
            contact[0] = Node("text", contact[0].text[1:].lstrip())  # the ": " after the name
        contact = _merged(contact)
        return {
            "type": "card",
            "name": plain_text(first[0].children),
            "contact": _line_json(contact) if contact else None,
            "details": [_line_json(line) for line in block.lines[1:]],
        }
    return {"type": block.type, "lines": [_line_json(line) for line in block.lines]}


def blocks_json(markdown: str) -> list[dict[str, Any]]:
    """The structure the web widget shows: blocks of lines of text, strong, em, code, key, link, tel and email nodes."""
    return [_block_json(block) for block in parse(markdown)]


#: Telegram's limit for one message's text.
MAX_MESSAGE_LENGTH = 4096


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_markdown(markdown: str, limit: int = MAX_MESSAGE_LENGTH, render: Callable[[str], str] = telegram_html) -> list[str]:
    """Cut `markdown` into pieces whose rendered form fits in `limit`.

    Cuts between paragraphs first, then between lines, then between words, and only cuts a word
    that is longer than a whole message. Each piece is rendered on its own, so a tag never spans
    two messages. Measuring the rendered HTML (not just the visible text) keeps a margin.
    """

    def fits(piece: str) -> bool:
        return utf16_length(render(piece)) <= limit

    def cut(text: str, separators: tuple[str, ...]) -> list[str]:
        if fits(text):
            return [text]
        if not separators:
            return hard_cut(text)
        separator, finer = separators[0], separators[1:]
        pieces: list[str] = []
        current = ""
        for part in text.split(separator):
            candidate = f"{current}{separator}{part}" if current else part
            if fits(candidate):
                current = candidate
                continue
            if current:
                pieces.append(current)
            smaller = cut(part, finer)
            pieces.extend(smaller[:-1])
            current = smaller[-1] if smaller else ""
        if current:
            pieces.append(current)
        return pieces

    def hard_cut(text: str) -> list[str]:
        pieces: list[str] = []
        while text:
            low, high = 1, len(text)
            while low < high:  # the longest prefix that fits
                middle = (low + high + 1) // 2
                if fits(text[:middle]):
                    low = middle
                else:
                    high = middle - 1
            pieces.append(text[:low])
            text = text[low:]
        return pieces

    return [piece.strip() for piece in cut(markdown.strip(), ("\n\n", "\n", " ")) if piece.strip()]
