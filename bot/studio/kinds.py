"""The kinds of overlay file the studio edits, as one table: which file, which model, which form.

The app's handlers are generic (a page, a save and a check for each row of KINDS); a new kind of
file is a new row. Each kind says:

- where its form lives (`/helplines/<id>` for a kind with entries, `/menu` for one form per file);
- the file it writes inside the locale folder (`helplines.yml`, `topics/<id>.yml`);
- its form's fields (generated from the pydantic model where the file has one) and their data;
- how a submitted form becomes the file's new text: only what differs from the default pack,
  the file's comments and order kept (bot/studio/overlay.py);
- which of `content check`'s problems are about the form, and under which field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel

from bot.content.schema import Helpline, Menu, PackInfo, Topic
from bot.studio import checks, forms, overlay
from bot.studio.checks import Check

#: An entry's id in an address or a file name: lower case, digits and _, starting with a letter.
ID = re.compile(r"^[a-z][a-z0-9_]*$")


class KindError(Exception):
    """A form that can't be saved as it is (a bad or taken id); `status` is the HTTP status to answer with."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


@dataclass(frozen=True)
class Saved:
    """What saving a form gives: the entry's id (a new entry's, from the form) and the file's new text (None: not needed)."""

    entry: str
    text: Optional[str]


class Defaults:
    """The default pack's files as plain data, read once (the default pack does not change while the studio runs)."""

    def __init__(self, base: Path, locale: str) -> None:
        self.folder = base / locale

    def load(self, name: str) -> Any:
        path = self.folder / name
        return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None

    @cached_property
    def helplines(self) -> dict[str, dict[str, Any]]:
        return {str(h["id"]): h for h in (self.load("helplines.yml") or {})["helplines"]}

    @cached_property
    def messages(self) -> dict[str, str]:
        return dict(self.load("messages.yml")["messages"])

    @cached_property
    def message_help(self) -> dict[str, str]:
        return comments_above(self.folder / "messages.yml")

    @cached_property
    def pack_raw(self) -> dict[str, Any]:
        return dict(self.load("pack.yml"))

    @cached_property
    def pack_info(self) -> dict[str, Any]:
        """pack.yml as the assistant reads it when the overlay leaves a field out (model defaults included)."""
        return PackInfo.model_validate(self.pack_raw).model_dump(mode="json")

    @cached_property
    def region_names(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.pack_raw["regions"].items()}

    @cached_property
    def topics(self) -> dict[str, dict[str, Any]]:
        return {p.stem: self.load(f"topics/{p.name}") for p in sorted((self.folder / "topics").glob("*.yml"))}

    @cached_property
    def menu(self) -> dict[str, Any]:
        return dict(self.load("menu.yml"))

    @cached_property
    def channels(self) -> dict[str, dict[str, Any]]:
        return {str(k): dict(v) for k, v in self.load("channels.yml").items()}

    @cached_property
    def channel_help(self) -> dict[str, str]:
        return comments_above(self.folder / "channels.yml", nested=True)

    @cached_property
    def crisis_kinds(self) -> list[str]:
        return [str(k) for k in self.load("crisis_patterns.yml")]


