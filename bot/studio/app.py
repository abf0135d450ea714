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
from typing import Optional

from aiohttp import web

from bot.content.hours import UK
from bot.content.lint import is_home_page
from bot.content.loader import ContentPack
from bot.content.render import day_name
from bot.content.report import COLUMNS as REPORT_COLUMNS
from bot.content.report import ReportRow, render_report, report_rows
from bot.studio import checks, forms, kinds
from bot.studio.auth import LOGIN_COOKIE, SESSION_COOKIE, LoginLimiter, Session, Sessions, same_token
from bot.studio.kinds import Defaults
from bot.studio.preview import STYLES, colours_css, moment, preview_html, topic_preview_html
from bot.studio.settings import SettingsError, StudioSettings
from bot.studio.store import Store, WorkflowError
from bot.studio.users import MIN_PASSWORD_LENGTH, ROLES, AccountError, User, UserStore

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
        self.defaults = Defaults(settings.base, settings.locale)
        #: The table of file kinds the studio edits (bot/studio/kinds.py): one page, save and check each.
        self.kinds = kinds.kinds(self.defaults)

    async def draft_check(self) -> tuple[Optional[ContentPack], list[checks.Check]]:
        """`content check` of the draft, remembered until the draft changes."""
        files = self.store.draft_files()
        key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
        if self._checked[0] != key:
            s = self.settings
            pack, found = await asyncio.to_thread(checks.check_pack, s.base, s.locale, self.store.draft_root)
            self._checked = (key, pack, self._as_published(found))
        return self._checked[1], self._checked[2]

    async def change_check(self, files: Mapping[str, Optional[str]]) -> list[checks.Check]:
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


# --- pages -------------------------------------------------------------------------------------


#: Shorter names in the navigation than on the pages.
NAV_TITLES = {"/pack": "Name and look"}


