"""The studio's web app (aiohttp): sign-in, forms, validation as you type, preview, review and publishing.

Its own process and port (`make studio`, loopback by default), never part of the gateway that
survivors use. Pages work without JavaScript; studio.js only adds checking as you type.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

import yaml
from aiohttp import web

from bot.content.hours import UK
from bot.content.loader import ContentPack
from bot.content.render import day_name
from bot.content.report import report_rows
from bot.content.schema import Helpline, PackInfo
from bot.studio import checks, forms, overlay
from bot.studio.auth import LOGIN_COOKIE, SESSION_COOKIE, LoginLimiter, Session, Sessions, same_token
from bot.studio.preview import colours_css, moment, preview_html
from bot.studio.settings import SettingsError, StudioSettings
from bot.studio.store import Store, WorkflowError
from bot.studio.users import UserStore

log = logging.getLogger("bot.studio")
STATIC_DIR = Path(__file__).resolve().parent / "static"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STUDIO: web.AppKey[Studio] = web.AppKey("studio")
SESSION: web.RequestKey[Session] = web.RequestKey("session", Session)


class Studio:
    """Everything a request needs: settings, accounts, sessions, the draft's store, and its last check."""

    def __init__(self, settings: StudioSettings) -> None:
        self.settings = settings
        self.users = UserStore(settings.users_file)
        self.sessions = Sessions(settings.session_minutes * 60)
        self.limiter = LoginLimiter()
        self.store = Store(settings.data, settings.overlay, settings.locale, settings.two_person_rule)
        self._checked: tuple[str, Optional[ContentPack], list[checks.Check]] = ("", None, [])
        base = settings.base / settings.locale
        self.default_helplines = {
            str(h["id"]): h for h in (yaml.safe_load((base / "helplines.yml").read_text(encoding="utf-8")) or {})["helplines"]
        }
        self.default_messages: dict[str, str] = yaml.safe_load((base / "messages.yml").read_text(encoding="utf-8"))["messages"]
        self.message_help = _comments_above(base / "messages.yml")
        default_pack = yaml.safe_load((base / "pack.yml").read_text(encoding="utf-8"))
        #: pack.yml as the assistant reads it when the overlay leaves a field out (model defaults included).
        self.default_pack_info: dict[str, Any] = PackInfo.model_validate(default_pack).model_dump(mode="json")
        self.default_pack_raw: dict[str, Any] = default_pack
        #: Regions by name in the forms ("Scotland", not "scotland").
        self.region_names: dict[str, str] = {
            str(k): str(v) for k, v in yaml.safe_load((base / "pack.yml").read_text(encoding="utf-8"))["regions"].items()
        }

    async def draft_check(self) -> tuple[Optional[ContentPack], list[checks.Check]]:
        """`content check` of the draft, remembered until the draft changes."""
        files = self.store.draft_files()
        key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
        if self._checked[0] != key:
            s = self.settings
            pack, found = await asyncio.to_thread(checks.check_pack, s.base, s.locale, self.store.draft_root)
            self._checked = (key, pack, self._as_published(found))
        return self._checked[1], self._checked[2]

    async def change_check(self, files: Mapping[str, str]) -> list[checks.Check]:
        s = self.settings
        _, found = await asyncio.to_thread(checks.check_change, s.base, s.locale, self.store.draft_root, files)
        return self._as_published(found)

    def _as_published(self, found: list[checks.Check]) -> list[checks.Check]:
        """Lines naming the overlay's files, not the draft's: what `content check` will say once this is published."""
        draft, published = str(self.store.draft_root), str(self.settings.overlay)
        return [
            checks.Check(c.severity, c.file.replace(draft, published), c.entry, c.field, c.line.replace(draft, published))
            for c in found
        ]