def comments_above(path: Path, nested: bool = False) -> dict[str, str]:
    """Each key's help: the comment lines written just above it in the default pack.

    Keys are those indented two spaces (`messages: stop:`); with `nested`, named `group.key` after
    the top-level key they sit under (channels.yml's `telegram.flood`).
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    group = ""
    for number, line in enumerate(lines):
        top = re.match(r"^([a-z][a-z0-9_]*):", line)
        if top:
            group = top.group(1)
        match = re.match(r"^  ([a-z][a-z0-9_]*):", line)
        if not match:
            continue
        above: list[str] = []
        back = number - 1
        while back >= 0 and lines[back].strip().startswith("#"):
            above.insert(0, lines[back].strip().lstrip("#").strip())
            back -= 1
        if above:
            found[f"{group}.{match.group(1)}" if nested else match.group(1)] = " ".join(above)
    return found


def _in_file(check: Check, name: str) -> bool:
    return check.file == name or check.file.endswith("/" + name)


def all_names(fields: Iterable[forms.FormField]) -> set[str]:
    """Every field name of a form, sub-entries' included, and each group's rows (for placing problems)."""
    names = set()
    for f in fields:
        names.add(f.name)
        for item in f.items:
            names |= all_names(item)
        if f.kind == "group":
            names |= {f"{f.name}.{i}" for i in range(len(f.items) + 1)}
        if f.kind == "mapping":
            names |= {f"{f.name}.{k}" for k in f.keys}
    return names


class FileKind:
    """One row of the table. Subclasses fill in what differs; the app calls only these methods."""

    #: The address of the kind's page (and the start of its entries' addresses).
    path = ""
    title = ""
    intro = ""
    #: The pydantic model the form is generated from (None: a form of texts read from the default pack).
    model: Optional[type[BaseModel]] = None
    #: Whether the kind has one form per entry (a helpline, a topic) rather than one for the whole file.
    has_entries = False
    #: Whether staff may add an entry (`<path>/new`).
    can_add = False
    #: Fields shown but not changed in the form.
    readonly: tuple[str, ...] = ()
    #: How the audit log names an edit ("helpline galop", "messages").
    what = ""

    def __init__(self, defaults: Defaults) -> None:
        self.defaults = defaults

    def file(self, entry: str) -> str:
        """The file, inside the locale folder, that the form writes."""
        raise NotImplementedError

    def entries(self, draft: Path) -> dict[str, str]:
        """For a kind with entries: every entry's id and name, in order."""
        return {}

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        """What the form shows now (the draft over the default pack); None when there is no such entry."""
        raise NotImplementedError

    def fields(self, data: Mapping[str, Any], entry: str) -> list[forms.FormField]:
        assert self.model is not None
        found = forms.form_fields(self.model, data)
        for f in found:
            f.readonly = f.name in self.readonly and entry != "new"
        return found

    def entry_from(self, form: forms.FormData) -> dict[str, Any]:
        """The submitted entry as plain data."""
        assert self.model is not None
        entry = forms.read_form(self.model, form)
        return entry

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        """The file's new text for the draft with this form applied; raises KindError when it can't be."""
        raise NotImplementedError

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        """The check's key path in this form, or None when it is about something else."""
        raise NotImplementedError

    def placed(self, found: Iterable[Check], entry: str, fields: list[forms.FormField]) -> dict[str, list[str]]:
        """Each problem of this form under its field (the form's top when no field matches)."""
        pairs = [(path, c) for c in found if (path := self.field_of(c, entry)) is not None]
        return checks.place(pairs, all_names(fields))


# --- helplines.yml: one form per service -----------------------------------------------------------


class Helplines(FileKind):
    what = "helpline"
    path, title, model = "/helplines", "Helplines", Helpline
    intro = "Every service the assistant can give: the default pack's and your own."
    has_entries, can_add, readonly = True, True, ("id",)

    def file(self, entry: str) -> str:
        return "helplines.yml"

    def _overlay(self, draft: Path) -> dict[str, dict[str, Any]]:
        return overlay.helpline_entries(draft / "helplines.yml")

    def entries(self, draft: Path) -> dict[str, str]:
        ids = dict.fromkeys([*self.defaults.helplines, *self._overlay(draft)])
        return {i: str((self.data(draft, i) or {}).get("name") or i) for i in ids}

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        if entry == "new":
            return {}
        found = self._overlay(draft).get(entry)
        if found is not None and found.get("hidden") is not True:
            return found
        default = self.defaults.helplines.get(entry)
        return dict(default) if default is not None else found

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        data = self.entry_from(form)
        if entry == "new":
            entry = str(data.get("id") or "")
            if not ID.match(entry):
                raise KindError(400, "An id is lower-case letters, digits and _, starting with a letter.")
            if self.data(draft, entry) is not None:
                raise KindError(409, f"There is already a service '{entry}': edit it instead.")
        elif self.data(draft, entry) is None:
            raise KindError(404, "There is no such service.")
        data["id"] = entry  # the id names the entry: a form can't move it
        return Saved(entry, overlay.set_helpline(draft / "helplines.yml", data, self.defaults.helplines.get(entry)))

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        return check.field if check.entry == entry and _in_file(check, "helplines.yml") else None


