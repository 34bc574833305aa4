"""The one wiring point: settings, storage and services into a PTB Application."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from app.settings import Settings
from bot.context import CONTEXT_KEY
from bot.errors import on_error
from bot.jobqueue import (
    install_delivery_jobs,
    install_digest_job,
    install_retention_job,
    install_unconfirmed_job,
)
from bot.sender import TelegramSender
from bot.staff_console import set_console_buttons
from bot.staff_topics import learn_staff_chat
from bot.telegram_files import TelegramFiles
from bot.update_order import ChatOrderedProcessor
from bot.webhook import WebhookConfig
from bot.webhook import serve_webhook as serve
from console.routes import console_routes
from core.clock import Clock
from core.content import Content
from core.faq import FaqIndex
from core.texts.catalog import is_installed as catalogs_installed
from core.texts.commands import PATIENT_COMMANDS, STAFF_COMMANDS, menu, missing_translations
from core.texts.patient import missing_translations as untranslated
from core.triage import Triage
from jobs.alerts import FailureAlerts
from jobs.delivery import DeliveryWorker
from services.cases import ladder_policy
from services.context import AppContext, Delivery, FileSource
from storage.content_loader import load_content, load_learned
from storage.content_reader import ContentError
from storage.database import create_engine, migrate_async, session_factory
from storage.outbox import Outbox
from storage.system_clock import SystemClock
from storage.text_catalogs import install_shipped

log = logging.getLogger(__name__)

class StartupError(Exception):
    """The bot cannot start (bad content, no database); the message says what to fix."""


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    api_url: str | None = None,
    freeze_gc: bool = False,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The real application; `api_url` overrides `telegram.api_url` (tests, self-hosted API).
    `freeze_gc`: once started, move everything start-up made (content, modules, the ORM's
    mappers) out of the garbage collector's view, so its full passes stop pausing requests
    for it (the console's p99, bench/console_latency.py --freeze-gc). For a process that
    starts the bot once: what is frozen is never collected.

    Storage, content and delivery are set up in post_init (so a content problem refuses
    start-up before any update is handled), and torn down in post_shutdown.
    """
    if settings.bot_token is None:
        raise StartupError("TELEGRAM_BOT_TOKEN is not set")
    root = (api_url or settings.telegram.api_url).rstrip("/")
    clock = clock or SystemClock()

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await _start_services(application, settings, clock)
        if freeze_gc:
            gc.collect()
            gc.freeze()

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await _stop_services(application)

    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=UTC))
        .connect_timeout(settings.telegram.connect_timeout)
        .read_timeout(settings.telegram.read_timeout)
        # PTB's limiter is the safety net under delivery's durable pacing: the same group
        # rate, so staff-chat posts paced by the outbox never wait in it (0 turns it off).
        # No overall cap: what we send unasked (reminders, check-ins) is paced by delivery
        # at `delivery.rate_per_second`; a reply to a patient who just wrote goes at once
        # (a shared 30/s bucket made a storm of patients wait for each other's replies).
        .concurrent_updates(ChatOrderedProcessor(settings.telegram.concurrent_updates))
        .rate_limiter(AIORateLimiter(max_retries=1, overall_max_rate=0,
                                     group_max_rate=settings.delivery.group_per_minute))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    application = builder.build()
    # Imported here: handler modules import the app's services, never the reverse.
    from bot import patient_handlers, staff_handlers

    # Staff first: their early group (staff /help, the alert-chat relay) must see updates
    # before the patient handlers do, and /enroll's conversation before patient free text.
    staff_handlers.register(application)
    patient_handlers.register(application)
    application.add_error_handler(on_error)
    # Operations: a metrics registry counting updates, and /healthz + /metrics on
    # `health.listen` when set (webhook mode serves them on the webhook server too).
    from bot.ops_hooks import (
        EXTRA_ROUTES_KEY,
        context_source,
        install_health_server,
        install_metrics,
        metrics_of,
    )

    install_metrics(application)
    # The staff console: its pages beside /healthz on whichever server runs.
    application.bot_data[EXTRA_ROUTES_KEY] = console_routes(
        context_source(application), settings.console,
        bot_token=settings.bot_token.get_secret_value(), content_dir=settings.content.dir,
        metrics=metrics_of(application),
    )
    if settings.console.enabled and not settings.telegram.webhook_url and not (
        settings.health.listen
    ):
        raise StartupError(
            "console.url is set but nothing serves it: in polling mode set health.listen "
            "(e.g. 127.0.0.1:8080) and put it behind the console's URL"
        )
    install_health_server(application, settings.health.listen)
    return application


