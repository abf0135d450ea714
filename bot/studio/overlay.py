"""Edits to an overlay pack's YAML that keep its comments and order (ruamel.yaml's round trip).

Only what differs from the default pack is written: a helpline the same as the default's is
left out of the overlay (the default applies), and so is a message with the default's words.
Strings are always quoted or written as `|` blocks, so that a text such as "no" or "18:00" is
read back as the text it is (the assistant reads YAML 1.1 with PyYAML).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

#: The first lines of a file the studio creates.
NEW_FILE_HEADER = "Written by the content studio (docs/studio.md). You may also edit it by hand: see docs/customising.md."


def _null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long sentence onto two lines
    yaml.indent(mapping=2, sequence=4, offset=2)  # the default pack's style: "  - id: ..."
    yaml.representer.add_representer(type(None), _null)  # "email: null", as the default pack writes it
    return yaml


#: Words YAML 1.1 reads as true, false or null: written in quotes even where a bare word would do.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_BARE = re.compile(r"^[a-z][a-z0-9_]*$")


def read(path: Path) -> Any:
    """A YAML file as ruamel's round-trip data (comments kept); None when missing or empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return _yaml().load(text)


def dumps(data: Any) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` in one step: a reader (the assistant's hot reload) sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def plain(value: Any) -> Any:
    """Round-trip data as plain Python (dicts, lists, str), for comparing with what a form gives."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def styled(value: Any, block: bool = False) -> Any:
    """A value ready to write: strings quoted (or `|` blocks), short lists and small mappings on one line."""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n")
        if block or "\n" in text:
            return LiteralScalarString(text if text.endswith("\n") else text + "\n")
        if _BARE.match(text) and text not in _YAML_WORDS:
            return text  # an id or a region, written bare as in the default pack
        return DoubleQuotedScalarString(text)
    if isinstance(value, dt.time):
        return DoubleQuotedScalarString(value.strftime("%H:%M"))
    if isinstance(value, Mapping):
        mapping = CommentedMap((k, styled(v)) for k, v in value.items())
        if len(mapping) <= 3 and all(not isinstance(v, Mapping) and "\n" not in str(v) for v in value.values()):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(styled(v) for v in value)
        if all(isinstance(v, str) and "\n" not in v for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def update_mapping(target: CommentedMap, new: Mapping[str, Any]) -> None:
    """Set `new`'s fields in `target`, keeping its order and comments; unchanged values are left untouched.

    A field `target` has and `new` leaves empty becomes null (its comment stays); new fields go at the end.
    """
    for key, value in new.items():
        if key in target:
            _update(target, key, value)
        else:
            target[key] = styled(value)
    for key in list(target):
        if key not in new and target[key] is not None:
            target[key] = None


def _update(container: Any, key: Any, value: Any) -> None:
    """Set container[key] to `value`, changing only what differs, so comments on unchanged items stay."""
    old = container[key]
    if plain(old) == plain(value):
        return
    if isinstance(old, CommentedMap) and isinstance(value, Mapping):
        update_mapping(old, value)
    elif isinstance(old, CommentedSeq) and isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value[: len(old)]):
            _update(old, index, item)
        del old[len(value) :]
        old.extend(styled(item) for item in value[len(old) :])
    else:
        container[key] = styled(value)


def _without_empty(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None and v != [] and v is not False}


def same_entry(first: Optional[Mapping[str, Any]], second: Optional[Mapping[str, Any]]) -> bool:
    """Whether two entries say the same (empty fields, false switches and text's outer spaces aside)."""
    if first is None or second is None:
        return first is second

    def norm(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        if isinstance(value, Mapping):
            return {k: norm(v) for k, v in _without_empty(value).items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return bool(norm(plain(first)) == norm(plain(second)))


def _new_document(key: str, value: Any) -> CommentedMap:
    document = CommentedMap()
    document[key] = value
    document.yaml_set_start_comment(NEW_FILE_HEADER)
    return document


def set_helpline(path: Path, entry: Mapping[str, Any], default: Optional[Mapping[str, Any]]) -> str:
    """helplines.yml's text with `entry` added, replaced (whole, as the merge rule wants) or left out.

    Left out when it says the same as the default pack's entry of that id: the default applies.
    """
    document = read(path)
    if not isinstance(document, CommentedMap):
        document = _new_document("helplines", CommentedSeq())
    listed = document.get("helplines")
    if not isinstance(listed, CommentedSeq):
        listed = document["helplines"] = CommentedSeq()
    index = next((i for i, item in enumerate(listed) if isinstance(item, Mapping) and item.get("id") == entry["id"]), None)
    if default is not None and same_entry(entry, default):
        if index is not None:
            del listed[index]
    elif index is not None and isinstance(listed[index], CommentedMap) and listed[index].get("hidden") is not True:
        update_mapping(listed[index], entry)
    else:
        item = CommentedMap((k, styled(v)) for k, v in _without_empty(entry).items())
        if index is None:
            listed.append(item)
        else:
            listed[index] = item
    return dumps(document)


def set_messages(path: Path, texts: Mapping[str, str], defaults: Mapping[str, str]) -> str:
    """messages.yml's text with each of `texts` set, or left out where it is the default's wording."""
    document = read(path)
    if not isinstance(document, CommentedMap):
        document = _new_document("messages", CommentedMap())
    messages = document.get("messages")
    if not isinstance(messages, CommentedMap):
        messages = document["messages"] = CommentedMap()
    for key, text in texts.items():
        if same_entry({"t": text}, {"t": defaults.get(key)}):
            messages.pop(key, None)
        elif key not in messages or plain(messages[key]).strip() != text.strip():
            messages[key] = styled(text, block=True)
    return dumps(document)


def helpline_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The overlay's helplines by id, as plain data (hiding entries included)."""
    document = read(path)
    listed = document.get("helplines") if isinstance(document, Mapping) else None
    if not isinstance(listed, list):
        return {}
    return {str(item["id"]): plain(item) for item in listed if isinstance(item, Mapping) and item.get("id")}


def message_texts(path: Path) -> dict[str, str]:
    """The overlay's messages by key, as plain text."""
    document = read(path)
    messages = document.get("messages") if isinstance(document, Mapping) else None
    return {str(k): str(v) for k, v in messages.items()} if isinstance(messages, Mapping) else {}


def differences(new: Mapping[str, Any], default: Mapping[str, Any]) -> dict[str, Any]:
    """What `new` says that `default` does not, key by key (mappings compared inside)."""
    found: dict[str, Any] = {}
    for key, value in new.items():
        base = default.get(key)
        if isinstance(value, Mapping) and isinstance(base, Mapping):
            inside = differences(value, base)
            if inside:
                found[key] = inside
        elif not same_entry({"v": value}, {"v": base}):
            found[key] = value
    return found


def _set_keys(target: CommentedMap, new: Mapping[str, Any], changed: Mapping[str, Any]) -> None:
    """In `target`, set what `changed` has and remove what `new` covers but `changed` lacks (the default applies)."""
    for key, value in new.items():
        if key in changed:
            wanted = changed[key]
            if isinstance(value, Mapping) and isinstance(target.get(key), CommentedMap):
                _set_keys(target[key], value, wanted)
            elif key in target:
                _update(target, key, wanted)
            else:
                target[key] = styled(wanted)
        elif key in target:
            if isinstance(value, Mapping) and isinstance(target[key], CommentedMap):
                _set_keys(target[key], value, {})
                if len(target[key]):
                    continue
            del target[key]


def set_mapping(path: Path, new: Mapping[str, Any], default: Mapping[str, Any]) -> str:
    """A mapping file's text (pack.yml) holding, of the keys `new` covers, only those that differ from `default`.

    Keys the form does not cover (pack.yml's region names, say) are left as they are.
    """
    document = read(path)
    if not isinstance(document, CommentedMap):
        document = CommentedMap()
        document.yaml_set_start_comment(NEW_FILE_HEADER)
    _set_keys(document, new, differences(new, default))
    return dumps(document)