def _comments_above(path: Path) -> dict[str, str]:
    """Each message's help: the comment lines written just above its key in the default pack."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        match = re.match(r"^  ([a-z][a-z0-9_]*):", line)
        if not match:
            continue
        above: list[str] = []
        back = number - 1
        while back >= 0 and lines[back].strip().startswith("#"):
            above.insert(0, lines[back].strip().lstrip("#").strip())
            back -= 1
        if above:
            found[match.group(1)] = " ".join(above)
    return found


# --- pages -------------------------------------------------------------------------------------


def page(request: web.Request, title: str, body: str, status: int = 200) -> web.Response:
    """A whole page: skip link, navigation for a signed-in user, one h1, the body."""
    session: Optional[Session] = request.get(SESSION)
    esc = html.escape
    nav = ""
    if session is not None:
        links = [("/", "Overview"), ("/pack", "Name and look"), ("/helplines", "Helplines"), ("/messages", "Messages")]
        links += [("/preview", "Preview")]
        links += [("/problems", "Problems"), ("/history", "History")]
        items = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for href, text in links)
        nav = (
            f'<nav aria-label="Studio"><ul>{items}</ul></nav>'
            f'<form method="post" action="/logout" class="signout">{csrf_field(request)}'
            f"<span>Signed in as {esc(session.user.name)} ({esc(', '.join(sorted(session.user.roles)))})</span> "
            '<button type="submit">Sign out</button></form>'
        )
    token = f'<meta name="csrf-token" content="{esc(session.csrf)}">' if session else ""
    colours = '<link rel="stylesheet" href="/preview.css">' if session else ""
    text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - Content studio</title>{token}
<link rel="stylesheet" href="/static/studio.css">{colours}
<script src="/static/studio.js" defer></script></head>
<body><a class="skip" href="#main">Skip to the main content</a>
<header><p class="brand">Content studio</p>{nav}</header>
<main id="main"><h1>{esc(title)}</h1>{body}</main></body></html>"""
    return web.Response(text=text, content_type="text/html", status=status)


def csrf_field(request: web.Request) -> str:
    session: Optional[Session] = request.get(SESSION)
    return f'<input type="hidden" name="csrf" value="{html.escape(session.csrf)}">' if session else ""


def notice(text: str, kind: str = "info") -> str:
    role = "alert" if kind == "error" else "status"
    return f'<div class="notice {kind}" role="{role}"><p>{html.escape(text)}</p></div>'


def check_list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul class="problems">{items}</ul>' if items else '<p class="ok">No problems found.</p>'


# --- middleware --------------------------------------------------------------------------------


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers on every answer, refusals and redirects included; then the session and CSRF rules."""
    try:
        response = await _guarded(request, handler)
    except web.HTTPException as error:
        _headers(error)
        raise
    _headers(response)
    return response


def _headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the studio's own forms.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A session for every page but sign-in; a CSRF token (and no other site's Origin) on every change."""
    studio = request.app[STUDIO]
    session = studio.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        request[SESSION] = session
    is_open = request.path in ("/login", "/favicon.ico") or request.path.startswith("/static/")
    if not is_open and session is None:
        if request.method == "GET":
            raise web.HTTPSeeOther("/login")
        raise web.HTTPForbidden(text="Sign in first.")
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="This change came from another site, so it was refused.")
        if session is not None and request.path != "/login":
            form = await request.post()
            given = request.headers.get("X-CSRF-Token") or form.get("csrf")
            if not same_token(str(given) if given else None, session.csrf):
                raise web.HTTPForbidden(
                    text="The form had expired or came from elsewhere: go back, reload the page and try again."
                )
    return await handler(request)


def _role(request: web.Request, role: str) -> Session:
    session: Session = request[SESSION]
    if not session.user.can(role):
        raise web.HTTPForbidden(text=f"This needs the {role} role.")
    return session


# --- sign-in -----------------------------------------------------------------------------------