def load_checked_content(settings: Settings) -> Content:
    """The content, or StartupError listing every problem (each also logged). The patient
    texts' catalogs are installed first unless the caller did (the CLI, a test session)."""
    if not catalogs_installed():
        try:
            install_shipped()
        except ContentError as error:
            for problem in error.problems:
                log.error("patient texts problem: %s", problem)
            raise StartupError(
                f"the patient texts (texts/*.toml) have {len(error.problems)} problem(s); "
                "run `python run_bot.py check` for the list") from None
    for missing in untranslated(settings.clinic.languages):
        # Not fatal (patients get English); `check` warns, `check --strict` fails.
        log.warning("event=ui_translation_missing %s", missing)
    try:
        content = load_content(
            settings.content.dir, settings.clinic.languages, settings.clinic.default_language
        )
    except ContentError as error:
        for problem in error.problems:
            log.error("content problem: %s", problem)
        raise StartupError(
            f"content in {settings.content.dir} has {len(error.problems)} problem(s); "
            "run `python run_bot.py check` for the list"
        ) from None
    for line in content.warnings:
        # Missing translations fall back to clinic.default_language; `check` lists them.
        log.warning("event=content_warning %s", line)
    return content


async def open_context(
    settings: Settings, *, clock: Clock, delivery: Delivery | None = None,
    bot_username: str = "", engine: AsyncEngine | None = None,
    files: FileSource | None = None,
) -> AppContext:
    """The one way an AppContext is built: checked content, a migrated database, the FAQ
    index and triage in the clinic's languages. The caller disposes `ctx.engine`."""
    content = load_checked_content(settings)
    engine = engine or create_engine(settings.database.url)
    try:
        await migrate_async(engine)
    except Exception as error:
        await engine.dispose()
        raise StartupError(f"database migration failed: {type(error).__name__}") from error
    languages = settings.clinic.languages
    return AppContext(
        settings=settings,
        content=content,
        clock=clock,
        engine=engine,
        sessions=session_factory(engine),
        faq=FaqIndex.build(content.faq, languages),
        triage=Triage.build(content.red_flags, languages, learned=load_learned()),
        delivery=delivery,
        bot_username=bot_username,
        files=files,
    )


async def _start_services(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, clock: Clock
) -> None:
    engine = create_engine(settings.database.url)
    delivery = _delivery_worker(application, settings, clock, engine)
    ctx = await open_context(settings, clock=clock, bot_username=application.bot.username,
                             engine=engine, delivery=delivery,
                             files=TelegramFiles(application.bot))
    application.bot_data[CONTEXT_KEY] = ctx
    if application.job_queue is not None:
        # Its timer starts once the context stands (a content or database problem stops
        # start-up before anything is sent).
        install_delivery_jobs(application.job_queue, delivery, settings.delivery.poll_seconds)
        # Daily retention and the 09:00 staff digest run in the bot process only.
        install_retention_job(application.job_queue, ctx)
        install_digest_job(application.job_queue, ctx)
        install_unconfirmed_job(application.job_queue, ctx)
    if application.updater is not None:
        await _set_commands(application, settings)
    await set_console_buttons(application, ctx)
    await learn_staff_chat(application, ctx)
    log.info(
        "bot started: %d protocols, %d FAQ entries, languages %s",
        len(ctx.content.protocols), len(ctx.content.faq), ",".join(settings.clinic.languages),
    )


def _delivery_worker(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    clock: Clock,
    engine: AsyncEngine,
) -> DeliveryWorker:
    """The delivery worker; it ticks on the application's JobQueue (a timer, never the
    record) once installed."""
    worker = DeliveryWorker(
        outbox=Outbox(engine, ladder=ladder_policy(settings),
                      staff_chat=settings.staff.staff_chat()),
        sender=TelegramSender(application.bot),
        settings=settings.delivery,
        clock=clock,
        clinic_timezone=settings.clinic.timezone,
        alerts=FailureAlerts(chat_id=settings.staff.staff_chat()),
    )
    return worker


