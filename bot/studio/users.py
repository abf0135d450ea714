"""Staff accounts: a name, roles, and a password hashed with Argon2id (argon2-cffi).

Accounts live in `<STUDIO_DATA>/users.json`, written by `survivor-bot studio add-user` (the first
account, an admin) and then by an admin on the studio's Accounts page. There is no default
account and no default password: the studio refuses to start without an account.

Accounts made before Argon2 hold scrypt hashes (`scrypt$n$r$p$salt$hash`, Python's standard
library): they still sign in, and the password is hashed again with Argon2id at that sign-in,
so each account moves over the first time its owner signs in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: What each role may do: an editor edits and submits; a reviewer also approves and publishes; an admin may do all.
ROLES = ("editor", "reviewer", "admin")
#: Staff choose long passwords; a phrase of a few words is easier to remember than symbols.
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
#: Argon2id with argon2-cffi's defaults (RFC 9106's low-memory choice: 64 MiB, 3 passes, 4 lanes).
HASHER = PasswordHasher()
#: The scheme accounts made before Argon2 use: still checked, replaced at the next sign-in.
_SCRYPT = "scrypt$"


class AccountError(ValueError):
    """A name, role or password that can't be used; the message says why and `field` which input it is about."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        #: `name`, `roles` or `password` (the Accounts page shows the message under that field); "" for the whole form.
        self.field = field


def check_name(name: str) -> None:
    """Raise AccountError unless `name` can be an account's name."""
    if not _NAME.match(name):
        raise AccountError("a name is 2 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter", "name")


def check_roles(roles: list[str]) -> None:
    """Raise AccountError unless `roles` is one or more of ROLES."""
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        raise AccountError(f"roles must be among {', '.join(ROLES)}: choose at least one", "roles")


def check_new_password(password: str) -> None:
    """Raise AccountError unless `password` is long enough to be a new password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters (a few words work well)", "password")


@dataclass(frozen=True)
class User:
    """A member of staff: their sign-in name and roles."""

    name: str
    roles: frozenset[str]

    def can(self, role: str) -> bool:
        """Whether the user has `role` (an admin has every role)."""
        return role in self.roles or "admin" in self.roles


def hash_password(password: str, hasher: Optional[PasswordHasher] = None) -> str:
    """An Argon2id hash in the PHC string form (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`): its parameters travel with it."""
    return (hasher or HASHER).hash(password)


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`: an Argon2 hash, or an scrypt one made before Argon2 (compared in constant time)."""
    if stored.startswith(_SCRYPT):
        return _check_scrypt(password, stored)
    try:
        return bool(HASHER.verify(stored, password))  # the parameters are read from the hash itself
    except (VerificationError, InvalidHashError):
        return False


def _check_scrypt(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), maxmem=2**26)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def needs_new_hash(stored: str) -> bool:
    """Whether a hash that matched should be replaced: any that is not Argon2id (the scrypt ones of before)."""
    return not stored.startswith("$argon2id$")


class UserStore:
    """The accounts file: read on each sign-in, so an account added while the studio runs works at once."""

    def __init__(self, path: Path, hasher: Optional[PasswordHasher] = None) -> None:
        self.path = path
        #: How new passwords are hashed (tests use a cheap one; checking reads the parameters from each hash).
        self.hasher = hasher or HASHER
        # Each read-change-write of the file holds this (the app hashes in worker threads); hashing happens outside it.
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def names(self) -> list[str]:
        return sorted(self._read())

    def accounts(self) -> list[User]:
        """Every account (name and roles only), by name."""
        return [user for name in self.names() if (user := self.get(name)) is not None]

    def add(self, name: str, roles: list[str], password: str, replace: bool = True) -> User:
        """Create (or, with `replace`, replace) an account; raises AccountError for a bad name, role or password."""
        check_name(name)
        check_roles(roles)
        check_new_password(password)
        hashed = hash_password(password, self.hasher)
        with self._lock:
            data = self._read()
            if name in data and not replace:
                raise AccountError("there is already an account with this name", "name")
            data[name] = {"roles": sorted(set(roles)), "password": hashed}
            self._write(data)
        return User(name, frozenset(roles))

    def set_roles(self, name: str, roles: list[str]) -> User:
        """Change an account's roles; the last admin keeps the admin role (someone must be able to manage accounts)."""
        check_roles(roles)
        with self._lock:
            data = self._read()
            record = data.get(name)
            if not isinstance(record, dict):
                raise AccountError("there is no such account")
            if "admin" not in roles and self._admins(data) == [name]:
                raise AccountError("this is the only admin: give another account the admin role first", "roles")
            data[name] = {**record, "roles": sorted(set(roles))}
            self._write(data)
        return User(name, frozenset(roles))

    def set_password(self, name: str, password: str) -> None:
        """Give an account a new password (an admin's reset); raises AccountError for a short one or no such account."""
        check_new_password(password)
        hashed = hash_password(password, self.hasher)
        with self._lock:
            data = self._read()
            record = data.get(name)
            if not isinstance(record, dict):
                raise AccountError("there is no such account")
            data[name] = {**record, "password": hashed}
            self._write(data)

    def remove(self, name: str) -> None:
        """Remove an account; the last admin is never removed."""
        with self._lock:
            data = self._read()
            if name not in data:
                raise AccountError("there is no such account")
            if self._admins(data) == [name]:
                raise AccountError("this is the only admin, so it can't be removed")
            del data[name]
            self._write(data)

    @staticmethod
    def _admins(data: dict[str, dict[str, object]]) -> list[str]:
        return sorted(
            name
            for name, record in data.items()
            if isinstance(record, dict) and isinstance(roles := record.get("roles"), list) and "admin" in roles
        )

    def _write(self, data: dict[str, dict[str, object]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        # Only its owner may read the hashes.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(temporary, self.path)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, when the name exists and the password matches; None otherwise."""
        record = self._read().get(name)
        if not isinstance(record, dict):
            # Hash anyway, so that a wrong name takes as long as a wrong password.
            check_password(password, _DUMMY_HASH)
            return None
        stored = str(record.get("password", ""))
        if not check_password(password, stored):
            return None
        if needs_new_hash(stored):  # an scrypt hash of before: replaced by Argon2id now that the password is known
            hashed = hash_password(password, self.hasher)
            with self._lock:
                data = self._read()
                if isinstance(data.get(name), dict) and data[name].get("password") == stored:
                    data[name] = {**data[name], "password": hashed}
                    self._write(data)
        roles = record.get("roles")
        return User(name, frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset())

    def get(self, name: str) -> User | None:
        """The account's name and roles, or None when there is no such account."""
        record = self._read().get(name)
        roles = record.get("roles") if isinstance(record, dict) else None
        return User(name, frozenset(str(r) for r in roles)) if isinstance(roles, list) else None


#: An Argon2id hash of a random phrase nobody knows, at the default cost: checked for a name without an account.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$h3IqbMvboWH5X3l1lQTUjw$frNlhcUR++KM6O/CmCIqhp983X1NG29XQaid5ioR4x8"
