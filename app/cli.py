"""The command line: `run_bot.py [run|check|preview|migrate|worker|patient]`, one wiring point."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from app.settings import Settings, SettingsError, load_settings
from core.content import Content
from core.course import CourseTexts, course_messages
from core.local_time import parse_local_minute, zone_named
from core.plans import plan_enrollment
from core.preview import format_plan
from core.quiet_hours import QuietHours
from core.texts.catalog import install
from core.texts.patient import missing_translations
from storage.content_loader import MAX_SESSION_NUMBER, read_content
from storage.text_catalogs import read_catalogs

# Exit codes: 1 = the thing checked is wrong / the command failed, 2 = bad usage or settings.
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

BOTFATHER_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the bot cannot connect to Telegram.

First run, three values:
1. TELEGRAM_BOT_TOKEN: open Telegram, talk to @BotFather, send /newbot and follow its
   questions; it answers with a token that looks like 123456789:AAH...
2. STAFF_ADMIN_IDS: your Telegram user id (comma-separated for several admins). Start
   the bot with the token alone, send it /myid and it answers with your id.
3. STAFF_ALERT_CHAT_ID: the staff group that gets alerts. Add the bot to the group and
   send /myid there: it answers with the group's chat id (a negative number).

Set them in the environment (the token never in a committed file) and start again:

    export TELEGRAM_BOT_TOKEN=123456789:AAH...
    export STAFF_ADMIN_IDS=123456789
    export STAFF_ALERT_CHAT_ID=-1001234567890
    ./scripts/run-bot
"""


