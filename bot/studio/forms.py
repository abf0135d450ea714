"""Forms generated from the content pack's pydantic models, and form data read back into entries.

A field added to a model in bot/content/schema.py appears in its form with no form code: its
input follows its type (text, yes/no, date, time, one or several choices, a list of sub-entries)
and its help text is the field's `description`. Names are the key paths that `content check`
reports ("opening_hours.0.open"), so a problem is shown next to the field it is about.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from multidict import MultiMapping
from pydantic import BaseModel
from pydantic.fields import FieldInfo

#: What aiohttp's `await request.post()` gives: a multidict (a field may repeat, as checked boxes do).
FormData = MultiMapping[Any]


@dataclass
class FormField:
    """One input of a form (or a group of sub-entries: `items`, each a list of fields)."""

    name: str
    label: str
    help: str
    kind: str  # text, textarea, checkbox, date, time, select, choices, lines, group, object, mapping
    required: bool
    value: Any = None
    choices: list[str] = field(default_factory=list)
    items: list[list[FormField]] = field(default_factory=list)
    #: For a group: the model of each item (a blank one is offered for adding).
    item_model: Optional[type[BaseModel]] = None
    #: Shown but not changed here (an existing entry's id).
    readonly: bool = False
    #: For a mapping: its keys in order (each item of `items` is the value under one key) and the type of a value.
    keys: list[str] = field(default_factory=list)
    value_type: Any = None
    #: For a mapping whose keys are a fixed set (regions): the keys that may be added.
    key_choices: list[str] = field(default_factory=list)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside Optional[...] and Annotated[...], and whether None is allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Enum)


def kind_of(annotation: Any) -> Optional[str]:
    """The input for a field's type; None for a type forms don't cover (edited in YAML)."""
    inner, _ = _unwrap(annotation)
    if inner is bool:
        return "checkbox"
    if inner is dt.date:
        return "date"
    if inner is dt.time:
        return "time"
    if inner is str:
        return "text"
    if _is_enum(inner):
        return "select"
    if _is_model(inner):
        return "object"
    if typing.get_origin(inner) is dict:
        key, value = typing.get_args(inner)
        key_inner, _ = _unwrap(key)
        if (key_inner is str or _is_enum(key_inner)) and kind_of(value) in ("text", "lines", "object"):
            return "mapping"
        return None
    if typing.get_origin(inner) is list:
        item, _ = _unwrap(typing.get_args(inner)[0])
        if _is_enum(item):
            return "choices"
        if _is_model(item):
            return "group"
        if item is str:
            return "lines"
    return None


def ordered_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """The model's fields, its own first and those it inherits (sources, last_reviewed) after."""
    own = set(inspect.get_annotations(model))
    fields = list(model.model_fields.items())
    return [f for f in fields if f[0] in own] + [f for f in fields if f[0] not in own]


def label_for(name: str, info: FieldInfo) -> str:
    """The field's title, or its name in words ("for_whom" reads "For whom")."""
    return info.title or name.replace("_", " ").capitalize()


def _display(value: Any, kind: str) -> Any:
    if kind == "time" and isinstance(value, int):  # PyYAML reads an unquoted 18:00 as minutes
        return f"{value // 60 % 24:02d}:{value % 60:02d}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Enum):
        return value.value
    return value


def default_value(info: FieldInfo) -> Any:
    """What a field is when the pack leaves it out, as plain data (None for a required field)."""
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [v.value if isinstance(v, Enum) else v for v in value]
    return value.value if isinstance(value, Enum) else value


