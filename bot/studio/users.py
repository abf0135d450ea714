"""Staff accounts: a name, roles, and a password hashed with scrypt (Python's standard library).

Accounts live in `<STUDIO_DATA>/users.json`, written by `survivor-bot studio add-user`. There is
no default account and no default password: the studio refuses to start without an account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

#: What each role may do: an editor edits and submits; a reviewer also approves and publishes; an admin may do all.
ROLES = ("editor", "reviewer", "admin")
#: Staff choose long passwords; a phrase of a few words is easier to remember than symbols.
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
#: scrypt cost: 2**15 rounds with 8 x 128 bytes blocks (about 32 MB and a tenth of a second).
_N, _R, _P = 2**15, 8, 1


class AccountError(ValueError):
    """A name, role or password that can't be used; the message says why."""


@dataclass(frozen=True)
class User:
    """A member of staff: their sign-in name and roles."""

    name: str
    roles: frozenset[str]

    def can(self, role: str) -> bool:
        """Whether the user has `role` (an admin has every role)."""
        return role in self.roles or "admin" in self.roles


def hash_password(password: str, n: int = _N) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=_R, p=_P, maxmem=2**26)
    encode = base64.b64encode
    return f"scrypt${n}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by hash_password (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), maxmem=2**26)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


class UserStore:
    """The accounts file: read on each sign-in, so an account added while the studio runs works at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def names(self) -> list[str]:
        return sorted(self._read())

    def add(self, name: str, roles: list[str], password: str, n: int = _N) -> User:
        """Create or replace an account; raises AccountError for a bad name, role or password."""
        if not _NAME.match(name):
            raise AccountError("a name is 2 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter")
        unknown = sorted(set(roles) - set(ROLES))
        if not roles or unknown:
            raise AccountError(f"roles must be among {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters (a few words work well)")
        data = self._read()
        data[name] = {"roles": sorted(set(roles)), "password": hash_password(password, n)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        # Only its owner may read the hashes.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(temporary, self.path)
        return User(name, frozenset(roles))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, when the name exists and the password matches; None otherwise."""
        record = self._read().get(name)
        if not isinstance(record, dict):
            # Hash anyway, so that a wrong name takes as long as a wrong password.
            check_password(password, _DUMMY_HASH)
            return None
        if not check_password(password, str(record.get("password", ""))):
            return None
        roles = record.get("roles")
        return User(name, frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset())

    def get(self, name: str) -> User | None:
        record = self._read().get(name)
        roles = record.get("roles") if isinstance(record, dict) else None
        return User(name, frozenset(str(r) for r in roles)) if isinstance(roles, list) else None


_DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