# --- pack.yml: name, regions and look --------------------------------------------------------------


def merged(base: Any, over: Any) -> Any:
    """The overlay's mapping on top of the default's, key by key (the rule for pack.yml, menu.yml, channels.yml)."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        return {**base, **{k: merged(base.get(k), v) for k, v in over.items()}}
    return over


def drafted(path: Path) -> dict[str, Any]:
    """An overlay file of the draft as plain data: {} when it is missing or not a mapping."""
    found = overlay.plain(overlay.read(path))
    return dict(found) if isinstance(found, Mapping) else {}


class PackFile(FileKind):
    """A mapping file merged key by key: only the keys that differ from the default pack are written."""

    name = ""

    def file(self, entry: str) -> str:
        return self.name

    def default(self) -> dict[str, Any]:
        raise NotImplementedError

    def default_for_diff(self) -> dict[str, Any]:
        return self.default()

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        return dict(merged(self.default(), drafted(draft / self.name)))

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        data = self.entry_from(form)
        for name in self.readonly:
            data.pop(name, None)  # read-only: never written from the form
        return Saved(entry, overlay.set_mapping(draft / self.name, data, self.default_for_diff()))

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        if not _in_file(check, self.name):
            return None
        return ".".join(p for p in (check.entry, check.field) if p)


class Pack(PackFile):
    what = "name, regions and look"
    path, title, model, name = "/pack", "Name, regions and look", PackInfo, "pack.yml"
    intro = "The assistant's name, the regions you cover (and the one answered for until someone says), and how the web chat window looks."
    readonly = ("locale",)  # the language is the folder's: changed by making another folder

    def default(self) -> dict[str, Any]:
        return self.defaults.pack_raw

    def default_for_diff(self) -> dict[str, Any]:
        return self.defaults.pack_info

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        return check.field if _in_file(check, "pack.yml") and not check.entry else None


class MenuFile(PackFile):
    what = "menu"
    path, title, model, name = "/menu", "Menu", Menu, "menu.yml"
    intro = (
        "The topics offered as buttons, one id a line, in order: the first six are the main menu, the rest are behind "
        "\u201cMore topics\u201d. Below, the services given after a misunderstanding, for each region and for when the "
        "region is not known (not_said)."
    )

    def default(self) -> dict[str, Any]:
        return self.defaults.menu


# --- texts without a model of their own: messages, channel texts, crisis phrases ---------------------


def _text_field(name: str, label: str, help_text: str, value: str, kind: str = "textarea") -> forms.FormField:
    return forms.FormField(name, label, help_text, kind, True, value.rstrip("\n"))


def _form_text(form: forms.FormData, name: str) -> Optional[str]:
    value = form.get(name)
    return None if value is None else str(value).replace("\r\n", "\n")


class Messages(FileKind):
    what = "messages"
    path, title = "/messages", "Messages"
    intro = (
        "The sentences the assistant says. Change any of them; only what differs from the default pack is saved. "
        "Words in braces, such as {bot_name}, are filled in by the assistant: keep them."
    )

    def file(self, entry: str) -> str:
        return "messages.yml"

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        return {**self.defaults.messages, **overlay.message_texts(draft / "messages.yml")}

    def fields(self, data: Mapping[str, Any], entry: str) -> list[forms.FormField]:
        found = []
        for key, default in self.defaults.messages.items():
            value = str(data.get(key, default))
            label = key.replace("_", " ").capitalize() + (" (changed)" if value.strip() != default.strip() else "")
            found.append(_text_field(f"messages.{key}", label, self.defaults.message_help.get(key, ""), value))
        return found

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        texts = {key: text for key in self.defaults.messages if (text := _form_text(form, f"messages.{key}")) is not None}
        return Saved(entry, overlay.set_messages(draft / "messages.yml", texts, self.defaults.messages))

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        if not _in_file(check, "messages.yml"):
            return None
        return f"messages.{check.entry}" if check.entry else check.field


class Channels(PackFile):
    """channels.yml: what the web widget, Telegram and the gateway's pages say about themselves."""

    what = "channel texts"

    path, title, name = "/channels", "Channel texts", "channels.yml"
    intro = (
        "What each channel says about itself: the web chat window's buttons and labels, Telegram's own sentences, the "
        "gateway's pages. A text with a number in it has a form for one and a form for any other number, with {count} "
        "where the number goes. The channels use them within seconds of publishing, without a restart."
    )

    def default(self) -> dict[str, Any]:
        return self.defaults.channels

    def fields(self, data: Mapping[str, Any], entry: str) -> list[forms.FormField]:
        found = []
        for group, texts in self.defaults.channels.items():
            items: list[forms.FormField] = []
            for key, default in texts.items():
                value = (data.get(group) or {}).get(key, default)
                name, help_text = f"{group}.{key}", self.defaults.channel_help.get(f"{group}.{key}", "")
                label = key.replace("_", " ").capitalize()
                if isinstance(default, Mapping):
                    value = value if isinstance(value, Mapping) else {}
                    pair = [
                        _text_field(f"{name}.{form}", f"{label}: for {words}", "", str(value.get(form, "")), "text")
                        for form, words in (("one", "one"), ("other", "any other number"))
                    ]
                    items.append(forms.FormField(name, label, help_text, "object", False, items=[pair]))
                else:
                    items.append(_text_field(name, label, help_text, str(value)))
            title = {"widget": "Web chat window", "widget_errors": "Web chat window: refusals"}.get(group, group.capitalize())
            found.append(forms.FormField(group, title, "", "object", False, items=[items]))
        return found

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        texts: dict[str, Any] = {}
        for group, defaults in self.defaults.channels.items():
            for key, default in defaults.items():
                name = f"{group}.{key}"
                if isinstance(default, Mapping):
                    pair = {f: text for f in ("one", "other") if (text := _form_text(form, f"{name}.{f}")) is not None}
                    if pair:
                        texts.setdefault(group, {})[key] = pair
                elif (text := _form_text(form, name)) is not None:
                    texts.setdefault(group, {})[key] = text
        return Saved(entry, overlay.set_mapping(draft / self.name, texts, self.defaults.channels))


