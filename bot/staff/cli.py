"""The staff command line: `python -m bot.staff <command>` (see `--help` of each command).

Every command works on the same store functions as the dashboard, exits 0 on success, and on bad
input prints one clear line to stderr and exits 1 (2 for bad settings or usage), storing nothing.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.booking.contact import phone_with_extension
from bot.booking.patient import patient_label
from bot.ops.retention import (
    StoreUnavailable,
    compact_sqlite,
    count_conversations,
    purge_conversations,
    remove_files,
    spool_files_to_purge,
    tracker_engine,
)
from bot.request_service import change_status
from bot.settings import SettingsError, get_settings
from bot.staff.export import write_csv
from bot.staff.passwords import hash_password, password_problem
from bot.store.channel_languages import purge_channel_languages
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.requests import (
    PURGE_ACTION,
    RequestFilter,
    StoreError,
    all_matching,
    count_older_than,
    purge_older_than,
    require_request,
    search_requests,
    status_history,
)
from bot.store.schema import REQUEST_LANGUAGES, STATUSES
from bot.store.spool import Spool
from bot.store.staff import create_api_key, create_user, disable_user, record_access, revoke_api_key

ACTOR = "staff-cli"


class CliError(Exception):
    """Bad input; the message is printed as it is."""


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-12-03") from None


def _days(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of days")
    return int(value)


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*(str(c) for c in row)) for row in rows]
    return "\n".join(out)


def _read_password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise CliError("the passwords do not match")
    return first


def cmd_user_add(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    password = _read_password(args.password_stdin, stdin)
    if problem := password_problem(password):
        raise CliError(problem)
    with uow() as session:
        user = create_user(session, args.name, hash_password(password))
        out.write(f"Created staff user '{user.username}'.\n")


def cmd_user_disable(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        user = disable_user(session, args.name)
        out.write(f"Disabled '{user.username}'; their sessions have ended.\n")


def cmd_api_key_create(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        key = create_api_key(session, args.name)
    out.write(f"API key for '{args.name}' (shown once, store it safely):\n{key}\n")


def cmd_api_key_revoke(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        revoke_api_key(session, args.name)
    out.write(f"Revoked the API key '{args.name}'.\n")


def _filter(args: argparse.Namespace) -> RequestFilter:
    return RequestFilter(
        status=args.status,
        date_from=args.date_from,
        date_to=args.date_to,
        text=args.search,
        language=args.language,
    )


def cmd_list(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        rows, total = search_requests(session, _filter(args), page=1, per_page=args.limit)
        lines = [
            [
                r.reference,
                r.status,
                r.kind,
                r.full_name,
                r.phone or r.email or "",
                r.preferred_date.isoformat() if r.preferred_date else "",
                r.preferred_time or "",
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                r.language,
            ]
            for r in rows
        ]
    headers = ["REFERENCE", "STATUS", "KIND", "NAME", "CONTACT", "DATE", "TIME", "CREATED (UTC)", "LANGUAGE"]
    out.write(table(lines, headers) + f"\n{len(lines)} of {total} request(s)\n")


def cmd_show(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        r = require_request(session, args.reference)
        fields = [
            ("Reference", r.reference),
            ("Kind", r.kind),
            ("Status", r.status),
            ("Name", r.full_name),
            ("Patient", patient_label(r.patient_name, r.patient_relation) or "-"),
            ("Phone", phone_with_extension(r.phone, r.phone_extension) or "-"),
            ("E-mail", r.email or "-"),
            ("Language", r.language),
            ("Preferred date", r.preferred_date.isoformat() if r.preferred_date else "-"),
            ("Time of day", r.preferred_time or "-"),
            ("Reason", r.reason or "-"),
            ("Their words", r.reason_text or "-"),
            ("Channel", r.channel or "-"),
            ("Consent", r.consent_at.isoformat() if r.consent_at else "-"),
            ("Created", r.created_at.isoformat()),
            ("Staff note", r.staff_note or "-"),
        ]
        out.write("\n".join(f"{label + ':':<16}{value}" for label, value in fields) + "\n\nHistory:\n")
        for change in status_history(session, r):
            move = f"{change.from_status or '-'} -> {change.to_status}"
            note = f"  ({change.note})" if change.note else ""
            out.write(f"  {change.created_at:%Y-%m-%d %H:%M}  {move:<24} by {change.actor}{note}\n")


def cmd_set_status(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    request = change_status(uow, args.settings, args.reference, args.status, actor=ACTOR, note=args.note)
    out.write(f"{request.reference} is now '{request.status}'.\n")


def cmd_export(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    with uow() as session:
        rows = all_matching(session, _filter(args))
        if args.output:
            with open(args.output, "w", newline="", encoding="utf-8") as handle:
                count = write_csv(rows, handle)
            out.write(f"Wrote {count} request(s) to {args.output}.\n")
        else:
            write_csv(rows, out)


def cmd_purge(uow: UnitOfWork, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> None:
    """Count everything first (both databases must answer, or nothing is deleted), record the plan,
    then delete: the appointment store, the tracker store, the spool."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=args.older_than)
    spool = Spool(args.settings.spool_dir)
    tracker = tracker_engine(args.settings.tracker_database_url)
    try:
        try:
            with uow() as session:
                counts = count_older_than(session, cutoff)
                files, spooled = spool_files_to_purge(spool, session, cutoff)
        except SQLAlchemyError as error:
            raise CliError(
                f"the appointment database (DATABASE_URL) is not available ({type(error).__name__}); "
                "nothing was deleted"
            ) from None
        try:
            conversations = count_conversations(tracker, cutoff)
        except StoreUnavailable as error:
            raise CliError(f"{error}; nothing was deleted") from None
        plan = (
            f"cutoff {cutoff:%Y-%m-%d %H:%M} UTC ({args.older_than} days): {counts.describe()}; "
            f"{conversations.describe()}; {spooled.describe()}"
        )
        if not args.yes:
            out.write(f"Purge everything older than {args.older_than} days?\n  {plan}\n[y/N] ")
            out.flush()
            if stdin.readline().strip().lower() not in ("y", "yes"):
                out.write("Nothing deleted.\n")
                return
        with uow() as session:  # the record comes first, committed, and is never purged
            record_access(session, ACTOR, PURGE_ACTION, None, f"planned: {plan}")
        out.write(f"Purging (recorded): {plan}\n")
        out.flush()
        try:
            with uow() as session:
                purge_older_than(session, cutoff)
                purge_channel_languages(session, cutoff)
            if uow.engine.dialect.name == "sqlite":
                compact_sqlite(uow.engine)
        except SQLAlchemyError as error:
            raise CliError(
                f"the appointment database failed during the purge ({type(error).__name__}); nothing "
                "more was deleted: run the purge again"
            ) from None
        try:
            purge_conversations(tracker, cutoff)
        except StoreUnavailable as error:
            raise CliError(
                f"{error}: the appointment store is purged, the conversations are not; run the purge again"
            ) from None
        remove_files(files)
    finally:
        if tracker is not None:
            tracker.dispose()
    out.write("Purge done.\n")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bot.staff", description="Staff tools for appointment requests."
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    user = commands.add_parser("user", help="staff users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create a staff user (password from a prompt or --password-stdin)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=cmd_user_add)
    disable = user.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("name")
    disable.set_defaults(run=cmd_user_disable)

    keys = commands.add_parser("api-key", help="integrators' API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="create a key (printed once)")
    create.add_argument("name")
    create.set_defaults(run=cmd_api_key_create)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("name")
    revoke.set_defaults(run=cmd_api_key_revoke)

    def filters(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--status", choices=STATUSES)
        sub.add_argument("--language", choices=REQUEST_LANGUAGES, help="the conversation's language")
        sub.add_argument("--from", dest="date_from", type=_day, help="preferred date from (YYYY-MM-DD)")
        sub.add_argument("--to", dest="date_to", type=_day, help="preferred date to (YYYY-MM-DD)")
        sub.add_argument("--search", help="name, phone, e-mail or reference contains")

    listing = commands.add_parser("list", help="list requests, newest first")
    filters(listing)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=cmd_list)
    show = commands.add_parser("show", help="one request with its history")
    show.add_argument("reference")
    show.set_defaults(run=cmd_show)
    status = commands.add_parser("set-status", help="move a request to another status")
    status.add_argument("reference")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--note")
    status.set_defaults(run=cmd_set_status)
    export = commands.add_parser("export", help="CSV of the (filtered) requests")
    filters(export)
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(run=cmd_export)
    purge = commands.add_parser(
        "purge", help="delete requests, conversations, access events and notifications older than DAYS"
    )
    purge.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(run=cmd_purge)
    return main


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, stdin: TextIO = sys.stdin) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    args.settings = settings
    engine = make_engine(settings.database_url)
    try:
        upgrade(settings.database_url)
        args.run(UnitOfWork(engine), args, out, stdin)
        return 0
    except (CliError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"error: the database is not available ({type(error).__name__})", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        engine.dispose()
