"""Build and run the guardian bot: `flask --app webapp bot [--webhook]` (or `make bot`).

Configured by TELEGRAM_TOKEN and TELEGRAM_API_BASE_URL (a local Bot API server
works too); polls by default, or receives a webhook at TELEGRAM_WEBHOOK_URL.
The outbox is delivered by a task in the same process.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from flask import Flask
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults

import moderation
from bot import delivery, handlers, webhook
from bot.calls import FLASK_APP
from bot.persistence import DatabasePersistence
from bot.replies import render

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10


def file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL (…/bot → …/file/bot)."""
    base = base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def build_application(app: Flask) -> Application:
    """The PTB application with our persistence, defaults and handlers."""
    base_url = app.config["TELEGRAM_API_BASE_URL"]
    application = (
        Application.builder()
        .token(app.config["TELEGRAM_TOKEN"])
        .base_url(base_url)
        .base_file_url(file_url(base_url))
        .persistence(DatabasePersistence(app))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .concurrent_updates(False)
        .build()
    )
    application.bot_data[FLASK_APP] = app
    handlers.install(application)
    return application


async def serve(
    app: Flask,
    *,
    webhook_mode: bool = False,
    stop: asyncio.Event | None = None,
    poll_timeout: float = POLL_TIMEOUT_SECONDS,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Run until `stop` is set: updates (polling or webhook) and outbox delivery."""
    stop = stop or asyncio.Event()
    # Models loaded before the first update: words that show danger get help at once.
    await asyncio.to_thread(moderation.warm_up)
    application = build_application(app)
    async with application:  # initialize (getMe, persisted state) … shutdown
        try:
            await application.bot.set_my_commands(render(application, handlers.commands))
        except Exception as exc:  # a menu of commands is nice to have, not a reason to stop
            log.warning("could not set the command menu: %s", type(exc).__name__)
        await application.start()
        deliverer = asyncio.create_task(delivery.run(application, stop), name="outbox")
        server = None
        try:
            if webhook_mode:
                server = await webhook.start(application, app)
            else:
                await application.updater.start_polling(
                    poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
                )
            log.info("bot started (%s)", "webhook" if webhook_mode else "polling")
            if on_started:
                on_started()
            await stop.wait()
        finally:
            stop.set()
            if server is not None:
                server.close()
                await server.wait_closed()
            if application.updater.running:
                await application.updater.stop()
            await deliverer  # finishes the message in hand and marks it
            await application.stop()  # handles what was fetched, writes the state
    log.info("bot stopped")


def run(app: Flask, webhook: bool = False) -> None:
    """Start the bot and block until SIGINT/SIGTERM; without a token, say so and return."""
    if not app.config.get("TELEGRAM_TOKEN"):
        print("TELEGRAM_TOKEN is not set: the bot is not started")
        return
    if webhook and not app.config.get("TELEGRAM_WEBHOOK_URL"):
        print("TELEGRAM_WEBHOOK_URL is not set: the bot cannot use a webhook")
        return
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await serve(app, webhook_mode=webhook, stop=stop)

    asyncio.run(main())
