"""Aduan's composition root and command line: serve, db upgrade, backup, rules check, route, token create/list/revoke,
user add/list/disable/link, sweep, stats, export."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import datetime, timedelta, timezone

from config.env import Env
from app.build import channel_names, display_names, environment
from app.tables import utc
from config.loader import LoadResult, load_config


def _load_or_exit(env: Env) -> LoadResult:
    result = load_config(env.config_dir, channels=channel_names())
    for line in result.errors:
        print(f"error: {line}", file=sys.stderr)
    if result.config is None:
        print(f"configuration in {env.config_dir!r} has errors; see `python main.py rules check`", file=sys.stderr)
        raise SystemExit(1)
    return result


def build_runtime(env: Env, config=None):
    """Wire database, router, intake and limiter into one Runtime."""
    from app.build import build_runtime as build

    return build(env, config or _load_or_exit(env).config)


def cmd_serve(args: argparse.Namespace, env: Env) -> int:
    from aiohttp import web

    from app.server import DRAIN_SECONDS, address_problem, create_app, listening_socket
    from config.logging import configure
    from store.migrate import pending

    configure(os.environ.get("ADUAN_LOG_LEVEL", "INFO"))
    import structlog

    log = structlog.get_logger("serve")
    host = args.host or env.host
    port = args.port or env.port
    # The address first, before the writer child, the workers or the database are touched: a port taken is one line.
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        print(address_problem(host, port, exc), file=sys.stderr)
        return 1
    result = _load_or_exit(env)
    for line in result.warnings:
        log.warning("config.warning", detail=line)
    runtime = build_runtime(env, result.config)
    try:
        current, head = pending(runtime.db)
    except Exception as exc:
        print(f"cannot reach the database: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if current != head:
        print(f"the database is at revision {current or 'none'}, the code needs {head}: run `python main.py db upgrade` first",
              file=sys.stderr)
        return 1
    app = create_app(runtime)

    async def on_startup(_app):
        loop = asyncio.get_running_loop()

        def reload():
            ok, errors, _warnings = runtime.reload()
            for line in errors:
                log.warning("config.error", detail=line)

        loop.add_signal_handler(signal.SIGHUP, reload)
        log.info("serve.started", host=env.host, port=env.port, config_version=runtime.config.version,
                 database=runtime.db.dialect)

    app.on_startup.append(on_startup)
    # SIGTERM (and SIGINT): stop accepting, let the requests in flight finish (up to DRAIN_SECONDS), then the cleanup
    # contexts in reverse: the sweep's scheduler, the media fetcher and the outbox worker (each finishing or releasing
    # what it holds), the intake writer drained last.
    web.run_app(app, sock=sock, access_log=None, print=None, shutdown_timeout=DRAIN_SECONDS)
    runtime.db.dispose()
    log.info("serve.stopped", host=host, port=port)
    return 0


def cmd_db_upgrade(_args: argparse.Namespace, env: Env) -> int:
    from store.db import open_database
    from store.migrate import pending, upgrade

    db = open_database(env.database_url)
    upgrade(db)
    current, _head = pending(db)
    print(f"database is at revision {current}")
    db.dispose()
    return 0


def cmd_backup(args: argparse.Namespace, env: Env) -> int:
    from store.backup import BackupError, backup

    try:
        written = backup(env.database_url, args.path, force=args.force, pg_dump=args.pg_dump)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.command:
            print(exc.command)
        return exc.exit_code
    print(written.describe())
    return 0


def cmd_rules_check(_args: argparse.Namespace, env: Env) -> int:
    result = load_config(env.config_dir, channels=channel_names())
    for line in result.errors:
        print(line)
    for line in result.warnings:
        print(f"{line} (warning)")
    if result.config is None:
        print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)", file=sys.stderr)
        return 1
    cfg = result.config
    print(f"ok: {len(cfg.regions)} regions, {len(cfg.agencies)} agencies, {len(cfg.rules)} rules; "
          f"version {cfg.version}; {len(result.warnings)} warning(s)")
    return 0


def cmd_route(args: argparse.Namespace, env: Env) -> int:
    from router import UnknownRegion, compile_router

    config = _load_or_exit(env).config
    router = compile_router(config)
    try:
        decision = router.route(args.text, region=args.region, channel=args.channel, kind=args.kind)
    except UnknownRegion as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(decision.as_dict(), ensure_ascii=False))
        return 0
    print(f"agency:   {decision.agency} ({decision.agency_name})" + ("  [triage]" if decision.status == "triage" else ""))
    print(f"rule:     {decision.rule or '(none)'}")
    print(f"matched:  {', '.join(decision.matched) or '-'}")
    print(f"service:  {decision.service or '-'}")
    print(f"region:   {decision.region} ({decision.region_name}), {decision.region_source}")
    print(f"category: {decision.category or '-'}   priority: {decision.priority}   kind: {decision.kind}")
    print("why:")
    for step in decision.steps:
        print(f"  - {step}")
    return 0


def cmd_token_create(args: argparse.Namespace, env: Env) -> int:
    from api.auth import new_token, token_hash
    from store.access import add_token

    role = "agency" if args.agency else "operator"
    if args.agency:
        config = _load_or_exit(env).config
        if args.agency not in config.agencies:
            print(f'error: unknown agency "{args.agency}"', file=sys.stderr)
            return 2
    token = new_token()
    now = datetime.now(timezone.utc)
    expires_at = now + args.expires if args.expires else None
    db = _migrated_database(env)
    try:
        with db.writer.begin() as conn:
            token_id = add_token(conn, token_hash(token), role, args.agency, args.label, now, expires_at)
    finally:
        db.dispose()
    until = f"expires {utc(expires_at)}" if expires_at else "does not expire"
    print(f"{role} token {token_id} created ({until}); it is shown only this once and stored only as a hash",
          file=sys.stderr)
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace, env: Env) -> int:
    from store.access import list_tokens

    rows = _read_store(env, list_tokens)
    now = datetime.now(timezone.utc)
    tokens = [{"id": r["id"], "label": r["label"], "role": r["role"], "agency": r["agency"],
               **{k: utc(r[k]) for k in ("created_at", "last_used_at", "expires_at", "revoked_at")}} for r in rows]
    if args.json:
        print(json.dumps(tokens, ensure_ascii=False, indent=2))
        return 0
    if not tokens:
        print("no tokens; create one with `python main.py token create`")
        return 0

    def state(row) -> str:
        if row["revoked_at"] is not None:
            return "revoked"
        return "expired" if row["expires_at"] is not None and row["expires_at"] <= now else "active"

    from app.tables import print_table

    print_table(("ID", "ROLE", "AGENCY", "LABEL", "STATE", "CREATED", "LAST USED", "EXPIRES"),
                [(str(t["id"]), t["role"], t["agency"] or "-", t["label"] or "-", state(r), t["created_at"],
                  t["last_used_at"] or "never", t["expires_at"] or "never") for t, r in zip(tokens, rows)])
    return 0


def cmd_token_revoke(args: argparse.Namespace, env: Env) -> int:
    from store.access import revoke_token

    db = _migrated_database(env)
    try:
        with db.writer.begin() as conn:
            row, ended = revoke_token(conn, args.id, datetime.now(timezone.utc))
    finally:
        db.dispose()
    if row is None:
        print(f"error: no token has id {args.id} (see `python main.py token list`)", file=sys.stderr)
        return 1
    name = f"token {row['id']}" + (f" ({row['label']})" if row["label"] else "")
    sessions = f"{ended} dashboard session(s) ended"
    if row["revoked_at"] is not None:
        print(f"{name} was already revoked at {utc(row['revoked_at'])}; {sessions}")
    else:
        print(f"{name} revoked; API calls with it now get 401; {sessions}")
    return 0


def cmd_user(args: argparse.Namespace, env: Env) -> int:
    from app import accounts
    from store.users import list_users

    if args.user_command == "list":
        return accounts.cmd_user_list(args, _read_store(env, list_users))
    agencies = _load_or_exit(env).config.agencies if args.user_command in ("add", "demo") else None
    db = _migrated_database(env)
    try:
        if args.user_command == "add":
            return accounts.cmd_user_add(args, env, agencies, db)
        if args.user_command == "link":
            return accounts.cmd_user_link(args, env, db)
        if args.user_command == "demo":
            return accounts.cmd_user_demo(env, agencies, db)
        return accounts.cmd_user_disable(args, db)
    finally:
        db.dispose()


def cmd_stats(args: argparse.Namespace, env: Env) -> int:
    from reports.compute import InputError, compute, read_request
    from reports.render import table, to_csv, to_json

    config = _load_or_exit(env).config
    now = datetime.now(timezone.utc)
    try:
        asked = read_request(config, args.since, args.until, args.by, args.min_count, now)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stats = _read_store(env, lambda conn: compute(conn, config, asked.period, asked.by, now, asked.min_count,
                                                          display_names("id")))
    if args.format == "json":
        sys.stdout.write(to_json(stats))
    elif args.format == "csv":
        sys.stdout.write(to_csv(stats))
    else:
        sys.stdout.write(table(stats))
    return 0


def cmd_export(args: argparse.Namespace, env: Env) -> int:
    from reports.export import write_export
    from reports.period import PeriodError, parse_period

    config = _load_or_exit(env).config
    try:
        period = parse_period(args.since, args.until, config.regions[config.root].timezone, datetime.now(timezone.utc))
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    def export(conn) -> int:
        if not args.output:
            return write_export(conn, config, period, sys.stdout)
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            return write_export(conn, config, period, out)

    count = _read_store(env, export)
    print(f"{count} complaint(s) received {period.since.isoformat()} to {period.until.isoformat()} exported", file=sys.stderr)
    return 0


def _migrated_database(env: Env):
    """Open the store, or exit with what to do when it is unreachable or behind the code's migrations."""
    from store.db import open_database
    from store.migrate import pending

    db = open_database(env.database_url)
    try:
        current, head = pending(db)
    except Exception as exc:
        db.dispose()
        print(f"cannot reach the database: {str(exc).splitlines()[0]}", file=sys.stderr)
        raise SystemExit(1) from None
    if current != head:
        db.dispose()
        print(f"the database is at revision {current or 'none'}, the code needs {head}: run `python main.py db upgrade` first",
              file=sys.stderr)
        raise SystemExit(1)
    return db