class CrisisPhrases(FileKind):
    """crisis_patterns.yml: extra phrases the crisis safety net looks for, added to the default pack's."""

    what = "crisis phrases"

    path, title = "/crisis-phrases", "Extra crisis phrases"
    intro = (
        "Phrases the crisis safety net should also recognise, one a line, under the kind of reply they need. They are "
        "added to the default pack's, never instead of them. Each line is a Python regular expression, matched "
        "anywhere in a lower-cased message: a plain phrase such as \u201che is at my door\u201d works as it is. "
        "Rasa's crisis detector, which looks at every message, reads these when the assistant starts: after publishing, "
        "restart it (make run) for them to count."
    )

    def file(self, entry: str) -> str:
        return "crisis_patterns.yml"

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        return drafted(draft / "crisis_patterns.yml")

    def fields(self, data: Mapping[str, Any], entry: str) -> list[forms.FormField]:
        help_texts = {
            "danger": "Someone is in danger now: 999 and the Silent Solution first",
            "suicide": "Thoughts of suicide or self-harm said outright: Samaritans first",
            "harm_risk": "Signs of serious risk from an abuser without danger this minute",
            "suicide_signs": "Indirect warning signs of suicide",
            "not_crisis": "Phrases that are not a crisis (\u201cthis paperwork is killing me\u201d): blanked out first",
        }
        return [
            forms.FormField(
                kind,
                kind.replace("_", " ").capitalize(),
                help_texts.get(kind, ""),
                "lines",
                False,
                "\n".join(str(p) for p in data.get(kind) or []),
            )
            for kind in self.defaults.crisis_kinds
        ]

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        lists = {}
        for kind in self.defaults.crisis_kinds:
            text = _form_text(form, kind) or ""
            lists[kind] = [line.strip() for line in text.splitlines() if line.strip()] or None
        return Saved(entry, overlay.set_mapping(draft / "crisis_patterns.yml", lists, {}))

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        if not _in_file(check, "crisis_patterns.yml"):
            return None
        kind = re.search(r"\b([a-z_]+)\[\d+\]", check.line)
        return kind.group(1) if kind else ".".join(p for p in (check.entry, check.field) if p)