def page(request: web.Request, title: str, body: str, status: int = 200) -> web.Response:
    """A whole page: skip link, navigation for a signed-in user, one h1, the body."""
    session: Optional[Session] = request.get(SESSION)
    esc = html.escape
    nav = ""
    if session is not None:
        studio = request.app[STUDIO]
        links = [("/", "Overview"), *((k.path, NAV_TITLES.get(k.path, k.title)) for k in studio.kinds)]
        links += [("/preview", "Preview"), ("/problems", "Problems"), ("/report", "Review report"), ("/history", "History")]
        if "admin" in session.user.roles:
            links.append(("/accounts", "Accounts"))
        items = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for href, text in links)
        nav = (
            f'<nav aria-label="Studio"><ul>{items}</ul></nav>'
            f'<form method="post" action="/logout" class="signout">{csrf_field(request)}'
            f"<span>Signed in as {esc(session.user.name)} ({esc(', '.join(sorted(session.user.roles)))})</span> "
            '<a href="/password">Change your password</a> '
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
        # The account as it is now: roles an admin changed count at once, and a removed account is signed out.
        current = studio.users.get(session.user.name)
        if current is None:
            studio.sessions.end(request.cookies.get(SESSION_COOKIE))
            session = None
        else:
            session.user = current
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


def wait_minutes(seconds: int) -> int:
    """How long, in whole minutes (at least one), someone who got a password wrong too often must wait."""
    return max(1, round(seconds / 60))


async def login(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    form = await request.post()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
        return await login_page(request, "The sign-in form had expired: please try again.", 403)
    name = str(form.get("name", "")).strip().lower()
    keys = [f"name:{name}", f"address:{request.remote}"]
    wait = studio.limiter.wait_seconds(keys)
    if wait:
        minutes = wait_minutes(wait)
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
        entry = _entry_link(row)
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


def _entry_link(row: ReportRow) -> str:
    """A report row's entry, linked to the form that edits it (a helpline's, or its topic's)."""
    esc = html.escape
    if row.kind == "helpline":
        return f'<a href="/helplines/{esc(row.entry)}">{esc(row.entry)}</a>'
    if row.kind in ("topic", "answer"):
        topic = row.entry.split(" > ")[0]
        return f'<a href="/topics/{esc(topic)}">{esc(row.entry)}</a>' if _ID.match(topic) else esc(row.entry)
    return esc(row.entry)


async def report_page(request: web.Request) -> web.Response:
    """`content report` of the draft: every entry that states facts, its sources and review date, due first."""
    studio = request.app[STUDIO]
    pack, found = await studio.draft_check()
    if pack is None:
        errors = check_list(c.line for c in found if c.severity == "error")
        return page(request, "Review report", notice("The draft can't be reported on until these are fixed:", "error") + errors)
    today = dt.date.today()
    rows = report_rows(pack)
    esc = html.escape
    draft, published = str(studio.store.draft_root), str(studio.settings.overlay)
    lines = []
    for row in rows:
        due = f"<strong>{row.due} (overdue)</strong>" if row.overdue(today) else f"{row.due}"
        sources = "<br>".join(
            (
                f'<a href="{esc(s.url)}" rel="noopener noreferrer">{esc(s.title)}</a>'
                if s.url
                else f"{esc(s.title)} ({esc(s.doc or '')})"
            )
            + (" (home page only)" if s.url and is_home_page(s.url) else "")
            for s in row.sources
        )
        cells = [due, str(row.last_reviewed), esc(row.kind), _entry_link(row), esc(row.file.replace(draft, published))]
        cells += [esc(", ".join(row.regions)), sources]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    overdue = sum(1 for r in rows if r.overdue(today))
    counts = {s: sum(1 for c in found if c.severity == s) for s in ("error", "warning", "note")}
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in REPORT_COLUMNS)
    body = (
        f"<p>What <code>content report</code> lists for the draft: {len(rows)} entries that state facts, "
        f"{overdue} due for review today ({today}). Check each against its sources, then set its review date in its form. "
        f'<a href="/report.csv">Download it as CSV</a> (for a spreadsheet).</p>'
        f"<p><code>content check</code> finds {counts['error']} error(s), {counts['warning']} warning(s) and "
        f'{counts["note"]} note(s): see <a href="/problems">Problems</a>.</p>'
        f'<div class="wide"><table class="report"><caption>Entries that state facts, due for review first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    )
    return page(request, "Review report", body)


async def report_csv(request: web.Request) -> web.Response:
    """The same report as `content report --format csv`, as a download."""
    pack, _ = await request.app[STUDIO].draft_check()
    if pack is None:
        raise web.HTTPConflict(text="The draft has errors, so there is no report: see Problems.")
    return web.Response(
        text=render_report(pack, "csv"),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="content-report.csv"'},
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


def _chooser(pack: ContentPack, action: str, day: int, time: dt.time, style: str, extra: str = "") -> str:
    """The form that picks the day and time (UK) the preview shows "open now" for, and how it is drawn."""
    esc = html.escape
    days = "".join(
        f'<option value="{number}"{" selected" if number == day else ""}>{esc(name)}</option>'
        for number, name in enumerate(day_name(pack, moment(d, time)) for d in range(7))
    )
    styles = "".join(
        f'<option value="{key}"{" selected" if key == style else ""}>{esc(name)}</option>' for key, name in STYLES.items()
    )
    shown_as = (
        f'<div class="field"><label for="style">Shown as</label><select id="style" name="style">{styles}</select></div>'
        if not extra
        else ""
    )
    return (
        f'<form method="get" action="{esc(action)}" class="when">{extra}<div class="field"><label for="day">Day</label>'
        f'<select id="day" name="day">{days}</select></div><div class="field"><label for="time">Time (UK)</label>'
        f'<input id="time" name="time" type="time" value="{time.strftime("%H:%M")}"></div>{shown_as}'
        '<button type="submit">Show</button></form>'
    )


async def preview(request: web.Request) -> web.Response:
    pack, found = await request.app[STUDIO].draft_check()
    if pack is None:
        errors = check_list(c.line for c in found if c.severity == "error")
        return page(request, "Preview", notice("The draft can't be previewed until these are fixed:", "error") + errors)
    day, time = _preview_time(request)
    at = moment(day, time)
    style = request.query.get("style", "widget")
    style = style if style in STYLES else "widget"
    esc = html.escape
    intro = (
        "<p>The draft as a survivor would see it in the chat window, for each region. Services with confirmed "
        f"opening times say whether they are open on {esc(day_name(pack, at))} at {at.strftime('%H:%M')}.</p>"
    )
    topics = "".join(
        f'<li><a href="/preview/topics/{esc(topic_id)}">{esc(topic.title)}</a></li>' for topic_id, topic in pack.topics.items()
    )
    topic_list = f"<details><summary>A topic and its questions' answers</summary><ul>{topics}</ul></details>"
    return page(
        request, "Preview", intro + _chooser(pack, "/preview", day, time, style) + topic_list + preview_html(pack, at, style)
    )


async def topic_preview(request: web.Request) -> web.Response:
    """One topic's pages and its questions' answers for a chosen region, as the web widget and as a Telegram chat."""
    pack, found = await request.app[STUDIO].draft_check()
    if pack is None:
        errors = check_list(c.line for c in found if c.severity == "error")
        return page(request, "Preview", notice("The draft can't be previewed until these are fixed:", "error") + errors)
    topic_id = request.match_info["id"]
    topic = pack.topics.get(topic_id)
    if topic is None:
        raise web.HTTPNotFound(text="There is no such topic.")
    regions = list(pack.enabled_regions)
    chosen = request.query.get("region", regions[0].value)
    region = next((r for r in regions if r.value == chosen), None)
    day, time = _preview_time(request)
    at = moment(day, time)
    esc = html.escape
    options = "".join(
        f'<option value="{r.value}"{" selected" if r == region else ""}>{esc(pack.region_name(r))}</option>' for r in regions
    )
    options += f'<option value="not_said"{" selected" if region is None else ""}>Not said yet</option>'
    where = f'<div class="field"><label for="region">Region</label><select id="region" name="region">{options}</select></div>'
    said = pack.region_name(region) if region is not None else "someone who has not said where they are"
    intro = (
        f"<p>What the assistant says about this topic to {esc(said)}, page by page, and its answer to each of the "
        "topic's questions, drawn as the web chat window and as a Telegram chat. <a href=\"/topics/"
        f'{esc(topic_id)}">Edit this topic</a>.</p>'
    )
    chooser = _chooser(pack, f"/preview/topics/{topic_id}", day, time, "widget", where)
    return page(request, f"Preview: {topic.title}", intro + chooser + topic_preview_html(pack, topic, region, at))


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


# --- the forms: one page, save and check for every row of the kinds table ---------------------------


def _kind(request: web.Request) -> kinds.FileKind:
    path = "/" + request.match_info["kind"]
    found = next((k for k in request.app[STUDIO].kinds if k.path == path), None)
    if found is None:
        raise web.HTTPNotFound(text="There is no such page.")
    return found


def _entry(request: web.Request, kind: kinds.FileKind) -> str:
    """The entry the address names ("" for a kind with one form per file); only ids, never a path."""
    entry = request.match_info.get("id", "")
    if kind.has_entries != bool(entry) or (entry and not _ID.match(entry)):
        raise web.HTTPNotFound(text="There is no such page.")
    return entry


def _action(kind: kinds.FileKind, entry: str) -> str:
    return f"{kind.path}/{entry}" if entry else kind.path


def _form(
    request: web.Request, kind: kinds.FileKind, entry: str, fields: list[forms.FormField], placed: dict[str, list[str]]
) -> str:
    esc = html.escape
    action = _action(kind, entry)
    top = "".join(f"<li>{esc(p)}</li>" for p in placed.get("", []))
    return (
        f'<form method="post" action="{esc(action)}" class="entry" data-check="/check{esc(action)}" novalidate>'
        f"{csrf_field(request)}"
        f'<div class="form-problems"><ul class="problems" data-field="">{top}</ul></div>'
        f"{forms.render_fields(fields, placed, request.app[STUDIO].defaults.region_names)}"
        '<p class="checking" role="status" aria-live="polite"></p><button type="submit">Save to the draft</button></form>'
    )


async def kind_list(request: web.Request) -> web.Response:
    """A kind with entries: the list of them (and a way to add one, where staff may)."""
    studio = request.app[STUDIO]
    kind = _kind(request)
    if not kind.has_entries:
        return await kind_page(request)
    esc = html.escape
    items = "".join(
        f'<li><a href="{esc(kind.path)}/{esc(entry)}">{esc(name)}</a></li>'
        for entry, name in kind.entries(studio.store.draft_folder).items()
    )
    add = f'<p><a href="{esc(kind.path)}/new">Add a service</a></p>' if kind.can_add else ""
    return page(request, kind.title, f"<p>{esc(kind.intro)}</p>" + f'<ul class="list">{items}</ul>{add}')


async def kind_page(request: web.Request) -> web.Response:
    """The form of one entry, or of a whole file, filled in from the draft, with content check's problems under its fields."""
    studio = request.app[STUDIO]
    kind = _kind(request)
    entry = _entry(request, kind)
    if entry == "new" and kind.can_add:
        body = "<p>A new service: give it a short id (lower case, like <code>local_helpline</code>) and every field.</p>"
        return page(request, "Add a service", body + _form(request, kind, entry, kind.fields({}, entry), {}))
    data = kind.data(studio.store.draft_folder, entry)
    if data is None:
        raise web.HTTPNotFound(text="There is no such entry.")
    fields = kind.fields(data, entry)
    _, found = await studio.draft_check()
    placed = kind.placed(found, entry, fields)
    saved = notice("Saved to the draft.") if request.query.get("saved") else ""
    esc = html.escape
    if kind.has_entries:
        name = str(data.get("name") or data.get("title") or entry)
        title = f"{'Service' if isinstance(kind, kinds.Helplines) else 'Topic'}: {name}"
        if isinstance(kind, kinds.Helplines):
            known = entry in studio.defaults.helplines
        else:
            known = entry in studio.defaults.topics
        intro = "<p>Part of the default pack: what you change here replaces it for your charity.</p>" if known else ""
        if isinstance(kind, kinds.Topics):
            intro += (
                f'<p><a href="/preview/topics/{esc(entry)}">Preview this topic and its answers</a>. '
                "Variants are the topic's text for each region (<code>all</code> when it is the same everywhere). "
                "Removing a question of the default pack hides it.</p>"
            )
    else:
        title, intro = kind.title, f"<p>{esc(kind.intro)}</p>"
    return page(request, title, saved + intro + _form(request, kind, entry, fields, placed))


def _save(request: web.Request, kind: kinds.FileKind, entry: str, form: forms.FormData) -> kinds.Saved:
    try:
        return kind.save(request.app[STUDIO].store.draft_folder, entry, form)
    except kinds.KindError as error:
        raise _http_error(error) from error


def _http_error(error: kinds.KindError) -> web.HTTPException:
    classes: dict[int, type[web.HTTPException]] = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 409: web.HTTPConflict}
    return classes.get(error.status, web.HTTPBadRequest)(text=error.text)


async def save_kind(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    kind = _kind(request)
    entry = _entry(request, kind)
    _role(request, "editor")
    saved = _save(request, kind, entry, await request.post())
    user, name, what = request[SESSION].user.name, kind.file(saved.entry), f"{kind.what} {saved.entry}".strip()
    if saved.text is None:
        studio.store.remove_draft(user, name, what)
    else:
        studio.store.write_draft(user, name, saved.text, what)
    raise web.HTTPSeeOther(f"{_action(kind, saved.entry)}?saved=1")


async def check_kind(request: web.Request) -> web.Response:
    """The form's problems with its change applied to the draft, field by field (studio.js shows them as you type)."""
    studio = request.app[STUDIO]
    kind = _kind(request)
    entry = _entry(request, kind)
    form = await request.post()
    try:
        saved = kind.save(studio.store.draft_folder, entry, form)
    except kinds.KindError as error:
        return web.json_response({"fields": {"": [error.text]}})
    found = await studio.change_check({kind.file(saved.entry): saved.text})
    fields = kind.fields(
        kind.entry_from(form) if kind.model is not None else (kind.data(studio.store.draft_folder, entry) or {}), saved.entry
    )
    return web.json_response({"fields": kind.placed(found, saved.entry, fields)})


# --- accounts (admins only) -------------------------------------------------------------------------

#: What each role lets a person do, as the Accounts page explains it.
ROLE_HELP = {
    "editor": "Editor: changes the draft and submits it for review",
    "reviewer": "Reviewer: approves and publishes changes, and restores earlier versions",
    "admin": "Admin: everything, and manages accounts on this page",
}
#: What the Accounts page says after a change (by code in the address, so no text is taken from it).
_ACCOUNT_DONE = {
    "added": "Account added.",
    "roles": "Roles saved.",
    "password": "Password changed. Their other sessions have ended.",
    "removed": "Account removed.",
}
_ACCOUNT_NAME = r"[a-z][a-z0-9_.-]{1,31}"


def _admin(request: web.Request) -> Session:
    """The session of an admin; 403 for anyone else (the admin role alone, not what `can` grants)."""
    session: Session = request[SESSION]
    if "admin" not in session.user.roles:
        raise web.HTTPForbidden(text="Managing accounts needs the admin role.")
    return session


def _account_field(
    field_id: str, name: str, label: str, problems: Mapping[str, str], kind: str = "text", value: str = "", help_text: str = ""
) -> str:
    """A labelled input with its help and its problem under it (passwords are never filled in again)."""
    esc = html.escape
    problem = problems.get(name, "")
    described = " ".join(x for x in (f"{field_id}-help" if help_text else "", f"{field_id}-problems") if x)
    invalid = ' aria-invalid="true"' if problem else ""
    shown = f' value="{esc(value)}"' if value and kind != "password" else ""
    auto = ' autocomplete="new-password"' if kind == "password" else ' autocomplete="off"'
    return (
        f'<div class="field"><label for="{field_id}">{esc(label)}</label>'
        + (f'<p class="help" id="{field_id}-help">{esc(help_text)}</p>' if help_text else "")
        + f'<input type="{kind}" id="{field_id}" name="{name}"{shown}{auto} aria-describedby="{described}"{invalid} required>'
        + f'<ul class="problems" id="{field_id}-problems">{f"<li>{esc(problem)}</li>" if problem else ""}</ul></div>'
    )


def _roles_fieldset(prefix: str, chosen: Iterable[str], problems: Mapping[str, str]) -> str:
    esc = html.escape
    chosen = set(chosen)
    boxes = "".join(
        f'<div class="check"><input type="checkbox" id="{prefix}-role-{role}" name="roles" value="{role}"'
        f'{" checked" if role in chosen else ""}><label for="{prefix}-role-{role}">{esc(ROLE_HELP[role])}</label></div>'
        for role in ROLES
    )
    problem = problems.get("roles", "")
    return (
        f'<fieldset class="field" aria-describedby="{prefix}-roles-problems"><legend>Roles</legend>'
        f'<ul class="problems" id="{prefix}-roles-problems">{f"<li>{esc(problem)}</li>" if problem else ""}</ul>{boxes}</fieldset>'
    )


def _password_fields(prefix: str, problems: Mapping[str, str], label: str, after: str = " Tell it to them in person.") -> str:
    return _account_field(
        f"{prefix}-password",
        "password",
        label,
        problems,
        "password",
        help_text=f"At least {MIN_PASSWORD_LENGTH} characters: a few words are easy to remember.{after}",
    ) + _account_field(f"{prefix}-password-again", "password_again", "The same password again", problems, "password")


def _account_problem(error: AccountError) -> dict[str, str]:
    """An account change refused, as the problem shown under the field it is about."""
    return {error.field: str(error).capitalize() + "."}


def _top_problem(problems: Mapping[str, str]) -> str:
    return notice(problems[""], "error") if problems.get("") else ""


async def accounts_page(
    request: web.Request,
    problems: Optional[Mapping[str, str]] = None,
    typed: Optional[Mapping[str, object]] = None,
    status: int = 200,
) -> web.Response:
    """Every account with its roles (never a password or hash), and the form that adds one."""
    session = _admin(request)
    studio = request.app[STUDIO]
    problems, typed = problems or {}, typed or {}
    esc = html.escape
    done = _ACCOUNT_DONE.get(request.query.get("done", ""), "")
    rows = "".join(
        f"<tr><td>{esc(user.name)}{' (you)' if user.name == session.user.name else ''}</td>"
        f"<td>{esc(', '.join(sorted(user.roles)))}</td>"
        f'<td><a href="/accounts/{esc(user.name)}">Change {esc(user.name)}\'s roles or password, or remove the account</a></td></tr>'
        for user in studio.users.accounts()
    )
    roles = typed.get("roles", ["editor"])
    body = (
        (notice(done) if done else "")
        + "<p>Who can sign in to the studio and what each may do. Passwords are never shown: reset one when someone "
        "has forgotten theirs.</p>"
        '<table><caption>Accounts</caption><thead><tr><th scope="col">Name</th><th scope="col">Roles</th>'
        f'<th scope="col">Change</th></tr></thead><tbody>{rows}</tbody></table>'
        '<h2 id="add">Add an account</h2>'
        + _top_problem(problems)
        + f'<form method="post" action="/accounts" class="account" novalidate>{csrf_field(request)}'
        + _account_field(
            "new-name",
            "name",
            "Name",
            problems,
            value=str(typed.get("name", "")),
            help_text="What they type to sign in: lower-case letters, digits, '.', '_' or '-', starting with a letter.",
        )
        + _roles_fieldset("new", roles if isinstance(roles, list) else [], problems)
        + _password_fields("new", problems, "First password")
        + '<button type="submit">Add the account</button></form>'
    )
    return page(request, "Accounts", body, status)


def _typed_roles(form: Mapping[str, object]) -> list[str]:
    getall = getattr(form, "getall", None)
    values = getall("roles", []) if getall is not None else []
    return [str(v) for v in values]


def _new_password(form: Mapping[str, object]) -> tuple[str, dict[str, str]]:
    """The password typed twice, and a problem when the two differ (checked before its length, as the CLI does)."""
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    return password, ({"password_again": "The two passwords differ: type the same one twice."} if password != again else {})


async def add_account(request: web.Request) -> web.StreamResponse:
    session = _admin(request)
    studio = request.app[STUDIO]
    form = await request.post()
    name, roles = str(form.get("name", "")).strip().lower(), _typed_roles(form)
    password, problems = _new_password(form)
    if not problems:
        try:
            await asyncio.to_thread(studio.users.add, name, roles, password, False)
        except AccountError as error:
            problems = _account_problem(error)
    if problems:
        return await accounts_page(request, problems, {"name": name, "roles": roles}, 400)
    studio.store.audit(session.user.name, "add account", f"{name} ({', '.join(sorted(set(roles)))})")
    raise web.HTTPSeeOther("/accounts?done=added")


def _account(request: web.Request) -> User:
    user = request.app[STUDIO].users.get(request.match_info["name"])
    if user is None:
        raise web.HTTPNotFound(text="There is no such account.")
    return user


async def account_page(
    request: web.Request, problems: Optional[Mapping[str, str]] = None, status: int = 200, roles: Optional[list[str]] = None
) -> web.Response:
    """One account: its roles, a new password, and removing it (never the last admin, never yourself)."""
    session = _admin(request)
    studio = request.app[STUDIO]
    user = _account(request)
    problems = problems or {}
    esc = html.escape
    action = f"/accounts/{esc(user.name)}"
    admins = [u.name for u in studio.users.accounts() if "admin" in u.roles]
    if user.name == session.user.name:
        removal = "<p>You can't remove your own account: another admin can.</p>"
    elif admins == [user.name]:
        removal = "<p>This is the only admin, so it can't be removed: give another account the admin role first.</p>"
    else:
        removal = (
            f'<form method="post" action="{action}/remove">{csrf_field(request)}'
            f"<p>They can no longer sign in, and any session they have ends. What they changed stays in the history.</p>"
            f'<button type="submit" class="danger">Remove {esc(user.name)}\'s account</button></form>'
        )
    body = (
        _top_problem(problems)
        + '<p><a href="/accounts">Back to all accounts</a></p>'
        + f'<h2>Roles</h2><form method="post" action="{action}/roles" novalidate>{csrf_field(request)}'
        + _roles_fieldset("edit", roles if roles is not None else user.roles, problems)
        + '<button type="submit">Save the roles</button></form>'
        + f'<h2>New password</h2><form method="post" action="{action}/password" novalidate>{csrf_field(request)}'
        + _password_fields("reset", problems, "New password")
        + '<button type="submit">Set the new password</button></form>'
        + f"<h2>Remove the account</h2>{removal}"
    )
    return page(request, f"Account: {user.name}", body, status)


async def change_account(request: web.Request) -> web.StreamResponse:
    """POST /accounts/<name>/{roles,password,remove}: one change to one account, recorded in the audit log."""
    session = _admin(request)
    studio = request.app[STUDIO]
    user = _account(request)
    form = await request.post()
    step = request.match_info["step"]
    problems: dict[str, str] = {}
    roles = _typed_roles(form)
    try:
        if step == "roles":
            studio.users.set_roles(user.name, roles)
            what = f"{user.name} ({', '.join(sorted(set(roles)))})"
        elif step == "password":
            password, problems = _new_password(form)
            if not problems:
                await asyncio.to_thread(studio.users.set_password, user.name, password)
                # Whoever knew the old password is signed out; the admin resetting their own keeps this session.
                studio.sessions.end_for(user.name, keep=request.cookies.get(SESSION_COOKIE))
            what = user.name
        else:
            if user.name == session.user.name:
                raise AccountError("you can't remove your own account: another admin can")
            studio.users.remove(user.name)
            studio.sessions.end_for(user.name)
            what = user.name
    except AccountError as error:
        problems = _account_problem(error)
    if problems:
        return await account_page(request, problems, 400, roles if step == "roles" else None)
    action = {"roles": "change roles", "password": "reset password", "remove": "remove account"}[step]
    studio.store.audit(session.user.name, action, what)
    if step == "roles" and user.name == session.user.name and "admin" not in roles:
        raise web.HTTPSeeOther("/")  # they gave up their own admin role: the Accounts page is no longer theirs
    done = {"roles": "roles", "password": "password", "remove": "removed"}[step]
    raise web.HTTPSeeOther(f"/accounts?done={done}")


# --- your own password (everyone signed in) ------------------------------------------------------


async def own_password_page(
    request: web.Request, problems: Optional[Mapping[str, str]] = None, status: int = 200
) -> web.Response:
    """The signed-in person's own password: the current one, then the new one twice."""
    problems = problems or {}
    done = notice("Password changed. Your other sessions have ended.") if request.query.get("done") == "password" else ""
    body = (
        done
        + _top_problem(problems)
        + "<p>Choose a new password for your own account. Any other session you have (another browser, another "
        "computer) ends; this one stays signed in.</p>"
        + f'<form method="post" action="/password" novalidate>{csrf_field(request)}'
        + _account_field("own-current", "current_password", "Your current password", problems, "password")
        + _password_fields("own", problems, "New password", after="")
        + '<button type="submit">Change your password</button></form>'
    )
    return page(request, "Your password", body, status)


async def change_own_password(request: web.Request) -> web.StreamResponse:
    """POST /password: the current password is checked (failures count as failed sign-ins), then the new one is set."""
    session: Session = request[SESSION]
    studio = request.app[STUDIO]
    name = session.user.name
    keys = [f"name:{name}", f"address:{request.remote}"]
    wait = studio.limiter.wait_seconds(keys)
    if wait:
        minutes = wait_minutes(wait)
        problems = {"": f"Too many wrong passwords. Try again in about {minutes} minute(s)."}
        return await own_password_page(request, problems, 429)
    form = await request.post()
    if await asyncio.to_thread(studio.users.authenticate, name, str(form.get("current_password", ""))) is None:
        studio.limiter.failed(keys)
        return await own_password_page(request, {"current_password": "That is not your current password."}, 400)
    studio.limiter.succeeded(keys)
    password, problems = _new_password(form)
    if not problems:
        try:
            await asyncio.to_thread(studio.users.set_password, name, password)
        except AccountError as error:
            problems = _account_problem(error)
    if problems:
        return await own_password_page(request, problems, 400)
    # Whoever else knew the old password is signed out; this session stays.
    studio.sessions.end_for(name, keep=request.cookies.get(SESSION_COOKIE))
    studio.store.audit(name, "change own password", name)
    raise web.HTTPSeeOther("/password?done=password")


# --- the app --------------------------------------------------------------------------------------


def make_app(settings: StudioSettings) -> web.Application:
    """The studio's aiohttp application; refuses to start without a staff account (says how to add one)."""
    if not UserStore(settings.users_file).names():
        raise SettingsError(
            "error: the studio has no staff accounts yet, so nobody could sign in. Create the first one with\n"
            "  .venv/bin/survivor-bot studio add-user NAME --role admin\n"
            f"(it asks for a password and writes {settings.users_file}), then start the studio again: an admin adds\n"
            "everyone else on the studio's Accounts page."
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
    app.router.add_get("/report", report_page)
    app.router.add_get("/report.csv", report_csv)
    app.router.add_get("/preview", preview)
    app.router.add_get("/password", own_password_page)
    app.router.add_post("/password", change_own_password)
    app.router.add_get("/accounts", accounts_page)
    app.router.add_post("/accounts", add_account)
    app.router.add_get(rf"/accounts/{{name:{_ACCOUNT_NAME}}}", account_page)
    app.router.add_post(rf"/accounts/{{name:{_ACCOUNT_NAME}}}/{{step:roles|password|remove}}", change_account)
    app.router.add_get("/preview.css", preview_css)
    app.router.add_get(r"/preview/topics/{id:[a-z][a-z0-9_]*}", topic_preview)
    # One page, save and check per row of the kinds table: /helplines, /helplines/<id>, /check/helplines/<id>, /menu...
    names = "|".join(re.escape(k.path.lstrip("/")) for k in app[STUDIO].kinds)
    app.router.add_get(rf"/{{kind:{names}}}", kind_list)
    app.router.add_post(rf"/{{kind:{names}}}", save_kind)
    app.router.add_post(rf"/check/{{kind:{names}}}", check_kind)
    app.router.add_get(rf"/{{kind:{names}}}/{{id:[a-z][a-z0-9_]*}}", kind_page)
    app.router.add_post(rf"/{{kind:{names}}}/{{id:[a-z][a-z0-9_]*}}", save_kind)
    app.router.add_post(rf"/check/{{kind:{names}}}/{{id:[a-z][a-z0-9_]*}}", check_kind)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    return app