def _read_store(env: Env, read):
    """Run `read(connection)` on the migrated store and close it."""
    db = _migrated_database(env)
    try:
        with db.reader.connect() as conn:
            return read(conn)
    finally:
        db.dispose()


def _moment(value: str, tz: str) -> datetime:
    """An ISO 8601 time; without an offset it is local time in zone `tz`."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(timezone.utc)


def cmd_sweep(args: argparse.Namespace, env: Env) -> int:
    from zoneinfo import ZoneInfo

    from config.logging import configure
    from sweep.job import history, run_sweep
    from sweep.report import as_dict, describe, history_table

    configure(os.environ.get("ADUAN_LOG_LEVEL", "WARNING"), stream=sys.stderr)  # the summary goes to stdout
    config = _load_or_exit(env).config
    tz = config.regions[config.root].timezone
    zone = ZoneInfo(tz)
    as_of = None
    if args.at:
        try:
            as_of = _moment(args.at, tz)
        except (ValueError, OverflowError):
            print(f"error: --at must be an ISO 8601 time such as 2026-11-24T16:00 (local, {tz}) or "
                  f"2026-11-24T08:00:00Z, not {args.at!r}", file=sys.stderr)
            return 2
    db = _migrated_database(env)
    try:
        if args.history:
            with db.reader.connect() as conn:
                sweeps = history(conn, args.limit)
            if args.json:
                print(json.dumps([{**{k: s[k] for k in ("id", "trigger", "instance", "counts", "error")},
                                   **{k: s[k].astimezone(zone).isoformat(timespec="seconds") if s[k] else None
                                      for k in ("as_of", "started_at", "finished_at")}} for s in sweeps],
                                 ensure_ascii=False, indent=2))
            else:
                sys.stdout.write(history_table(sweeps, zone))
            return 0
        result = run_sweep(db, config, public_url=env.public_url, as_of=as_of, dry_run=args.dry_run)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(as_dict(result, zone), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(describe(result, zone))
    return 3 if result.skipped else 0


def cmd_telegram_set_webhook(_args: argparse.Namespace, env: Env) -> int:
    from channels.telegram.settings import TelegramSettings
    from channels.telegram.setup import SetupError, set_webhook

    try:
        print(set_webhook(env.settings("telegram", TelegramSettings), env.public_url))
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


MAX_TOKEN_DAYS = 3650


def _duration(value: str) -> timedelta:
    """A lifetime written as a number of days or hours: `90d`, `12h`."""
    number, unit = value[:-1], value[-1:].lower()
    if not (number.isascii() and number.isdigit() and len(number) <= 6 and unit in ("d", "h")) or int(number) < 1:
        raise argparse.ArgumentTypeError(f"write a number of days or hours such as 90d or 12h, not {value!r}")
    if int(number) > (MAX_TOKEN_DAYS if unit == "d" else MAX_TOKEN_DAYS * 24):
        raise argparse.ArgumentTypeError(f"at most {MAX_TOKEN_DAYS}d (ten years), not {value!r}")
    return timedelta(days=int(number)) if unit == "d" else timedelta(hours=int(number))


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _add_period(command: argparse.ArgumentParser) -> None:
    """Give a command the period it reads: --since and --until, local dates, both days included."""
    command.add_argument("--since", metavar="DATE", help="first day, YYYY-MM-DD (default: the first day of --until's month)")
    command.add_argument("--until", metavar="DATE", help="last day, included, YYYY-MM-DD (default: today)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python main.py", description="Aduan: citizens' complaints, every channel in, routed to the agency in charge.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="serve the API, the form and the webhooks", description="Serve on ADUAN_HOST:ADUAN_PORT (default 127.0.0.1:8080). SIGHUP reloads the config; SIGTERM drains and stops.")
    s.add_argument("--host", help="override ADUAN_HOST")
    s.add_argument("--port", type=int, help="override ADUAN_PORT")
    s.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database commands", description="Database commands.")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    up = dbsub.add_parser("upgrade", help="apply the migrations (ADUAN_DATABASE_URL)", description="Apply the Alembic migrations to ADUAN_DATABASE_URL.")
    up.set_defaults(func=cmd_db_upgrade)

    b = sub.add_parser("backup", help="write a backup of the store to PATH while the service runs",
                       description="SQLite: copy the database with SQLite's online backup (safe while `serve` writes) "
                                   "to PATH.tmp, check it, then rename it to PATH. PostgreSQL: print the pg_dump command "
                                   "to run and exit 2, or run it with --pg-dump.")
    b.add_argument("path", metavar="PATH", help="the backup file to write")
    b.add_argument("--force", action="store_true", help="replace PATH if it exists")
    b.add_argument("--pg-dump", action="store_true", help="PostgreSQL: run pg_dump --format=custom to PATH")
    b.set_defaults(func=cmd_backup)

    rules = sub.add_parser("rules", help="routing rules commands", description="Routing rules commands.")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    check = rsub.add_parser("check", help="validate the YAML in ADUAN_CONFIG_DIR", description="Validate every YAML file against its schema and against each other; print each problem as file:line: message; exit 1 on errors (warnings do not fail).")
    check.set_defaults(func=cmd_rules_check)

    r = sub.add_parser("route", help="show where a complaint would go and why", description="Route TEXT with the rules in ADUAN_CONFIG_DIR and explain the decision.")
    r.add_argument("text", metavar="TEXT")
    r.add_argument("--region", help="region code given by the channel or form")
    r.add_argument("--channel", choices=channel_names())
    r.add_argument("--kind", default="complaint", choices=("complaint", "aspiration", "inquiry"))
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=cmd_route)

    t = sub.add_parser("token", help="API token commands", description="API token commands.")
    tsub = t.add_subparsers(dest="token_command", required=True, metavar="SUBCOMMAND")
    tc = tsub.add_parser("create", help="create an operator (or --agency) token; printed once", description="Create an API token, print it once and store only its SHA-256.")
    tc.add_argument("--agency", metavar="CODE", help="an agency token for this agency code (default: an operator token)")
    tc.add_argument("--label", help="a note on whose token this is")
    tc.add_argument("--expires", type=_duration, metavar="90d|12h",
                    help="refuse the token after this many days (d) or hours (h) (default: until revoked)")
    tc.set_defaults(func=cmd_token_create)
    tl = tsub.add_parser("list", help="list the tokens (never the tokens themselves)",
                         description="List every API token: id, label, role, agency, when it was created, last used, "
                                     "expires and was revoked (times in UTC). Neither a token nor its hash is shown.")
    tl.add_argument("--json", action="store_true", help="print a JSON array of objects")
    tl.set_defaults(func=cmd_token_list)
    tr = tsub.add_parser("revoke", help="revoke a token at once and end its dashboard sessions",
                         description="Revoke the token with this id (from `token list`): every API call with it gets "
                                     "401 from now on, and the dashboard sessions opened with it end.")
    tr.add_argument("id", type=_positive, metavar="ID", help="the token's id, as `token list` shows it")
    tr.set_defaults(func=cmd_token_revoke)
    from app.accounts import add_parsers as add_user_parsers

    add_user_parsers(sub)
    sub.choices["user"].set_defaults(func=cmd_user)
    st = sub.add_parser("stats", help="statistics of a period (as GET /api/v1/stats)",
                        description="Count the complaints received from --since to --until (local dates, both days included): "
                                    "received, resolved, rejected, in process, overdue, share within SLA and median hours, "
                                    "by group, with a ranking of the fastest groups.")
    _add_period(st)
    st.add_argument("--by", default="agency", choices=("region", "agency", "category", "channel", "kind"), help="group by (default agency)")
    st.add_argument("--format", default="table", choices=("table", "csv", "json"), help="output (default table)")
    st.add_argument("--min-count", type=_positive, default=5, metavar="N",
                    help="rank only groups with at least N resolved complaints (default 5)")
    st.set_defaults(func=cmd_stats)
    ex = sub.add_parser("export", help="CSV of the complaints received in a period",
                        description="Write one CSV row per complaint received from --since to --until (local dates, both days "
                                    "included); no identity of anonymous reporters, no text of confidential complaints.")
    _add_period(ex)
    ex.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    ex.set_defaults(func=cmd_export)
    sw = sub.add_parser("sweep", help="run the triage sweep once, or list past sweeps",
                        description="Run one triage sweep (SPEC section 9) as if at --at (default now) and print what it did: "
                                    "re-routed from triage, overdue marked, escalated, closed, deliveries requeued, digests "
                                    "queued. Exit 3 when another instance is sweeping.")
    sw.add_argument("--at", metavar="ISO-TIME", help="sweep as if at this time (no offset: the root region's local time)")
    sw.add_argument("--dry-run", action="store_true", help="decide and print, write nothing")
    sw.add_argument("--history", action="store_true", help="list past sweeps with their counts instead")
    sw.add_argument("--limit", type=_positive, default=20, metavar="N", help="with --history: the latest N (default 20)")
    sw.add_argument("--json", action="store_true", help="print JSON")
    sw.set_defaults(func=cmd_sweep)
    tg = sub.add_parser("telegram", help="Telegram bot commands", description="Telegram bot commands.")
    tgsub = tg.add_subparsers(dest="telegram_command", required=True, metavar="SUBCOMMAND")
    hook = tgsub.add_parser(
        "set-webhook", help="register <ADUAN_PUBLIC_URL>/webhooks/telegram with the bot's secret",
        description="Register the webhook with Telegram (setWebhook) using ADUAN_TELEGRAM_TOKEN, ADUAN_TELEGRAM_SECRET and ADUAN_PUBLIC_URL.",
    )
    hook.set_defaults(func=cmd_telegram_set_webhook)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args, environment())


if __name__ == "__main__":
    sys.exit(main())