def form_fields(model: type[BaseModel], data: Optional[Mapping[str, Any]], prefix: str = "") -> list[FormField]:
    """The form of `model`, filled in from `data` (raw pack data: the overlay's, else the default's)."""
    data = data or {}
    fields: list[FormField] = []
    for name, info in ordered_fields(model):
        kind = kind_of(info.annotation)
        if kind is None:
            continue
        inner, _ = _unwrap(info.annotation)
        value = data[name] if name in data else default_value(info)
        entry = FormField(f"{prefix}{name}", label_for(name, info), info.description or "", kind, info.is_required())
        if kind in ("select", "choices"):
            enum = inner if kind == "select" else _unwrap(typing.get_args(inner)[0])[0]
            entry.choices = [member.value for member in enum]
        if kind == "group":
            entry.item_model = _unwrap(typing.get_args(inner)[0])[0]
            assert entry.item_model is not None
            items = value if isinstance(value, list) else []
            entry.items = [
                form_fields(entry.item_model, item if isinstance(item, Mapping) else {}, f"{entry.name}.{index}.")
                for index, item in enumerate(items)
            ]
        elif kind == "object":
            entry.items = [form_fields(inner, value if isinstance(value, Mapping) else {}, f"{entry.name}.")]
        elif kind == "mapping":
            key_type, entry.value_type = typing.get_args(inner)
            key_inner, _ = _unwrap(key_type)
            entry.key_choices = [member.value for member in key_inner] if _is_enum(key_inner) else []
            found = value if isinstance(value, Mapping) else {}
            entry.keys = [_display(k, "select") for k in found]
            entry.items = [
                _mapping_value(entry.value_type, found[k], f"{entry.name}.{key}")
                for k, key in zip(found, entry.keys, strict=True)
            ]
        elif kind == "choices":
            entry.value = [_display(v, kind) for v in value] if isinstance(value, list) else []
        elif kind == "lines":
            entry.value = "\n".join(str(v) for v in value) if isinstance(value, list) else ""
        else:
            entry.value = _display(value, kind)
            if kind == "text" and isinstance(entry.value, str) and "\n" in entry.value.strip():
                entry.kind = "textarea"
        fields.append(entry)
    return fields


def _mapping_value(value_type: Any, value: Any, name: str) -> list[FormField]:
    """The fields of the value under one key of a mapping: a model's fields, or one text or list of lines."""
    inner, _ = _unwrap(value_type)
    if _is_model(inner):
        return form_fields(inner, value if isinstance(value, Mapping) else {}, f"{name}.")
    kind = kind_of(value_type) or "text"
    if kind == "lines":
        shown = "\n".join(str(v) for v in value) if isinstance(value, list) else ""
    else:
        shown = "" if value is None else str(value)
        kind = "textarea" if "\n" in shown.strip() else kind
    return [FormField(name, name.rsplit(".", 1)[-1], "", kind, True, shown)]


#: A mapping's key for the row that adds one: never a pack key (those start with a letter).
NEW_KEY = "_new"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _read_mapping(value_type: Any, form: FormData, key: str) -> Optional[dict[str, Any]]:
    """A mapping from `<key>.keys` (its keys, comma-separated) and the spare row `<key>._new.key`.

    None when the form has no such field at all (the entry keeps what it had); a key that is not
    lower-case letters, digits and _ is left out, so it never reaches a file name or an address.
    """
    listed = form.get(f"{key}.keys")
    if listed is None:
        return None
    keys = [k for k in str(listed).split(",") if _KEY.match(k)]
    new_key = (_text(form, f"{key}.{NEW_KEY}.key") or "").lower()
    found: dict[str, Any] = {}
    for name, prefix in [(k, f"{key}.{k}") for k in keys] + [(new_key, f"{key}.{NEW_KEY}")]:
        if not _KEY.match(name) or form.get(f"{prefix}.remove") is not None or name in found:
            continue
        value = _read_value(value_type, form, prefix)
        if not _is_blank(value):
            found[name] = value
    return found


def _read_value(value_type: Any, form: FormData, name: str) -> Any:
    inner, _ = _unwrap(value_type)
    if _is_model(inner):
        value = read_form(inner, form, f"{name}.")
        return {k: v for k, v in value.items() if v is not None}
    if kind_of(value_type) == "lines":
        return [line.strip() for line in (_text(form, name) or "").splitlines() if line.strip()] or None
    return _text(form, name)


def _text(form: FormData, name: str) -> Optional[str]:
    value = form.get(name)
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _is_blank(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_is_blank(v) for v in value.values())
    return value is None or value is False or value == []


