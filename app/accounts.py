"""The `user` commands (SPEC section 13): add an account and print its one-time sign-in link, list the accounts,
disable one (its sessions end at once), and give one a new link (the old one dies).

Only the link's SHA-256 is stored; the link is printed once, on stdout, and lives 72 hours.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from app.tables import print_table, utc
from complaints.model import EMAIL, breaks_line
from config.env import Env
from store import users

MAX_NAME_CHARS = 200
MAX_TELEGRAM_ID_DIGITS = 20


def sign_in_link(public_url: str, secret: str) -> str:
    """The absolute one-time link where a person sets their password."""
    return f"{public_url}/dashboard/welcome?link={secret}"


def account_problem(args: argparse.Namespace, agencies) -> str | None:
    """Why `user add` cannot create this account, or None."""
    email = args.email.strip()
    if len(email) > 254 or breaks_line(email) or not EMAIL.match(email):
        return f'"{args.email}" is not an e-mail address'
    name = args.name.strip()
    if not name or len(name) > MAX_NAME_CHARS or breaks_line(name):
        return f"--name must be one line of 1 to {MAX_NAME_CHARS} characters"
    if args.role == "agency" and not args.agency:
        return "--role agency needs --agency CODE (the agency whose tickets the officer works)"
    if args.role != "agency" and args.agency:
        article = "an" if args.role == "operator" else "a"
        return f"--agency is only for --role agency; {article} {args.role} sees every complaint"
    if args.agency and args.agency not in agencies:
        return f'unknown agency "{args.agency}" (agencies.yaml names {len(agencies)}; see `python main.py rules check`)'
    # isdigit() alone takes "١٢٣" and "²": a Telegram user id is ASCII digits.
    if args.telegram_id is not None and not (args.telegram_id.isascii() and args.telegram_id.isdigit()
                                             and len(args.telegram_id) <= MAX_TELEGRAM_ID_DIGITS):
        return "--telegram-id must be the person's numeric Telegram user id"
    return None


def _new_link() -> tuple[str, str]:
    """A fresh one-time link's secret and the hash it is stored as (the web side's own functions, imported here so
    that the other commands start without aiohttp)."""
    from api.auth import token_hash
    from api.passwords import link_secret

    secret = link_secret()
    return secret, token_hash(secret)


def cmd_user_add(args: argparse.Namespace, env: Env, agencies, db) -> int:
    problem = account_problem(args, agencies)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    secret, digest = _new_link()
    now = datetime.now(timezone.utc)
    exists = (f"error: an account with e-mail {users.normal_email(args.email)} exists; "
              "`python main.py user link EMAIL` gives it a new sign-in link")
    try:
        with db.writer.begin() as conn:
            if users.find_user(conn, args.email) is not None:
                print(exists, file=sys.stderr)
                return 1
            users.add_user(conn, email=args.email, name=args.name.strip(), role=args.role, agency=args.agency,
                           telegram_id=args.telegram_id, link_hash=digest, now=now)
    except IntegrityError:
        # Another `user add` of this address committed between the check and the insert: the unique e-mail held.
        print(exists, file=sys.stderr)
        return 1
    whose = f" of {args.agency}" if args.agency else ""
    print(f"{args.role} account{whose} created for {users.normal_email(args.email)}; send them this one-time link "
          f"to set a password (valid {int(users.LINK_LIFETIME.total_seconds() // 3600)} h, shown only this once):",
          file=sys.stderr)
    print(sign_in_link(env.public_url, secret))
    return 0


def cmd_user_link(args: argparse.Namespace, env: Env, db) -> int:
    secret, digest = _new_link()
    with db.writer.begin() as conn:
        row = users.new_link(conn, args.email, digest, datetime.now(timezone.utc))
    if row is None:
        print(f"error: no account has e-mail {users.normal_email(args.email)} (see `python main.py user list`)",
              file=sys.stderr)
        return 1
    hours = int(users.LINK_LIFETIME.total_seconds() // 3600)
    again = "" if row["active"] else "; the account was disabled and is active again: its old password no longer works"
    print(f"new one-time link for {row['email']} (the earlier one no longer works; valid {hours} h{again}):",
          file=sys.stderr)
    print(sign_in_link(env.public_url, secret))
    return 0


def cmd_user_disable(args: argparse.Namespace, db) -> int:
    with db.writer.begin() as conn:
        row, ended = users.disable_user(conn, args.email, datetime.now(timezone.utc))
    if row is None:
        print(f"error: no account has e-mail {users.normal_email(args.email)} (see `python main.py user list`)",
              file=sys.stderr)
        return 1
    state = "was already disabled" if not row["active"] else "disabled: it can no longer sign in"
    print(f"{row['email']} {state}; {ended} session(s) ended")
    return 0


# The sample accounts of a demonstration (`make run` with ADUAN_DEMO=1): the desk and three offices of the sample
# configuration, from the province down to a Puskesmas. Offices a configuration lacks are left out.
DEMO_ACCOUNTS = (
    ("Rina Wulandari", "operator@demo.aduan.example", "operator", None),
    ("Lalu Muhammad Iqbal", "supervisor@demo.aduan.example", "supervisor", None),
    ("Baiq Nurul Aini", "dinkes-mataram@demo.aduan.example", "agency", "dinkes-mataram"),
    ("Ahmad Zainuddin", "pupr-lotim@demo.aduan.example", "agency", "pupr-lotim"),
    ("Siti Hajar", "puskesmas-ampenan@demo.aduan.example", "agency", "puskesmas-ampenan"),
)


def cmd_user_demo(env: Env, agencies, db) -> int:
    """Create the sample accounts that do not exist yet and print a fresh one-time link for each."""
    now = datetime.now(timezone.utc)
    lines = []
    with db.writer.begin() as conn:
        for name, email, role, agency in DEMO_ACCOUNTS:
            if agency is not None and agency not in agencies:
                continue
            secret, digest = _new_link()
            if users.find_user(conn, email) is None:
                users.add_user(conn, email=email, name=name, role=role, agency=agency, telegram_id=None,
                               link_hash=digest, now=now)
            elif users.new_link(conn, email, digest, now) is None:
                continue  # disabled by someone: stays disabled
            lines.append(f"{role:<10} {agency or '-':<18} {email:<38} {sign_in_link(env.public_url, secret)}")
    print("demo accounts (ADUAN_DEMO=1); open a link to set that account's password (valid 72 h):", file=sys.stderr)
    for line in lines:
        print(line)
    return 0


def cmd_user_list(args: argparse.Namespace, rows) -> int:
    accounts = [{"email": r["email"], "name": r["name"], "role": r["role"], "agency": r["agency"],
                 "active": bool(r["active"]), "telegram_id": r["telegram_id"], "created_at": utc(r["created_at"]),
                 "password_set_at": utc(r["password_set_at"])} for r in rows]
    if args.json:
        print(json.dumps(accounts, ensure_ascii=False, indent=2))
        return 0
    if not accounts:
        print("no accounts; create one with `python main.py user add --name NAME --email EMAIL --role operator`")
        return 0
    print_table(("EMAIL", "NAME", "ROLE", "AGENCY", "STATE", "TELEGRAM", "PASSWORD SET"),
                [(a["email"], a["name"], a["role"], a["agency"] or "-", "active" if a["active"] else "disabled",
                  a["telegram_id"] or "-", a["password_set_at"] or "not yet") for a in accounts])
    return 0


def add_parsers(sub) -> None:
    """The `user` command and its subcommands; each sets `user_command`."""
    u = sub.add_parser("user", help="accounts of the people who sign in",
                       description="Accounts of operators, supervisors and agency officers (SPEC section 13).")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="SUBCOMMAND")
    add = usub.add_parser("add", help="create an account and print its one-time sign-in link",
                          description="Create an account and print on stdout a one-time link (valid 72 h) where the "
                                      "person sets a password of at least 10 characters.")
    add.add_argument("--name", required=True, help="the person's name, as the timeline shows it")
    add.add_argument("--email", required=True, help="the e-mail address they sign in with")
    add.add_argument("--role", required=True, choices=users.ROLES,
                     help="operator: every complaint; supervisor: an operator who also manages accounts; "
                          "agency: its own agency's tickets")
    add.add_argument("--agency", metavar="CODE", help="the agency of an agency officer (agencies.yaml code)")
    add.add_argument("--telegram-id", metavar="ID", help="their numeric Telegram user id (for the group buttons)")
    lst = usub.add_parser("list", help="list the accounts", description="List every account: e-mail, name, role, "
                          "agency, whether it is active, and when its password was set (never a password).")
    lst.add_argument("--json", action="store_true", help="print a JSON array of objects")
    dis = usub.add_parser("disable", help="disable an account and end its sessions at once",
                          description="Disable the account: it can no longer sign in, its link dies and every "
                                      "session of it ends at once.")
    dis.add_argument("email", metavar="EMAIL")
    link = usub.add_parser("link", help="print a new one-time sign-in link (the old one dies)",
                           description="Give an account a new one-time link (valid 72 h) to set a new password, for "
                                       "a new phone or a forgotten password; a disabled account is enabled again "
                                       "(with no password until the link sets one).")
    link.add_argument("email", metavar="EMAIL")
    usub.add_parser("demo", help="create the sample accounts of a demonstration and print their links",
                    description="Create the demonstration's accounts (an operator, a supervisor and officers of "
                                "dinkes-mataram, pupr-lotim and puskesmas-ampenan, where the configuration has "
                                "them) unless they exist, and print a new one-time link for each. `make run` "
                                "runs it when ADUAN_DEMO=1.")
