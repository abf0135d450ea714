"""`python -m bot.studio` (or `make studio`): serve the studio; `add-user NAME --role ROLE` adds an account."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import Optional

from bot.studio.settings import StudioSettings
from bot.studio.users import ROLES, AccountError, UserStore


def add_user(name: str, roles: list[str], password_stdin: bool) -> int:
    """Create (or replace) a staff account; the password is asked twice, or read from standard input."""
    settings = StudioSettings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("The same password again: ") != password:
            print("error: the two passwords differ; nothing was changed", file=sys.stderr)  # noqa: T201
            return 1
    try:
        UserStore(settings.users_file).add(name, roles, password)
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"account {name} ({', '.join(sorted(set(roles)))}) saved in {settings.users_file}")  # noqa: T201
    return 0


def serve() -> int:
    """Run the studio until interrupted, on STUDIO_HOST:STUDIO_PORT (127.0.0.1:8100 by default)."""
    from aiohttp import web

    from bot.studio.app import make_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = StudioSettings()
    app = make_app(settings)
    print(f"content studio: http://{settings.host}:{settings.port}/ (editing {settings.overlay})")  # noqa: T201
    # No access log: staff names stay out of logs too (the audit log records actions).
    web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=None)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="survivor-bot studio", description="The content studio for charity staff.")
    commands = parser.add_subparsers(dest="action")
    commands.add_parser("serve", help="run the studio (the default)")
    add = commands.add_parser("add-user", help="create or replace a staff account")
    add.add_argument("name")
    add.add_argument(
        "--role",
        action="append",
        choices=ROLES,
        required=True,
        help="editor, reviewer or admin; repeat for several (make the first account an admin: it adds the others in the studio)",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input (for scripts)")
    args = parser.parse_args(argv)
    if args.action == "add-user":
        return add_user(args.name, args.role, args.password_stdin)
    return serve()


if __name__ == "__main__":
    sys.exit(main())