class CommandError(Exception):
    """A failure the user can fix; its message is printed as is, with this exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_bot.py",
        description="Aftercare bot. Without a command it runs the bot.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the default)")
    check = commands.add_parser("check", help="validate settings and all content files")
    check.add_argument(
        "--strict", action="store_true", help="fail on warnings too (e.g. a missing translation)"
    )
    preview = commands.add_parser("preview", help="print every message a protocol would send")
    preview.add_argument("protocol", help="protocol id, e.g. micro-mesotherapy-face")
    preview.add_argument("--session", help='session start "YYYY-MM-DD HH:MM" (default: now)')
    preview.add_argument("--tz", help="patient time zone (default: clinic.timezone)")
    preview.add_argument("--lang", help="language code (default: clinic.default_language)")
    preview.add_argument(
        "--number", type=int, default=1, metavar="N",
        help="which session of the protocol's course this is (default 1): steps for other "
        "sessions are left out, and the recall or outcome follows the course",
    )
    preview.add_argument(
        "--enrolled",
        help='when the patient is enrolled, "YYYY-MM-DD HH:MM" in the --tz zone '
        "(default: now, or the session start if that is already past)",
    )
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("worker", help="run delivery only (no update handling)")
    patient = commands.add_parser("patient", help="a patient's data: export or forget")
    action = patient.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("export", "print everything stored"), ("forget", "erase personal data")):
        sub = action.add_parser(name, help=f"{text} about a patient")
        sub.add_argument("patient_id", type=int, help="the patient's id (see /patients)")
    return parser


def _content(settings: Settings, out: TextIO) -> Content:
    """The validated content, or every problem printed and CommandError(exit 1)."""
    content, problems = read_content(
        settings.content.dir, settings.clinic.languages, settings.clinic.default_language
    )
    if content is None:
        for problem in problems:
            print(problem, file=out)
        raise CommandError(f"{len(problems)} content problem(s) found.", EXIT_PROBLEMS)
    return content


def _texts(out: TextIO) -> list[str]:
    """Install the patient texts' catalogs (texts/*.toml); their warnings (a text a language
    lacks) as lines, or every problem printed and CommandError(exit 1)."""
    report = read_catalogs()
    if report.problems:
        for problem in report.problems:
            print(problem, file=out)
        for warning in report.warnings:
            print(f"warning: {warning}", file=out)
        raise CommandError(
            f"{len(report.problems)} problem(s) in the patient texts (texts/*.toml).",
            EXIT_PROBLEMS)
    install(report.catalogs)
    return [str(warning) for warning in report.warnings]


def command_check(settings: Settings, *, strict: bool = False) -> int:
    """Problems: printed, exit 1. Warnings (a missing translation, doubled punctuation once
    the clinic's values are filled in): printed with the setting or file to change, exit 0,
    or 1 with --strict (the shipped content passes --strict)."""
    from storage.content_loader import rendered_typography

    text_warnings = _texts(sys.stdout)
    content = _content(settings, sys.stdout)
    clinic = settings.clinic
    warnings = [f"warning: {line}" for line in text_warnings]
    warnings += [
        f"warning: clinic.languages: {problem} (add the translation to texts/, or drop "
        "the language from clinic.languages in settings.toml)"
        for problem in missing_translations(clinic.languages)
    ]
    warnings += [f"warning: {line}" for line in content.warnings]
    if settings.console.enabled and not settings.console.secure:
        warnings.append(
            "warning: console.url: an http:// console works in a browser, but Telegram opens "
            "Mini Apps only over https://, so staff get no Console menu button "
            "(docs/console.md, \"The Mini App\")")
    warnings += [
        f"warning: {line}"
        for line in rendered_typography(content, clinic.placeholders, clinic.default_language)
    ]
    for warning in warnings:
        print(warning)
    if warnings and strict:
        raise CommandError(f"{len(warnings)} warning(s) and --strict.", EXIT_PROBLEMS)
    print(
        f"OK: {len(content.protocols)} protocols, {len(content.faq)} FAQ entries, "
        f"{len(content.red_flags.rules)} red-flag rules, languages {', '.join(content.languages)}"
        + (f"; {len(warnings)} warning(s)" if warnings else "")
    )
    return 0


def _zone(name: str) -> ZoneInfo:
    zone = zone_named(name)
    if zone is None:
        raise CommandError(f"unknown time zone {name!r}; expected an IANA name like Asia/Kolkata")
    return zone


def _local_option(option: str, value: str | None, zone: ZoneInfo) -> datetime | None:
    """A "YYYY-MM-DD HH:MM" option read as patient-local time in `zone` (None if not given)."""
    if not value:
        return None
    try:
        return parse_local_minute(value, zone)
    except ValueError:
        raise CommandError(
            f'bad {option} {value!r}; expected "YYYY-MM-DD HH:MM", '
            'e.g. "2026-03-28 20:30" (in the --tz zone)'
        ) from None


def command_preview(settings: Settings, args: argparse.Namespace, now: datetime) -> int:
    content = _content(settings, sys.stderr)
    protocol = content.protocols.get(args.protocol)
    if protocol is None:
        known = ", ".join(content.protocols) or "none"
        raise CommandError(f"unknown protocol {args.protocol!r}; known protocols: {known}")
    zone = _zone(args.tz or settings.clinic.timezone)
    language = args.lang or settings.clinic.default_language
    if language not in content.languages:
        raise CommandError(
            f"unknown language {language!r}; content languages: {', '.join(content.languages)}"
        )
    session = _local_option("--session", args.session, zone) or now
    # A past session is previewed as if enrolled at the session, the usual flow; planning it
    # from today would only show every message as expired.
    enrolled = _local_option("--enrolled", args.enrolled, zone) or min(now, session)
    window = settings.delivery.quiet_window
    quiet = QuietHours(start=window[0], end=window[1]) if window else None
    number = args.number
    if not 1 <= number <= MAX_SESSION_NUMBER:
        raise CommandError(f"--number: expected a session number from 1 to "
                           f"{MAX_SESSION_NUMBER}, got {number}")
    plan = plan_enrollment(
        protocol=protocol,
        session_start=session,
        zone=zone,
        quiet=quiet,
        now=enrolled,
        language=language,
        default_language=settings.clinic.default_language,
        placeholders=settings.clinic.placeholders(language),
        session_number=number,
    )
    # The course's own messages: the confirmation request (as if booked ahead) and what
    # follows the session (recall, outcome), each with its note in the listing.
    texts = CourseTexts(clinic=settings.clinic.name,
                        procedure=protocol.name.get(language, settings.clinic.default_language),
                        zone_name=zone.key)
    extra = [
        message
        for booked in (True, False)
        for message in course_messages(
            protocol=protocol, session_start=session, session_number=number, booked=booked,
            confirm_before=timedelta(hours=settings.course.confirm_hours), zone=zone,
            quiet=quiet, now=enrolled, language=language, texts=texts,
        )
    ]
    combined = sorted([*plan, *extra], key=lambda message: message.due_at)
    print(
        format_plan(
            protocol=protocol,
            plan=combined,
            zone=zone,
            session_start=session,
            now=enrolled,
            language=language,
            default_language=settings.clinic.default_language,
            quiet=quiet,
            session_number=number,
        ),
        end="",
    )
    return 0


def _dispatch(command: str, module: str, name: str, *args: Any) -> int:
    """Call `module.name(*args)`, imported only now so a missing module hits this command only."""
    try:
        target = getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as error:
        if error.name is None or not (module + ".").startswith(error.name + "."):
            raise
        target = None
    if target is None:
        raise CommandError(f"{command}: not available yet ({module}.{name})", EXIT_PROBLEMS)
    result = target(*args)
    if inspect.isawaitable(result):
        result = asyncio.run(_awaited(result))
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if result is not None and command.startswith("patient"):
        text = result if isinstance(result, str) else json.dumps(result, indent=2, default=str)
        print(text)
    return 0


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _require_token(settings: Settings) -> None:
    if settings.bot_token is None or not settings.bot_token.get_secret_value():
        raise CommandError(BOTFATHER_HELP.rstrip())


def run_command(args: argparse.Namespace, settings: Settings, now: datetime) -> int:
    command = args.command or "run"
    if command not in ("check", "migrate"):
        _texts(sys.stderr)  # warnings: `check` lists them
    if command == "check":
        return command_check(settings, strict=args.strict)
    if command == "preview":
        return command_preview(settings, args, now)
    if command == "migrate":
        code = _dispatch(command, "storage.database", "migrate", settings.database.url)
        if code == 0:
            print("Migrations applied; the database schema is up to date.")
        return code
    if command == "patient":
        function = {"export": "export_patient", "forget": "forget_patient"}[args.action]
        return _dispatch(
            f"patient {args.action}", "app.data_rights", function, settings, args.patient_id
        )
    # run and worker talk to Telegram: a token first, then content that refuses start-up.
    _require_token(settings)
    _content(settings, sys.stderr)
    # The bot and worker processes log; set up handlers, levels and redaction once, here.
    from ops.logging_setup import configure_logging

    configure_logging(settings)
    if command == "worker":
        return _dispatch(command, "app.application", "run_worker", settings)
    return _dispatch(command, "app.application", "run_bot", settings)


def _redact(text: str, settings: Settings | None) -> str:
    """Never print the token, even inside an error message (Bot API URLs contain it)."""
    token = settings.bot_token.get_secret_value() if settings and settings.bot_token else ""
    return text.replace(token, "<TELEGRAM_BOT_TOKEN>") if token else text


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings, run the command; returns the exit code."""
    # Opt in to PTB's future RetryAfter.retry_after (a timedelta); bot/sender.py reads both
    # forms, so PTB's per-429 deprecation warning would only be noise in the logs.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        return run_command(args, settings, datetime.now(UTC))
    except SettingsError as error:
        print(f"Settings problem:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as error:
        print(str(error), file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if args.debug:
            raise
        name = type(error).__name__
        print(
            f"Unexpected error: {name}: {_redact(str(error), settings)}\n"
            "Run again with --debug (before the command) to see the traceback.",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
