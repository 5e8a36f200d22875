"""`python -m dashboard users add|list|disable|set-role`: the people who may log in.

The password is read from standard input (first line, for scripts) or asked twice at a terminal;
it is never an argument, so it never shows in the process list or the shell history.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from dashboard.access import audit, users
from dashboard.access.roles import ROLES, AccessError
from dashboard.runtime import Runtime

ACTOR = "cli"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create a user (password from standard input or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--district", action="append", default=[], metavar="CODE", help="district code (repeatable)")
    sub.add_parser("list", help="list users with role, districts and state")
    disable = sub.add_parser("disable", help="stop a user from logging in (open sessions end)")
    disable.add_argument("name")
    role = sub.add_parser("set-role", help="change a user's role and districts")
    role.add_argument("name")
    role.add_argument("--role", choices=ROLES, required=True)
    role.add_argument("--district", action="append", default=[], metavar="CODE")


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccessError("the two passwords differ")
    return first


def describe(user: users.UserRecord) -> str:
    districts = ",".join(user.districts) or "-"
    return f"{user.name}\t{user.role}\t{districts}\t{'active' if user.active else 'disabled'}"


def run(args: argparse.Namespace) -> int:
    engine = Runtime.from_environment().engine
    try:
        if args.action == "list":
            for user in users.list_users(engine):
                print(describe(user))
            return 0
        if args.action == "add":
            user = users.add_user(engine, args.name, read_password(), args.role, args.district)
        elif args.action == "disable":
            user = users.disable_user(engine, args.name)
        else:
            user = users.set_role(engine, args.name, args.role, args.district)
    except AccessError as exc:
        print(f"users {args.action}: {exc}", file=sys.stderr)
        return 2
    audit.record(engine, ACTOR, f"user.{args.action}", user.name, role=user.role, districts=list(user.districts))
    print(describe(user))
    return 0
