"""The Accounts page: admins add accounts, change roles, reset passwords and remove accounts; nobody else can."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient

from bot.studio.settings import StudioSettings
from tests.support.studio import PASSWORD, sign_in, token_in

NEW_PASSWORD = "staple purple lighthouse"


def audit_lines(settings: StudioSettings) -> list[dict[str, str]]:
    return [json.loads(line) for line in (settings.data / "audit.log").read_text().splitlines()]


def roles_of(settings: StudioSettings, name: str) -> list[str]:
    return list(json.loads(settings.users_file.read_text())[name]["roles"])


async def test_only_an_admin_sees_or_changes_accounts(client: TestClient, settings: StudioSettings) -> None:
    for name in ("edna", "rita", "ada"):
        client.session.cookie_jar.clear()
        token = await sign_in(client, name)
        overview = await (await client.get("/")).text()
        assert 'href="/accounts"' not in overview, name
        assert (await client.get("/accounts")).status == 403, name
        assert (await client.get("/accounts/edna")).status == 403, name
        form = {"csrf": token, "name": "mallory", "roles": "admin", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        assert (await client.post("/accounts", data=form)).status == 403, name
        assert (await client.post("/accounts/rita/roles", data={"csrf": token, "roles": "admin"})).status == 403, name
        assert (await client.post("/accounts/alma/remove", data={"csrf": token})).status == 403, name
    accounts = json.loads(settings.users_file.read_text())
    assert "mallory" not in accounts and accounts["rita"]["roles"] == ["reviewer"] and "alma" in accounts


async def test_an_admin_adds_an_account_that_can_sign_in_and_the_audit_log_says_who_without_the_password(
    client: TestClient, settings: StudioSettings
) -> None:
    token = await sign_in(client, "alma")
    assert 'href="/accounts"' in await (await client.get("/")).text()
    form = [
        ("csrf", token),
        ("name", "rowan"),
        ("roles", "reviewer"),
        ("roles", "editor"),
        ("password", NEW_PASSWORD),
        ("password_again", NEW_PASSWORD),
    ]
    added = await client.post("/accounts", data=form, allow_redirects=False)
    assert (added.status, added.headers["Location"]) == (303, "/accounts?done=added")
    listing = await (await client.get("/accounts?done=added")).text()
    assert "Account added." in listing and "rowan" in listing and "editor, reviewer" in listing
    assert "$argon2" not in listing and NEW_PASSWORD not in listing
    assert audit_lines(settings)[-1] | {"when": ""} == {
        "when": "",
        "who": "alma",
        "action": "add account",
        "what": "rowan (editor, reviewer)",
    }
    assert NEW_PASSWORD not in (settings.data / "audit.log").read_text()
    client.session.cookie_jar.clear()
    await sign_in(client, "rowan", NEW_PASSWORD)


async def test_a_refused_new_account_shows_each_problem_by_its_field_and_never_echoes_the_password(
    client: TestClient, settings: StudioSettings
) -> None:
    token = await sign_in(client, "alma")
    differ = await client.post(
        "/accounts",
        data={
            "csrf": token,
            "name": "rowan",
            "roles": "editor",
            "password": NEW_PASSWORD,
            "password_again": "another phrase here",
        },
    )
    page = await differ.text()
    assert differ.status == 400
    assert 'id="new-password-again" name="password_again" autocomplete="new-password"' in page
    assert 'aria-invalid="true"' in page and "The two passwords differ" in page
    assert NEW_PASSWORD not in page and "another phrase here" not in page
    assert 'value="rowan"' in page  # the name is kept, the passwords are not
    short = await (
        await client.post(
            "/accounts",
            data={"csrf": token, "name": "rowan", "roles": "editor", "password": "short one", "password_again": "short one"},
        )
    ).text()
    assert "A password needs at least 12 characters" in short and "short one" not in short
    no_role = await (
        await client.post(
            "/accounts", data={"csrf": token, "name": "rowan", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        )
    ).text()
    assert 'id="new-roles-problems"><li>Roles must be among' in no_role
    taken = await (
        await client.post(
            "/accounts",
            data={"csrf": token, "name": "edna", "roles": "admin", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
    ).text()
    assert "There is already an account with this name" in taken
    assert roles_of(settings, "edna") == ["editor"] and "rowan" not in json.loads(settings.users_file.read_text())


async def test_every_accounts_change_needs_the_csrf_token(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "alma")
    form = {"csrf": "wrong", "name": "rowan", "roles": "admin", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    for path in ("/accounts", "/accounts/edna/roles", "/accounts/edna/password", "/accounts/edna/remove"):
        response = await client.post(path, data=form)
        assert response.status == 403, path
    accounts = json.loads(settings.users_file.read_text())
    assert "rowan" not in accounts and accounts["edna"]["roles"] == ["editor"]


async def test_an_admin_changes_roles_and_the_change_counts_at_once_in_a_signed_in_session(
    client: TestClient, settings: StudioSettings
) -> None:
    admin = await sign_in(client, "alma")
    admin_cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    client.session.cookie_jar.clear()
    await sign_in(client, "edna")
    assert (await client.get("/accounts")).status == 403
    editor_cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(admin_cookies)
    changed = await client.post(
        "/accounts/edna/roles", data=[("csrf", admin), ("roles", "editor"), ("roles", "admin")], allow_redirects=False
    )
    assert changed.status == 303
    assert roles_of(settings, "edna") == ["admin", "editor"]
    assert audit_lines(settings)[-1]["what"] == "edna (admin, editor)"
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(editor_cookies)
    assert (await client.get("/accounts")).status == 200  # the same session, not signed in again


async def test_the_last_admin_keeps_the_admin_role_and_is_never_removed_and_nobody_removes_themselves(
    client: TestClient, settings: StudioSettings
) -> None:
    token = await sign_in(client, "alma")
    demoted = await client.post("/accounts/alma/roles", data={"csrf": token, "roles": "editor"})
    assert demoted.status == 400
    assert "This is the only admin" in await demoted.text()
    own = await client.post("/accounts/alma/remove", data={"csrf": token})
    assert own.status == 400
    assert "can&#x27;t remove your own account" in await own.text()
    page = await (await client.get("/accounts/alma")).text()
    assert 'action="/accounts/alma/remove"' not in page
    assert roles_of(settings, "alma") == ["admin"]
    # With a second admin, the first still can't remove themselves, but the second can remove the first.
    await client.post("/accounts/edna/roles", data=[("csrf", token), ("roles", "admin")])
    client.session.cookie_jar.clear()
    other = await sign_in(client, "edna")
    removed = await client.post("/accounts/alma/remove", data={"csrf": other}, allow_redirects=False)
    assert removed.status == 303
    assert "alma" not in json.loads(settings.users_file.read_text())
    assert audit_lines(settings)[-1] | {"when": ""} == {"when": "", "who": "edna", "action": "remove account", "what": "alma"}
    last = await client.post("/accounts/edna/remove", data={"csrf": other})
    assert last.status == 400 and "edna" in json.loads(settings.users_file.read_text())


async def test_a_removed_account_is_signed_out_and_a_reset_password_ends_the_old_sessions(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "rita")
    rita_cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    client.session.cookie_jar.clear()
    await sign_in(client, "edna")
    edna_cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    client.session.cookie_jar.clear()
    admin = await sign_in(client, "alma")
    reset = await client.post(
        "/accounts/rita/password",
        data={"csrf": admin, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        allow_redirects=False,
    )
    assert reset.status == 303
    removed = await client.post("/accounts/edna/remove", data={"csrf": admin}, allow_redirects=False)
    assert removed.status == 303
    assert [(line["action"], line["what"]) for line in audit_lines(settings)[-2:]] == [
        ("reset password", "rita"),
        ("remove account", "edna"),
    ]
    assert NEW_PASSWORD not in (settings.data / "audit.log").read_text()
    for cookies in (rita_cookies, edna_cookies):
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies(cookies)
        response = await client.get("/", allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/login")
    client.session.cookie_jar.clear()
    login = await client.get("/login")
    form = (await login.text()).split('class="login"')[1]
    old = await client.post("/login", data={"name": "rita", "password": PASSWORD, "csrf": token_in(form)})
    assert old.status == 401
    await sign_in(client, "rita", NEW_PASSWORD)


async def test_an_account_address_takes_only_a_name(client: TestClient) -> None:
    await sign_in(client, "alma")
    for path in ("/accounts/..%2Fusers.json", "/accounts/Edna", "/accounts/nobody"):
        assert (await client.get(path)).status == 404, path


async def test_anyone_signed_in_changes_their_own_password_after_giving_the_current_one(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")  # an editor: no Accounts page, but their own password
    elsewhere = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    client.session.cookie_jar.clear()
    token = await sign_in(client, "edna")
    assert 'href="/password"' in await (await client.get("/")).text()
    form = {"csrf": token, "current_password": "not my password", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    wrong = await client.post("/password", data=form)
    assert wrong.status == 400 and "That is not your current password." in await wrong.text()
    short = await client.post(
        "/password", data={**form, "current_password": PASSWORD, "password": "short", "password_again": "short"}
    )
    assert short.status == 400 and "at least" in await short.text()
    assert (await client.post("/password", data={**form, "current_password": PASSWORD, "csrf": "forged"})).status == 403
    changed = await client.post("/password", data={**form, "current_password": PASSWORD}, allow_redirects=False)
    assert (changed.status, changed.headers["Location"]) == (303, "/password?done=password")
    assert "Password changed." in await (await client.get("/password?done=password")).text()  # this session stays
    line = audit_lines(settings)[-1]
    assert (line["who"], line["action"]) == ("edna", "change own password")
    assert NEW_PASSWORD not in (settings.data / "audit.log").read_text()
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(elsewhere)  # the other browser's session has ended
    response = await client.get("/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/login")
    client.session.cookie_jar.clear()
    login = await client.get("/login")
    old = await client.post(
        "/login", data={"name": "edna", "password": PASSWORD, "csrf": token_in((await login.text()).split('class="login"')[1])}
    )
    assert old.status == 401
    await sign_in(client, "edna", NEW_PASSWORD)