def read_form(model: type[BaseModel], form: FormData, prefix: str = "") -> dict[str, Any]:
    """An entry from form data, field by field as form_fields made them; empty fields are None.

    A group's items come from `<name>.count`; an item marked `<name>.<i>.remove`, or left blank
    (the spare row offered for adding), is left out.
    """
    entry: dict[str, Any] = {}
    for name, info in ordered_fields(model):
        kind = kind_of(info.annotation)
        if kind is None:
            continue
        inner, _ = _unwrap(info.annotation)
        key = f"{prefix}{name}"
        value: Any
        if kind == "checkbox":
            value = form.get(key) is not None
        elif kind == "choices":
            value = [str(v) for v in form.getall(key, [])] or None
        elif kind == "lines":
            value = [line.strip() for line in (_text(form, key) or "").splitlines() if line.strip()] or None
        elif kind == "group":
            item_model = _unwrap(typing.get_args(inner)[0])[0]
            count = _count(form, f"{key}.count")
            items = [
                read_form(item_model, form, f"{key}.{index}.")
                for index in range(count)
                if form.get(f"{key}.{index}.remove") is None
            ]
            # A sub-entry leaves out its empty fields: `{url: ..., title: ...}`, not `doc: null` as well.
            value = [{k: v for k, v in item.items() if v is not None} for item in items if not _is_blank(item)] or None
        elif kind == "object":
            value = read_form(inner, form, f"{key}.")
            value = None if _is_blank(value) else value
        elif kind == "mapping":
            value = _read_mapping(typing.get_args(inner)[1], form, key)
            if value is None:
                continue  # not in this form: left as it is
        elif kind == "date":
            text = _text(form, key)
            value = _date(text)
        else:
            value = _text(form, key)
        if value is None and info.is_required() and kind in ("choices", "group", "lines"):
            value = []  # a required list left empty: validation says it needs an item
        entry[name] = value
    return entry


def _count(form: FormData, key: str) -> int:
    try:
        return max(0, min(int(str(form.get(key, "0"))), 100))
    except ValueError:
        return 0


def _date(text: Optional[str]) -> Any:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text  # validation reports it, in pydantic's words


# --- HTML ------------------------------------------------------------------------------------


def _id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def _attrs(field_: FormField) -> str:
    described = f"{_id(field_.name)}-help {_id(field_.name)}-problems" if field_.help else f"{_id(field_.name)}-problems"
    required = " required" if field_.required and field_.kind not in ("checkbox",) else ""
    return f'id="{_id(field_.name)}" name="{html.escape(field_.name)}" aria-describedby="{described}"{required}'


def _help_and_problems(field_: FormField, problems: Mapping[str, list[str]]) -> str:
    parts = []
    if field_.help:
        parts.append(f'<p class="help" id="{_id(field_.name)}-help">{html.escape(field_.help)}</p>')
    found = problems.get(field_.name, [])
    listed = "".join(f"<li>{html.escape(p)}</li>" for p in found)
    parts.append(f'<ul class="problems" id="{_id(field_.name)}-problems" data-field="{html.escape(field_.name)}">{listed}</ul>')
    return "".join(parts)


def render_fields(fields: list[FormField], problems: Mapping[str, list[str]], labels: Optional[Mapping[str, str]] = None) -> str:
    """The fields as accessible HTML: a label, the help text and the field's problems for each.

    `labels` names choices in words (a region's name for `england_wales`, say).
    """
    return "".join(_render(f, problems, labels or {}) for f in fields)


def _render(f: FormField, problems: Mapping[str, list[str]], labels: Mapping[str, str]) -> str:
    esc = html.escape
    label = esc(f.label) + ("" if f.required else ' <span class="optional">(optional)</span>')
    below = _help_and_problems(f, problems)
    if f.kind == "checkbox":
        checked = " checked" if f.value else ""
        return (
            f'<div class="field check"><input type="checkbox" value="on" {_attrs(f)}{checked}>'
            f'<label for="{_id(f.name)}">{label}</label>{below}</div>'
        )
    if f.kind in ("choices", "group", "object", "mapping"):
        return f'<fieldset class="field {f.kind}"><legend>{label}</legend>{below}{_inner(f, problems, labels)}</fieldset>'
    if f.kind == "select":
        options = '<option value="">(none)</option>' + "".join(
            f'<option value="{esc(c)}"{" selected" if c == f.value else ""}>{esc(labels.get(c, c))}</option>' for c in f.choices
        )
        control = f"<select {_attrs(f)}>{options}</select>"
    elif f.kind in ("textarea", "lines"):
        control = f'<textarea rows="4" {_attrs(f)}>{esc(str(f.value or ""))}</textarea>'
    else:
        value = "" if f.value is None else str(f.value)
        control = f'<input type="{f.kind}" value="{esc(value)}" {_attrs(f)}{" readonly" if f.readonly else ""}>'
    return f'<div class="field"><label for="{_id(f.name)}">{label}</label>{control}{below}</div>'