async def _stop_services(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    ctx = application.bot_data.pop(CONTEXT_KEY, None)
    if isinstance(ctx, AppContext):
        try:
            # Sends still in flight finish and every outcome is written before we go:
            # what is not written here would be sent again after the lease runs out.
            if ctx.delivery is not None:
                await ctx.delivery.close()
        except Exception as error:  # the database may be down; leases cover that case
            log.warning("event=delivery_close_failed error=%s", type(error).__name__)
        await ctx.engine.dispose()


async def _set_commands(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> None:
    """The command menus from the command table: patients' in each clinic language that has
    one (Telegram picks it by the user's app language), staff's in admins' chats."""
    patient = [BotCommand(name, text) for name, text in menu(PATIENT_COMMANDS, "en")]
    staff = [BotCommand(name, text) for name, text in menu(STAFF_COMMANDS, "en")]
    try:
        await application.bot.set_my_commands(patient, scope=BotCommandScopeDefault())
        for language in settings.clinic.languages:
            if language == "en" or missing_translations(PATIENT_COMMANDS, language):
                continue
            await application.bot.set_my_commands(
                [BotCommand(name, text) for name, text in menu(PATIENT_COMMANDS, language)],
                scope=BotCommandScopeDefault(),
                language_code=language,
            )
        for admin_id in settings.staff.admin_ids:
            await application.bot.set_my_commands(
                staff + patient, scope=BotCommandScopeChat(admin_id)
            )
    except TelegramError as error:
        # A menu is a convenience; an admin who never opened the bot makes this fail.
        log.warning("could not set bot commands: %s", type(error).__name__)


def run_bot(settings: Settings) -> None:
    """Run the bot until interrupted: polling, or webhook when `telegram.webhook_url` is set."""
    try:
        application = build_application(settings, freeze_gc=True)
        if settings.telegram.webhook_url:
            run_webhook(application, settings)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except StartupError as error:
        log.error("start-up refused: %s", error)
        raise SystemExit(f"Cannot start: {error}") from None


def require_webhook_settings(settings: Settings) -> WebhookConfig:
    """The webhook configuration, or StartupError: webhook mode refuses to run without a
    secret."""
    telegram = settings.telegram
    if not telegram.webhook_url:
        raise StartupError("telegram.webhook_url is not set")
    secret = telegram.webhook_secret.get_secret_value() if telegram.webhook_secret else ""
    if not secret:
        raise StartupError(
            "webhook mode needs a secret: set TELEGRAM_WEBHOOK_SECRET (1-256 characters "
            "A-Z a-z 0-9 _ -), e.g. `openssl rand -hex 32`; every request must carry it"
        )
    return WebhookConfig(url=telegram.webhook_url, secret=secret, listen=telegram.webhook_listen)


async def serve_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings,
    *, stop: asyncio.Event | None = None,
) -> None:
    """Webhook mode until `stop` is set (or SIGINT / SIGTERM): bot/webhook.py's server."""
    await serve(application, require_webhook_settings(settings), stop=stop)


def run_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> None:
    """Blocking entry for `run_bot` in webhook mode."""
    config = require_webhook_settings(settings)  # refuse before touching anything
    asyncio.run(serve(application, config))


def run_worker(settings: Settings) -> None:
    """Delivery only (no update handling), until SIGINT/SIGTERM; several may run at once."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from app.worker import run_delivery_forever

    if settings.bot_token is None:
        raise StartupError("TELEGRAM_BOT_TOKEN is not set")
    root = settings.telegram.api_url.rstrip("/")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        request = HTTPXRequest(
            connect_timeout=settings.telegram.connect_timeout,
            read_timeout=settings.telegram.read_timeout,
        )
        bot = Bot(
            settings.bot_token.get_secret_value() if settings.bot_token else "",
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=request,
        )
        async with bot:
            await run_delivery_forever(
                settings, sender=TelegramSender(bot), clock=SystemClock(), stop_event=stop
            )

    asyncio.run(main())