# --- topics/<id>.yml: one form per topic, its questions inside ----------------------------------------


class Topics(FileKind):
    what = "topic"
    path, title, model = "/topics", "Topics", Topic
    intro = "What the assistant explains, topic by topic: its pages for each region and the questions it answers first."
    has_entries, readonly = True, ("id",)

    def file(self, entry: str) -> str:
        return f"topics/{entry}.yml"

    def entries(self, draft: Path) -> dict[str, str]:
        stems = [*self.defaults.topics, *(p.stem for p in sorted((draft / "topics").glob("*.yml")))]
        return {s: str((self.data(draft, s) or {}).get("title") or s) for s in dict.fromkeys(stems) if ID.match(s)}

    def data(self, draft: Path, entry: str) -> Optional[dict[str, Any]]:
        if not ID.match(entry):
            return None
        drafted = overlay.plain(overlay.read(draft / "topics" / f"{entry}.yml"))
        return overlay.merged_topic(self.defaults.topics.get(entry), drafted)

    def save(self, draft: Path, entry: str, form: forms.FormData) -> Saved:
        if self.data(draft, entry) is None:
            raise KindError(404, "There is no such topic.")
        data = self.entry_from(form)
        data["id"] = entry
        default = self.defaults.topics.get(entry)
        if default is not None:
            # Fields the form does not show (none today) keep the default's value.
            data = {**{k: v for k, v in default.items() if k not in data}, **data}
        wanted = overlay.topic_overlay(data, default)
        return Saved(entry, overlay.set_document(draft / "topics" / f"{entry}.yml", wanted))

    def field_of(self, check: Check, entry: str) -> Optional[str]:
        return check.field if check.entry == entry and _in_file(check, f"topics/{entry}.yml") else None

    def placed(self, found: Iterable[Check], entry: str, fields: list[forms.FormField]) -> dict[str, list[str]]:
        """As any form's, but the lint names a question by its id (`questions.privacy_kept.answers…`)
        where the schema names it by its place (`questions.0.answers…`): both go under the question's fields."""
        questions = next((f for f in fields if f.name == "questions"), None)
        places = {
            str(item.value): str(index)
            for index, row in enumerate(questions.items if questions is not None else [])
            for item in row
            if item.name.endswith(".id") and item.value
        }

        def by_place(path: str) -> str:
            parts = path.split(".")
            if len(parts) > 1 and parts[0] == "questions" and parts[1] in places:
                parts[1] = places[parts[1]]
            return ".".join(parts)

        pairs = [(by_place(path), c) for c in found if (path := self.field_of(c, entry)) is not None]
        return checks.place(pairs, all_names(fields))


KIND_CLASSES: tuple[type[FileKind], ...] = (Pack, Helplines, Topics, Messages, MenuFile, Channels, CrisisPhrases)


def kinds(defaults: Defaults) -> list[FileKind]:
    """The table: one row per kind of file, in the order of the studio's navigation."""
    return [cls(defaults) for cls in KIND_CLASSES]
