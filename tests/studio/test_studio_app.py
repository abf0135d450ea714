"""The studio's web app: sign-in, sessions, CSRF, roles, and refusing to start without an account."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.studio.app import make_app
from bot.studio.auth import MAX_FAILURES
from bot.studio.settings import SettingsError, StudioSettings
from tests.support.studio import PASSWORD, sign_in, token_in


def test_the_studio_refuses_to_start_without_a_staff_account_and_says_how_to_add_one(tmp_path: Path) -> None:
    settings = StudioSettings(overlay=tmp_path / "pack", data=tmp_path / "data")
    with pytest.raises(SettingsError) as refused:
        make_app(settings)
    assert "survivor-bot studio add-user NAME --role admin" in str(refused.value)


def test_the_settings_default_to_loopback_and_the_documented_port(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STUDIO_HOST", "STUDIO_PORT", "STUDIO_OVERLAY", "CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = StudioSettings()
    assert (settings.host, settings.port, settings.overlay.name, settings.two_person_rule) == (
        "127.0.0.1",
        8100,
        "local-pack",
        True,
    )


def test_the_settings_read_the_documented_variables_and_name_a_bad_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STUDIO_OVERLAY", "STUDIO_PORT", "STUDIO_SESSION_MINUTES", "BOT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONTENT_DIR", "/srv/charity-pack")  # the assistant's own overlay, unless STUDIO_OVERLAY says
    monkeypatch.setenv("STUDIO_TWO_PERSON_RULE", "false")
    monkeypatch.setenv("STUDIO_PORT", "")  # set to nothing, as a compose file's `STUDIO_PORT=` does: the default
    monkeypatch.setenv("PORT", "1")  # another program's variable: never read
    settings = StudioSettings()
    assert (str(settings.overlay), settings.port, settings.two_person_rule) == ("/srv/charity-pack", 8100, False)
    monkeypatch.setenv("STUDIO_OVERLAY", "/srv/studio-pack")
    assert str(StudioSettings().overlay) == "/srv/studio-pack"
    monkeypatch.setenv("STUDIO_SESSION_MINUTES", "an hour")
    with pytest.raises(SettingsError) as refused:
        StudioSettings()
    assert str(refused.value) == "error: STUDIO_SESSION_MINUTES must be a whole number, not 'an hour'"


async def test_every_page_but_sign_in_needs_a_session(client: TestClient) -> None:
    for path in ("/", "/helplines", "/helplines/samaritans", "/messages", "/preview", "/history", "/problems", "/password"):
        response = await client.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/login"), path
    refused = await client.post("/messages", data={"messages.stop": "x"})
    assert refused.status == 403


async def test_a_wrong_password_is_refused_and_the_right_one_opens_a_httponly_samesite_session(client: TestClient) -> None:
    login = await client.get("/login")
    token = token_in(await login.text())
    wrong = await client.post("/login", data={"name": "edna", "password": "not it at all", "csrf": token})
    assert wrong.status == 401
    assert "match an account" in await wrong.text()
    login = await client.get("/login")
    right = await client.post(
        "/login", data={"name": "edna", "password": PASSWORD, "csrf": token_in(await login.text())}, allow_redirects=False
    )
    cookie = right.headers["Set-Cookie"]
    assert right.status == 303
    assert "studio_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_sign_in_is_refused_after_repeated_failures_even_with_the_right_password(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        login = await client.get("/login")
        await client.post("/login", data={"name": "rita", "password": "guess guess guess", "csrf": token_in(await login.text())})
    login = await client.get("/login")
    response = await client.post("/login", data={"name": "rita", "password": PASSWORD, "csrf": token_in(await login.text())})
    assert response.status == 429
    assert "Too many failed sign-ins" in await response.text()


async def test_sign_in_without_the_forms_own_token_is_refused(client: TestClient) -> None:
    response = await client.post("/login", data={"name": "edna", "password": PASSWORD, "csrf": "made-up"})
    assert response.status == 403


async def test_every_change_needs_the_sessions_csrf_token(client: TestClient, settings: StudioSettings) -> None:
    token = await sign_in(client, "edna")
    for path in ("/messages", "/helplines/samaritans", "/submit", "/approve", "/publish", "/discard", "/restore/1", "/logout"):
        response = await client.post(path, data={"csrf": "wrong"})
        assert response.status == 403, path
    assert not (settings.data / "draft" / "en" / "messages.yml").exists()
    saved = await client.post("/messages", data={"csrf": token, "messages.stop": "Stopped. Nothing is kept."})
    assert saved.status == 200
    assert (settings.data / "draft" / "en" / "messages.yml").exists()


async def test_a_change_from_another_site_is_refused_even_with_a_token(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    response = await client.post(
        "/messages", data={"csrf": token, "messages.stop": "x"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert response.status == 403


async def test_pages_forbid_framing_and_inline_scripts(client: TestClient) -> None:
    response = await client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_reviewer_without_the_editor_role_cannot_edit(client: TestClient) -> None:
    token = await sign_in(client, "rita")
    response = await client.post("/messages", data={"csrf": token, "messages.stop": "Stopped."})
    assert response.status == 403


async def test_a_path_in_a_helpline_address_is_not_a_page(client: TestClient) -> None:
    await sign_in(client, "edna")
    for path in ("/helplines/..%2F..%2Fetc%2Fpasswd", "/helplines/Samaritans", "/helplines/no_such_service"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_a_new_service_is_added_to_the_draft_and_an_existing_id_is_refused(
    client: TestClient, settings: StudioSettings
) -> None:
    token = await sign_in(client, "edna")
    form = {
        "csrf": token,
        "id": "northshire_line",
        "name": "Northshire line",
        "phone": "0808 802 9999",
        "for_whom": "Anyone in Northshire",
        "regions": "england_wales",
        "sources.count": "1",
        "sources.0.url": "https://northshire.example.org/line",
        "sources.0.title": "Northshire: our line",
        "last_reviewed": "2026-11-01",
    }
    created = await client.post("/helplines/new", data=form, allow_redirects=False)
    assert (created.status, created.headers["Location"]) == (303, "/helplines/northshire_line?saved=1")
    page = await (await client.get("/helplines/northshire_line")).text()
    assert "northshire_line: is never shown: add its id to a topic page" in page  # content check's warning, at the top
    again = await client.post("/helplines/new", data={**form, "id": "galop"})
    assert again.status == 409
    bad_id = await client.post("/helplines/new", data={**form, "id": "../pack"})
    assert bad_id.status == 400


async def test_refusals_and_redirects_carry_the_same_security_headers(client: TestClient) -> None:
    redirect = await client.get("/", allow_redirects=False)
    refused = await client.post("/publish")
    for response in (redirect, refused):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
