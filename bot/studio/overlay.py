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
        if len(mapping) <= 3 and all(_flat(v) and "\n" not in str(v) for v in value.values()):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(styled(v) for v in value)
        if all(isinstance(v, str) and "\n" not in v for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def _flat(value: Any) -> bool:
    """A scalar, or a list of scalars: fits on one line inside a small mapping."""
    if isinstance(value, list):
        return all(not isinstance(v, (Mapping, list)) for v in value)
    return not isinstance(value, Mapping)


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


# --- topics and whole documents ------------------------------------------------------------------


def _drop_none(value: Any) -> Any:
    """Plain data without empty fields (a form's None), inside mappings and lists too."""
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _changed_variants(new: Mapping[str, Any], default: Any) -> Optional[dict[str, Any]]:
    """The variants to write: each one that differs (it replaces the default's whole), or all when the keys differ."""
    if not isinstance(default, Mapping) or set(new) != set(default):
        return dict(new)
    changed = {k: v for k, v in new.items() if not same_entry(v, default[k])}
    return changed or None


def topic_overlay(new: Mapping[str, Any], default: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """What an overlay's topics/<id>.yml holds so that the merged topic is `new`: only what differs from `default`.

    Fields replace; each variant that differs is written whole; a question is written by id with
    only its changed fields (each changed answer whole), a new one whole, and a default question
    left out of `new` as `hidden: true` (docs/customising.md's merge rules).
    """
    new = _drop_none(dict(new))
    if default is None:
        return dict(new)
    found: dict[str, Any] = {}
    for key, value in new.items():
        if key == "variants" and isinstance(value, Mapping):
            variants = _changed_variants(value, default.get(key))
            if variants:
                found[key] = variants
        elif key == "questions" and isinstance(value, list):
            questions = _changed_questions(value, default.get(key) or [])
            if questions:
                found[key] = questions
        elif key != "id" and not same_entry({"v": value}, {"v": default.get(key)}):
            found[key] = value
    for key in default:
        if key not in new and key not in ("questions",) and default[key] not in (None, False, []):
            found[key] = None  # emptied in the form (a content note taken away)
    return found


def _changed_questions(new: list[Any], default: list[Any]) -> list[dict[str, Any]]:
    known = {str(q.get("id")): q for q in default if isinstance(q, Mapping)}
    listed: list[dict[str, Any]] = []
    for question in new:
        if not isinstance(question, Mapping):
            continue
        question_id = str(question.get("id") or "")
        base = known.get(question_id)
        if base is None:
            listed.append(dict(question))
            continue
        changed: dict[str, Any] = {}
        for key, value in question.items():
            if key == "answers" and isinstance(value, Mapping):
                answers = _changed_variants(value, base.get(key))
                if answers:
                    changed[key] = answers
            elif key != "id" and not same_entry({"v": value}, {"v": base.get(key)}):
                changed[key] = value
        if changed:
            listed.append({"id": question_id, **changed})
    ids = {str(q.get("id")) for q in new if isinstance(q, Mapping)}
    listed += [{"id": question_id, "hidden": True} for question_id in known if question_id not in ids]
    return listed


def merged_topic(default: Optional[Mapping[str, Any]], over: Any) -> Optional[dict[str, Any]]:
    """A topic as the assistant merges it (bot/content/merge.py's rule), for filling in the form; None when hidden."""
    if not isinstance(over, Mapping):
        return dict(default) if default is not None else None
    if over.get("hidden") is True:
        return None
    if default is None:
        return dict(over)
    merged = dict(default)
    for key, value in over.items():
        if key == "variants":
            merged[key] = _merged_variants(default.get(key), value)
        elif key == "questions" and isinstance(value, list):
            merged[key] = _merged_questions(default.get(key) or [], value)
        else:
            merged[key] = value
    return merged


def _merged_variants(base: Any, over: Any) -> Any:
    if not isinstance(over, Mapping) or not isinstance(base, Mapping) or "all" in over:
        return over
    return {**base, **over}


def _merged_questions(base: list[Any], over: list[Any]) -> list[Any]:
    merged: dict[str, Any] = {str(q.get("id")): q for q in base if isinstance(q, Mapping)}
    for raw in over:
        if not isinstance(raw, Mapping) or not raw.get("id"):
            continue
        key = str(raw["id"])
        if raw.get("hidden") is True:
            merged.pop(key, None)
        elif isinstance(merged.get(key), Mapping):
            known = merged[key]
            changed = {**known, **{k: v for k, v in raw.items() if k != "answers"}}
            if "answers" in raw:
                changed["answers"] = _merged_variants(known.get("answers"), raw["answers"])
            merged[key] = changed
        else:
            merged[key] = raw
    return list(merged.values())


def _has_ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) and v.get("id") for v in value)


def _sync(target: CommentedMap, desired: Mapping[str, Any]) -> None:
    """Make `target` say `desired`, touching only what differs, so comments and order of the rest stay."""
    for key in [k for k in target if k not in desired]:
        del target[key]
    for key, value in desired.items():
        old = target.get(key) if key in target else None
        if key not in target:
            target[key] = styled(value)
        elif isinstance(old, CommentedMap) and isinstance(value, Mapping):
            _sync(old, value)
        elif isinstance(old, CommentedSeq) and _has_ids(old) and _has_ids(value):
            by_id = {str(item["id"]): item for item in old}
            items = []
            for item in value:
                kept = by_id.get(str(item["id"]))
                if isinstance(kept, CommentedMap):
                    _sync(kept, item)
                    items.append(kept)
                else:
                    items.append(styled(item))
            old[:] = items
        else:
            _update(target, key, value)


def set_document(path: Path, desired: Mapping[str, Any]) -> Optional[str]:
    """A file's text saying exactly `desired` (a whole overlay file), keeping the comments and order it had.

    None when `desired` is empty: the file is not needed (the default pack applies).
    """
    if not desired:
        return None
    document = read(path)
    if not isinstance(document, CommentedMap):
        document = CommentedMap()
        document.yaml_set_start_comment(NEW_FILE_HEADER)
    _sync(document, desired)
    return dumps(document)
