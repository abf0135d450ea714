"""Staff passwords: hashed with Argon2id; accounts made with scrypt before still sign in and move to Argon2id."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from pathlib import Path

from bot.studio.users import UserStore, check_password
from tests.support.studio import CHEAP_HASHER, PASSWORD


def scrypt_hash(password: str) -> str:
    """A hash as the studio made them before Argon2 (`scrypt$n$r$p$salt$hash`), cheap: n=2**10."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1, maxmem=2**26)
    return f"scrypt${2**10}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored(path: Path, name: str) -> str:
    return str(json.loads(path.read_text())[name]["password"])


def test_a_new_account_s_password_is_kept_only_as_an_argon2id_hash(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.json", CHEAP_HASHER)
    users.add("sam", ["editor"], PASSWORD)
    hashed = stored(tmp_path / "users.json", "sam")
    assert hashed.startswith("$argon2id$") and PASSWORD not in (tmp_path / "users.json").read_text()
    assert check_password(PASSWORD, hashed) and not check_password(PASSWORD + "!", hashed)
    assert (tmp_path / "users.json").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_an_account_made_with_scrypt_signs_in_and_its_hash_becomes_argon2id(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"rae": {"roles": ["reviewer"], "password": scrypt_hash(PASSWORD)}}))
    users = UserStore(path, CHEAP_HASHER)
    assert users.authenticate("rae", "not the password at all") is None
    assert stored(path, "rae").startswith("scrypt$")  # a wrong password changes nothing
    user = users.authenticate("rae", PASSWORD)
    assert user is not None and user.can("reviewer")
    assert stored(path, "rae").startswith("$argon2id$")
    assert users.authenticate("rae", PASSWORD) is not None


def test_a_name_without_an_account_and_a_damaged_hash_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"kit": {"roles": ["editor"], "password": "$argon2id$nonsense"}}))
    users = UserStore(path, CHEAP_HASHER)
    assert users.authenticate("kit", PASSWORD) is None
    assert users.authenticate("nobody", PASSWORD) is None