def _inner(f: FormField, problems: Mapping[str, list[str]], labels: Mapping[str, str]) -> str:
    esc = html.escape
    if f.kind == "choices":
        return "".join(
            f'<div class="check"><input type="checkbox" id="{_id(f.name)}-{esc(c)}" name="{esc(f.name)}" value="{esc(c)}"'
            f'{" checked" if c in (f.value or []) else ""}><label for="{_id(f.name)}-{esc(c)}">{esc(labels.get(c, c))}</label></div>'
            for c in f.choices
        )
    if f.kind == "object":
        return render_fields(f.items[0], problems, labels)
    if f.kind == "mapping":
        return _mapping_rows(f, problems, labels)
    assert f.item_model is not None
    spare = form_fields(f.item_model, {}, f"{f.name}.{len(f.items)}.")
    rows = []
    for index, item in enumerate([*f.items, spare]):
        is_spare = index == len(f.items)
        title = "Add another (leave empty if not needed)" if is_spare else f"{f.label} {index + 1}"
        remove = (
            ""
            if is_spare
            else f'<div class="check remove"><input type="checkbox" id="{_id(f.name)}-{index}-remove" '
            f'name="{esc(f.name)}.{index}.remove" value="on"><label for="{_id(f.name)}-{index}-remove">Remove this one</label></div>'
        )
        rows.append(
            f'<fieldset class="item"><legend>{esc(title)}</legend>{render_fields(item, problems, labels)}{remove}'
            f'<ul class="problems" data-field="{esc(f.name)}.{index}"></ul></fieldset>'
        )
    count = f'<input type="hidden" name="{esc(f.name)}.count" value="{len(f.items) + 1}">'
    return count + "".join(rows)


def _mapping_rows(f: FormField, problems: Mapping[str, list[str]], labels: Mapping[str, str]) -> str:
    """One fieldset per key (a region, say), with a box to remove it, and a spare row with a key to add one."""
    esc = html.escape
    rows = []
    for key, item in zip(f.keys, f.items, strict=True):
        remove_id = f"{_id(f.name)}-{esc(key)}-remove"
        rows.append(
            f'<fieldset class="item"><legend>{esc(labels.get(key, key))}</legend>{render_fields(item, problems, labels)}'
            f'<div class="check remove"><input type="checkbox" id="{remove_id}" name="{esc(f.name)}.{esc(key)}.remove" value="on">'
            f'<label for="{remove_id}">Remove this one</label></div>'
            f'<ul class="problems" data-field="{esc(f.name)}.{esc(key)}"></ul></fieldset>'
        )
    spare_name = f"{f.name}.{NEW_KEY}"
    spare = _mapping_value(f.value_type, None, spare_name)
    for found in spare:
        found.required = False
    key_id = f"{_id(spare_name)}-key"
    free = [c for c in f.key_choices if c not in f.keys]
    if f.key_choices and not free:
        key_input = ""
    elif f.key_choices:
        options = '<option value="">(none)</option>' + "".join(
            f'<option value="{esc(c)}">{esc(labels.get(c, c))}</option>' for c in free
        )
        key_input = f'<div class="field"><label for="{key_id}">Which</label><select id="{key_id}" name="{esc(spare_name)}.key">{options}</select></div>'
    else:
        key_input = (
            f'<div class="field"><label for="{key_id}">Key <span class="optional">(optional)</span></label>'
            f'<input type="text" id="{key_id}" name="{esc(spare_name)}.key" aria-describedby="{key_id}-help">'
            f'<p class="help" id="{key_id}-help">Lower-case letters, digits and _, like scotland or all</p></div>'
        )
    if key_input:
        for found in spare:
            found.label = "Value" if found.name == spare_name else found.label
        rows.append(
            f'<fieldset class="item"><legend>Add another (leave empty if not needed)</legend>{key_input}'
            f"{render_fields(spare, problems, labels)}</fieldset>"
        )
    keys = f'<input type="hidden" name="{esc(f.name)}.keys" value="{esc(",".join(f.keys))}">'
    return keys + "".join(rows)