async def login_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    # One token per browser while its cookie lasts: a second tab (or the browser's own favicon
    # request landing here) must not make the first tab's form stale.
    given = request.cookies.get(LOGIN_COOKIE, "")
    token = given if re.fullmatch(r"[A-Za-z0-9_-]{32}", given) else secrets.token_urlsafe(24)
    body = (
        (notice(message, "error") if message else "")
        + '<form method="post" action="/login" class="login">'
        + f'<input type="hidden" name="csrf" value="{token}">'
        + '<div class="field"><label for="name">Name</label><input id="name" name="name" autocomplete="username" required></div>'
        + '<div class="field"><label for="password">Password</label>'
        + '<input id="password" name="password" type="password" autocomplete="current-password" required></div>'
        + '<button type="submit">Sign in</button></form>'
    )
    response = page(request, "Sign in", body, status)
    secure = request.app[STUDIO].settings.secure_cookies
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=secure, max_age=1800, path="/login")
    return response


async def no_icon(request: web.Request) -> web.Response:
    """Browsers ask for an icon; there is none (and the question must not land on the sign-in page)."""
    return web.Response(status=204)


async def login(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    form = await request.post()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
        return await login_page(request, "The sign-in form had expired: please try again.", 403)
    name = str(form.get("name", "")).strip().lower()
    keys = [f"name:{name}", f"address:{request.remote}"]
    wait = studio.limiter.wait_seconds(keys)
    if wait:
        minutes = max(1, round(wait / 60))
        return await login_page(request, f"Too many failed sign-ins. Try again in about {minutes} minute(s).", 429)
    user = await asyncio.to_thread(studio.users.authenticate, name, str(form.get("password", "")))
    if user is None:
        studio.limiter.failed(keys)
        return await login_page(request, "That name and password don't match an account.", 401)
    studio.limiter.succeeded(keys)
    studio.store.audit(user.name, "sign in", "")
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(
        SESSION_COOKIE,
        studio.sessions.start(user),
        httponly=True,
        samesite="Strict",
        secure=studio.settings.secure_cookies,
        path="/",
    )
    response.del_cookie(LOGIN_COOKIE, path="/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    studio.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = web.Response(status=303, headers={"Location": "/login"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- overview and workflow ---------------------------------------------------------------------


async def overview(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    store, session = studio.store, request[SESSION]
    store.follow_outside_changes()
    state = store.state()
    diff = store.pending_diff()
    _, found = await studio.draft_check()
    errors = [c for c in found if c.severity == "error"]
    esc = html.escape
    parts = [
        f"<p>Editing the overlay pack in <code>{esc(str(studio.settings.overlay))}</code> ({esc(studio.settings.locale)}).</p>"
    ]
    rule = "on: a second person with the reviewer role approves each change" if store.two_person_rule else "off"
    parts.append(f"<p>Two-person rule: {esc(rule)}.</p>")
    if not diff:
        parts.append("<h2>Draft</h2><p>The draft is the same as what is published.</p>")
    else:
        who = ", ".join(state.editors) or "someone"
        status = {"editing": "being edited", "submitted": "waiting for review", "approved": "approved"}[state.state]
        parts.append(f"<h2>Draft</h2><p>Changed by {esc(who)}: {esc(status)}.</p>")
        if store.changed_outside():
            parts.append(
                '<p class="bad">The overlay\'s files were changed outside the studio since this draft began. '
                "Publishing would undo that: discard the draft to start again from them.</p>"
            )
        if errors:
            parts.append(
                f'<p class="bad">{len(errors)} error(s) to fix before publishing: see <a href="/problems">Problems</a>.</p>'
            )
        parts.append(f'<details><summary>What changes</summary><pre class="diff">{esc(diff)}</pre></details>')
        buttons = []
        if state.state == "editing":
            buttons.append(("/submit", "Submit for review"))
        if state.state == "submitted" and session.user.can("reviewer"):
            buttons.append(("/approve", "Approve"))
        if store.may_publish() is None and not errors:
            buttons.append(("/publish", "Publish"))
        buttons.append(("/discard", "Discard the draft"))
        parts.append(
            '<div class="actions">'
            + "".join(
                f'<form method="post" action="{href}">{csrf_field(request)}<button type="submit">{esc(text)}</button></form>'
                for href, text in buttons
            )
            + "</div>"
        )
    pack, _ = await studio.draft_check()
    if pack is not None:
        parts.append(_due_for_review(pack))
    message = request.query.get("done", "")
    return page(request, "Overview", (notice(message) if message in _DONE else "") + "".join(parts))


#: The overview lists entries due for review within this many days (and every overdue one).
DUE_WITHIN_DAYS = 31
DUE_SHOWN = 20


def _due_for_review(pack: ContentPack) -> str:
    """Entries whose facts are due for checking (by last_reviewed), oldest first, as `content report` lists them."""
    today = dt.date.today()
    rows = [r for r in report_rows(pack) if r.due <= today + dt.timedelta(days=DUE_WITHIN_DAYS)]
    if not rows:
        return f"<h2>Due for review</h2><p>Nothing is due for review in the next {DUE_WITHIN_DAYS} days.</p>"
    esc = html.escape
    lines = []
    for row in rows[:DUE_SHOWN]:
        entry = f'<a href="/helplines/{esc(row.entry)}">{esc(row.entry)}</a>' if row.kind == "helpline" else esc(row.entry)
        due = f"{row.due}" + (" (overdue)" if row.overdue(today) else "")
        lines.append(f"<tr><td>{entry}</td><td>{esc(row.kind)}</td><td>{row.last_reviewed}</td><td>{due}</td></tr>")
    more = (
        f"<p>And {len(rows) - DUE_SHOWN} more: <code>content report</code> lists them all.</p>" if len(rows) > DUE_SHOWN else ""
    )
    return (
        "<h2>Due for review</h2><p>Check these against their sources, then set their review date.</p>"
        '<table><thead><tr><th scope="col">Entry</th><th scope="col">Kind</th><th scope="col">Last reviewed</th>'
        f'<th scope="col">Review due</th></tr></thead><tbody>{"".join(lines)}</tbody></table>{more}'
    )


_DONE = {"Submitted for review.", "Approved.", "Published.", "Draft discarded.", "Restored."}


async def workflow_step(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    store, session = studio.store, request[SESSION]
    step = request.match_info["step"]
    user = session.user
    try:
        if step == "submit":
            _role(request, "editor")
            store.submit(user.name)
            done = "Submitted for review."
        elif step == "approve":
            store.approve(user.name, user.can("reviewer"))
            done = "Approved."
        elif step == "publish":
            if not store.two_person_rule:
                _role(request, "editor")
            _, found = await studio.draft_check()
            if any(c.severity == "error" for c in found):
                raise WorkflowError("the draft has errors: fix them before publishing (see Problems)")
            store.publish(user.name)
            done = "Published."
        elif step == "discard":
            _role(request, "editor")
            store.discard(user.name)
            done = "Draft discarded."
        else:
            raise web.HTTPNotFound()
    except WorkflowError as error:
        return page(
            request, "Not done", notice(f"Not done: {error}.", "error") + '<p><a href="/">Back to the overview</a></p>', 409
        )
    raise web.HTTPSeeOther("/?" + _query(done=done))


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


async def history(request: web.Request) -> web.Response:
    store = request.app[STUDIO].store
    esc = html.escape
    rows = []
    may_restore = not store.two_person_rule or request[SESSION].user.can("reviewer")
    for version in store.versions():
        restore = (
            f'<form method="post" action="/restore/{version.number}">{csrf_field(request)}'
            f'<button type="submit">Restore version {version.number}</button></form>'
            if may_restore
            else ""
        )
        who = [f"changed by {', '.join(version.changed_by)}"] if version.changed_by else []
        who += [f"approved by {version.approved_by}"] if version.approved_by else []
        who.append(f"published by {version.published_by}")
        rows.append(
            f"<li><h2>Version {version.number}</h2><p>{esc(version.note.capitalize())} on {esc(version.when)}: "
            f"{esc('; '.join(who))}.</p>"
            + (
                f'<details><summary>Changes</summary><pre class="diff">{esc(version.diff)}</pre></details>'
                if version.diff
                else ""
            )
            + f"{restore}</li>"
        )
    body = f'<ol class="versions">{"".join(rows)}</ol>' if rows else "<p>Nothing has been published from the studio yet.</p>"
    return page(request, "History", body)


async def restore(request: web.Request) -> web.StreamResponse:
    store = request.app[STUDIO].store
    if store.two_person_rule:
        _role(request, "reviewer")
    try:
        number = int(request.match_info["number"])
        store.restore(request[SESSION].user.name, number)
    except (ValueError, WorkflowError) as error:
        return page(request, "Not done", notice(f"Not done: {error}.", "error"), 409)
    raise web.HTTPSeeOther("/?" + _query(done="Restored."))


async def problems_page(request: web.Request) -> web.Response:
    _, found = await request.app[STUDIO].draft_check()
    body = "<p>What <code>content check</code> says about the draft, word for word.</p>" + check_list(c.line for c in found)
    return page(request, "Problems", body)


async def preview(request: web.Request) -> web.Response:
    pack, found = await request.app[STUDIO].draft_check()
    if pack is None:
        errors = check_list(c.line for c in found if c.severity == "error")
        return page(request, "Preview", notice("The draft can't be previewed until these are fixed:", "error") + errors)
    day, time = _preview_time(request)
    at = moment(day, time)
    days = "".join(
        f'<option value="{number}"{" selected" if number == day else ""}>{html.escape(name)}</option>'
        for number, name in enumerate(day_name(pack, moment(d, time)) for d in range(7))
    )
    chooser = (
        '<form method="get" action="/preview" class="when"><div class="field"><label for="day">Day</label>'
        f'<select id="day" name="day">{days}</select></div><div class="field"><label for="time">Time (UK)</label>'
        f'<input id="time" name="time" type="time" value="{time.strftime("%H:%M")}"></div>'
        '<button type="submit">Show at this time</button></form>'
    )
    intro = (
        "<p>The draft as a survivor would see it in the chat window, for each region. Services with confirmed "
        f"opening times say whether they are open on {html.escape(day_name(pack, at))} at {at.strftime('%H:%M')}.</p>"
    )
    return page(request, "Preview", intro + chooser + preview_html(pack, at))


def _preview_time(request: web.Request) -> tuple[int, dt.time]:
    """The day (Monday is 0) and UK time chosen on the preview page; now, when none (or nonsense) is given."""
    now = dt.datetime.now(UK)
    try:
        day = int(request.query.get("day", now.weekday())) % 7
        time = (
            dt.time.fromisoformat(request.query["time"])
            if "time" in request.query
            else now.time().replace(second=0, microsecond=0)
        )
    except ValueError:
        return now.weekday(), now.time().replace(second=0, microsecond=0)
    return day, time


async def preview_css(request: web.Request) -> web.Response:
    pack, _ = await request.app[STUDIO].draft_check() if SESSION in request else (None, [])
    return web.Response(text=colours_css(pack) if pack is not None else "", content_type="text/css")


# --- helplines -----------------------------------------------------------------------------------


def _helpline_data(studio: Studio, helpline_id: str) -> Optional[dict[str, Any]]:
    entries = overlay.helpline_entries(studio.store.draft_folder / "helplines.yml")
    found = entries.get(helpline_id)
    if found is not None and found.get("hidden") is not True:
        return found
    default = studio.default_helplines.get(helpline_id)
    return dict(default) if default is not None else found


async def helplines(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    ids = dict.fromkeys([*studio.default_helplines, *overlay.helpline_entries(studio.store.draft_folder / "helplines.yml")])
    esc = html.escape
    items = []
    for helpline_id in ids:
        data = _helpline_data(studio, helpline_id) or {}
        name = str(data.get("name") or helpline_id)
        items.append(f'<li><a href="/helplines/{esc(helpline_id)}">{esc(name)}</a></li>')
    body = f'<ul class="list">{"".join(items)}</ul><p><a href="/helplines/new">Add a service</a></p>'
    return page(request, "Helplines", body)


def _helpline_form(
    request: web.Request, helpline_id: str, data: Optional[Mapping[str, Any]], placed: dict[str, list[str]]
) -> str:
    fields = forms.form_fields(Helpline, data)
    for found in fields:
        found.readonly = found.name == "id" and helpline_id != "new"  # the id names the entry: it can't move
    action = f"/helplines/{helpline_id}"
    return (
        f'<form method="post" action="{html.escape(action)}" class="entry" data-check="/check{html.escape(action)}" novalidate>'
        f"{csrf_field(request)}"
        f'<div class="form-problems"><ul class="problems" data-field="">{"".join(f"<li>{html.escape(p)}</li>" for p in placed.get("", []))}</ul></div>'
        f'{forms.render_fields(fields, placed, request.app[STUDIO].region_names)}<p class="checking" role="status" aria-live="polite"></p>'
        '<button type="submit">Save to the draft</button></form>'
    )


def _helpline_placed(found: Iterable[checks.Check], helpline_id: str, names: set[str]) -> dict[str, list[str]]:
    return checks.place([(c.field, c) for c in checks.about(found, "helplines.yml", helpline_id)], names)


def _all_names(fields: list[forms.FormField]) -> set[str]:
    names = set()
    for f in fields:
        names.add(f.name)
        for item in f.items:
            names |= _all_names(item)
        names |= {f"{f.name}.{i}" for i in range(len(f.items) + 1)} if f.kind == "group" else set()
    return names


async def helpline_page(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    helpline_id = request.match_info["id"]
    if helpline_id == "new":
        body = "<p>A new service: give it a short id (lower case, like <code>local_helpline</code>) and every field.</p>"
        return page(request, "Add a service", body + _helpline_form(request, "new", {}, {}))
    data = _helpline_data(studio, helpline_id)
    if data is None or not _ID.match(helpline_id):
        raise web.HTTPNotFound(text="There is no such service.")
    _, found = await studio.draft_check()
    placed = _helpline_placed(found, helpline_id, _all_names(forms.form_fields(Helpline, data)))
    saved = notice("Saved to the draft.") if request.query.get("saved") else ""
    default = (
        ""
        if helpline_id not in studio.default_helplines
        else "<p>A service of the default pack: what you change here replaces it for your charity.</p>"
    )
    title = f"Service: {data.get('name') or helpline_id}"
    return page(request, title, saved + default + _helpline_form(request, helpline_id, data, placed))


def _helpline_entry(studio: Studio, helpline_id: str, form: forms.FormData) -> tuple[str, dict[str, Any], str]:
    """The helpline id, its entry from the form, and helplines.yml's new text for the draft."""
    entry = forms.read_form(Helpline, form)
    if helpline_id == "new":
        helpline_id = str(entry.get("id") or "")
        if not _ID.match(helpline_id):
            raise web.HTTPBadRequest(text="An id is lower-case letters, digits and _, starting with a letter.")
        if _helpline_data(studio, helpline_id) is not None:
            raise web.HTTPConflict(text=f"There is already a service '{helpline_id}': edit it instead.")
    elif _helpline_data(studio, helpline_id) is None or not _ID.match(helpline_id):
        raise web.HTTPNotFound(text="There is no such service.")
    entry["id"] = helpline_id  # the id names the entry: a form can't move it
    text = overlay.set_helpline(studio.store.draft_folder / "helplines.yml", entry, studio.default_helplines.get(helpline_id))
    return helpline_id, entry, text


async def save_helpline(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    _role(request, "editor")
    helpline_id, _, text = _helpline_entry(studio, request.match_info["id"], await request.post())
    studio.store.write_draft(request[SESSION].user.name, "helplines.yml", text, f"helpline {helpline_id}")
    raise web.HTTPSeeOther(f"/helplines/{helpline_id}?saved=1")


async def check_helpline(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    form = await request.post()
    try:
        helpline_id, entry, text = _helpline_entry(studio, request.match_info["id"], form)
    except web.HTTPException as error:
        return web.json_response({"fields": {"": [error.text or "This can't be checked."]}})
    found = await studio.change_check({"helplines.yml": text})
    names = _all_names(forms.form_fields(Helpline, entry))
    return web.json_response({"fields": _helpline_placed(found, helpline_id, names)})


# --- name, regions and branding (pack.yml) ---------------------------------------------------------


def _merged(base: Any, over: Any) -> Any:
    """The overlay's pack.yml on top of the default's, key by key, for filling in the form."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        return {**base, **{k: _merged(base.get(k), v) for k, v in over.items()}}
    return over


def _pack_data(studio: Studio) -> dict[str, Any]:
    drafted = overlay.plain(overlay.read(studio.store.draft_folder / "pack.yml"))
    return dict(_merged(studio.default_pack_raw, drafted if isinstance(drafted, Mapping) else {}))


def _pack_form(request: web.Request, data: Mapping[str, Any], placed: dict[str, list[str]]) -> str:
    fields = forms.form_fields(PackInfo, data)
    for found in fields:
        found.readonly = found.name == "locale"  # the language is the folder's: changed by making another folder
    top = "".join(f"<li>{html.escape(p)}</li>" for p in placed.get("", []))
    return (
        f'<form method="post" action="/pack" class="entry" data-check="/check/pack" novalidate>{csrf_field(request)}'
        f'<div class="form-problems"><ul class="problems" data-field="">{top}</ul></div>'
        f"{forms.render_fields(fields, placed, request.app[STUDIO].region_names)}"
        '<p class="checking" role="status" aria-live="polite"></p><button type="submit">Save to the draft</button></form>'
    )


def _pack_placed(found: Iterable[checks.Check], data: Mapping[str, Any]) -> dict[str, list[str]]:
    about = [(c.field, c) for c in found if (c.file == "pack.yml" or c.file.endswith("/pack.yml")) and not c.entry]
    return checks.place(about, _all_names(forms.form_fields(PackInfo, data)))


def _pack_text(studio: Studio, form: forms.FormData) -> str:
    entry = forms.read_form(PackInfo, form)
    entry.pop("locale", None)  # read-only: never written from the form
    return overlay.set_mapping(studio.store.draft_folder / "pack.yml", entry, studio.default_pack_info)


async def pack_page(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    data = _pack_data(studio)
    _, found = await studio.draft_check()
    saved = notice("Saved to the draft.") if request.query.get("saved") else ""
    intro = "<p>The assistant's name, the regions you cover and how the web chat window looks.</p>"
    return page(request, "Name, regions and look", saved + intro + _pack_form(request, data, _pack_placed(found, data)))


async def save_pack(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    _role(request, "editor")
    text = _pack_text(studio, await request.post())
    studio.store.write_draft(request[SESSION].user.name, "pack.yml", text, "name, regions and look")
    raise web.HTTPSeeOther("/pack?saved=1")


async def check_pack_form(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    form = await request.post()
    found = await studio.change_check({"pack.yml": _pack_text(studio, form)})
    return web.json_response({"fields": _pack_placed(found, forms.read_form(PackInfo, form))})


# --- messages -------------------------------------------------------------------------------------


def _message_placed(studio: Studio, found: Iterable[checks.Check]) -> dict[str, list[str]]:
    pairs = [
        (f"messages.{c.entry}" if c.entry else c.field, c)
        for c in found
        if c.file == "messages.yml" or c.file.endswith("/messages.yml")
    ]
    return checks.place(pairs, {f"messages.{key}" for key in studio.default_messages})


async def messages_page(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    drafted = overlay.message_texts(studio.store.draft_folder / "messages.yml")
    _, found = await studio.draft_check()
    placed = _message_placed(studio, found)
    esc = html.escape
    fields = []
    for key, default in studio.default_messages.items():
        name = f"messages.{key}"
        value = drafted.get(key, default).rstrip("\n")
        changed = ' <span class="changed">(changed)</span>' if key in drafted else ""
        help_text = studio.message_help.get(key, "")
        help_html = f'<p class="help" id="f-{name}-help">{esc(help_text)}</p>' if help_text else ""
        described = f"f-{name}-help f-{name}-problems" if help_text else f"f-{name}-problems"
        listed = "".join(f"<li>{esc(p)}</li>" for p in placed.get(name, []))
        fields.append(
            f'<div class="field"><label for="f-{name}">{esc(key.replace("_", " ").capitalize())}{changed}</label>'
            f'<textarea id="f-{name}" name="{name}" rows="3" aria-describedby="{described}">{esc(value)}</textarea>'
            f'{help_html}<ul class="problems" id="f-{name}-problems" data-field="{name}">{listed}</ul></div>'
        )
    top = "".join(f"<li>{esc(p)}</li>" for p in placed.get("", []))
    saved = notice("Saved to the draft.") if request.query.get("saved") else ""
    body = (
        saved + "<p>The sentences the assistant says. Change any of them; only what differs from the default pack is saved. "
        "Words in braces, such as <code>{bot_name}</code>, are filled in by the assistant: keep them.</p>"
        + f'<form method="post" action="/messages" class="entry" data-check="/check/messages" novalidate>{csrf_field(request)}'
        + f'<div class="form-problems"><ul class="problems" data-field="">{top}</ul></div>'
        + "".join(fields)
        + '<p class="checking" role="status" aria-live="polite"></p><button type="submit">Save to the draft</button></form>'
    )
    return page(request, "Messages", body)


def _messages_text(studio: Studio, form: forms.FormData) -> str:
    texts = {}
    for key in studio.default_messages:
        value = form.get(f"messages.{key}")
        if value is not None:
            texts[key] = str(value).replace("\r\n", "\n")
    return overlay.set_messages(studio.store.draft_folder / "messages.yml", texts, studio.default_messages)


async def save_messages(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    _role(request, "editor")
    text = _messages_text(studio, await request.post())
    studio.store.write_draft(request[SESSION].user.name, "messages.yml", text, "messages")
    raise web.HTTPSeeOther("/messages?saved=1")


async def check_messages(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    found = await studio.change_check({"messages.yml": _messages_text(studio, await request.post())})
    return web.json_response({"fields": _message_placed(studio, found)})


# --- the app --------------------------------------------------------------------------------------


def make_app(settings: StudioSettings) -> web.Application:
    """The studio's aiohttp application; refuses to start without a staff account (says how to add one)."""
    if not UserStore(settings.users_file).names():
        raise SettingsError(
            "error: the studio has no staff accounts yet, so nobody could sign in. Create the first one with\n"
            "  .venv/bin/survivor-bot studio add-user NAME --role editor --role reviewer\n"
            f"(it asks for a password and writes {settings.users_file}), then start the studio again."
        )
    app = web.Application(middlewares=[security], client_max_size=256 * 1024)
    app[STUDIO] = Studio(settings)
    app.router.add_get("/login", login_page)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", overview)
    app.router.add_post(r"/{step:submit|approve|publish|discard}", workflow_step)
    app.router.add_get("/history", history)
    app.router.add_post(r"/restore/{number:\d+}", restore)
    app.router.add_get("/problems", problems_page)
    app.router.add_get("/preview", preview)
    app.router.add_get("/preview.css", preview_css)
    app.router.add_get("/helplines", helplines)
    app.router.add_get(r"/helplines/{id:[a-z][a-z0-9_]*}", helpline_page)
    app.router.add_post(r"/helplines/{id:[a-z][a-z0-9_]*}", save_helpline)
    app.router.add_post(r"/check/helplines/{id:[a-z][a-z0-9_]*}", check_helpline)
    app.router.add_get("/pack", pack_page)
    app.router.add_post("/pack", save_pack)
    app.router.add_post("/check/pack", check_pack_form)
    app.router.add_get("/messages", messages_page)
    app.router.add_post("/messages", save_messages)
    app.router.add_post("/check/messages", check_messages)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    return app
