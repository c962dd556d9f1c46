"""Delivering the outbox to chats: every state change of a followed suggestion.

Each round claims due telegram messages (a lease, safe with several bot
processes), sends each one and marks it delivered in its own transaction right
after the send. At least once: a process that dies between a send and its mark
sends that message again after the lease (outbox.LEASE_SECONDS) runs out; one
marked delivered is never sent again. Network errors and 5xx retry with
exponential back-off up to outbox.MAX_ATTEMPTS; a chat that blocked the bot is
marked and its messages fail, so nothing is retried forever.
"""

import asyncio
import contextlib
import logging
import time

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot import persistence, texts
from bot.calls import call, flask_app
from webapp.services import guardians, outbox

log = logging.getLogger(__name__)

BATCH = 20
INTERVAL_SECONDS = 0.5  # app.config BOT_OUTBOX_INTERVAL overrides
HOUSEKEEPING_SECONDS = 600


def _claim(limit: int, lease_seconds: int) -> list[tuple[int, int, texts.Reply]]:
    return [(push.message_id, push.chat_id, texts.push(push.action, push.suggestion_id, push.view))
            for push in guardians.claim_pushes(limit, lease_seconds)]


async def deliver_due(application: Application) -> int:
    """One round: claim, send and mark; returns how many messages were claimed."""
    lease = flask_app(application).config.get("BOT_OUTBOX_LEASE", outbox.LEASE_SECONDS)
    claimed = await call(application, _claim, BATCH, lease)
    for message_id, chat_id, reply in claimed:
        await _deliver(application, message_id, chat_id, reply)
    return len(claimed)


async def _deliver(
    application: Application, message_id: int, chat_id: int, reply: texts.Reply
) -> None:
    try:
        await application.bot.send_message(chat_id, **reply.kwargs())
    except Forbidden:  # the chat blocked the bot
        log.info("outbox %s: chat blocked the bot; marked", message_id)
        await call(application, guardians.blocked_by_chat, message_id, chat_id)
    except RetryAfter as exc:  # flood control: wait as long as Telegram says
        wait = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") \
            else float(exc.retry_after)
        await call(application, outbox.mark_retry, message_id, "RetryAfter", wait_seconds=wait)
    except BadRequest:  # chat not found or a message Telegram refuses: retrying cannot help
        log.warning("outbox %s refused by Telegram: failed", message_id)
        await call(application, outbox.mark_failed, message_id, "BadRequest")
    except (TelegramError, OSError) as exc:  # network, time-outs, 5xx: back off and retry
        gave_up = await call(application, outbox.mark_retry, message_id, type(exc).__name__)
        log.warning("outbox %s not sent (%s)%s", message_id, type(exc).__name__,
                    ": given up" if gave_up else "; will retry")
    else:
        await call(application, outbox.mark_delivered, message_id)


def _housekeeping() -> tuple[int, int]:
    return persistence.purge_stale(), guardians.forget_processed_updates()


async def run(application: Application, stop: asyncio.Event) -> None:
    """Deliver round after round until `stop` is set; one failed round never stops it."""
    interval = flask_app(application).config.get("BOT_OUTBOX_INTERVAL", INTERVAL_SECONDS)
    next_housekeeping = 0.0
    while not stop.is_set():
        claimed = 0
        try:
            claimed = await deliver_due(application)
            if time.monotonic() >= next_housekeeping:
                drafts, updates = await call(application, _housekeeping)
                log.info("housekeeping: %d stale states, %d old update ids removed",
                         drafts, updates)
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        except Exception as exc:  # e.g. the database is away for a moment
            log.error("outbox round failed: %s", type(exc).__name__)
        if claimed < BATCH:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
