"""Delivering the outbox to chats: every state change of a followed suggestion, and codes.

Each round claims due telegram messages (a lease, safe with several bot
processes), sends each one and marks it delivered in its own transaction right
after the send. At least once: a process that dies between a send and its mark
sends that message again after the lease (outbox.LEASE_SECONDS) runs out; one
marked delivered is never sent again. Network errors and 5xx retry with
exponential back-off up to outbox.MAX_ATTEMPTS; a chat that blocked the bot is
marked and its messages fail, so nothing is retried forever.

A tracking code is a message of its own in the outbox, written with the
suggestion: the handler sends it at once (`send_now`) before it edits anything,
and if that fails this loop retries it (for much longer than news, as the code
cannot be recovered). Once it is delivered or given up, the code is removed from
the payload.
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot import pending, persistence, texts, texts_draft, texts_follow
from bot.calls import call, flask_app
from webapp.services import bot_updates, guardians, outbox

log = logging.getLogger(__name__)

BATCH = 20
INTERVAL_SECONDS = 0.5  # app.config BOT_OUTBOX_INTERVAL overrides
HOUSEKEEPING_SECONDS = 600
PENDING_SWEEP_SECONDS = 30  # held words are dropped within this of their time running out


@dataclass(frozen=True)
class Outgoing:
    """One outbox message, rendered, on its way to a chat."""

    message_id: int
    chat_id: int
    reply: texts.Reply
    code: bool = False  # a tracking code: retried for long, the code removed once finished


def _render(push: guardians.Push) -> Outgoing:
    if push.type == guardians.CODE:
        return Outgoing(
            push.message_id,
            push.chat_id,
            texts_draft.submitted(push.code, push.danger, push.kinds),
            code=True,
        )
    return Outgoing(
        push.message_id, push.chat_id, texts_follow.push(push.action, push.suggestion_id, push.view)
    )


def _claim(limit: int, lease_seconds: int) -> list[Outgoing]:
    return [_render(push) for push in guardians.claim_pushes(limit, lease_seconds)]


def lease_seconds(application: Application) -> int:
    return flask_app(application).config.get("BOT_OUTBOX_LEASE", outbox.LEASE_SECONDS)


async def deliver_due(application: Application) -> int:
    """One round: claim, send and mark; returns how many messages were claimed."""
    claimed = await call(application, _claim, BATCH, lease_seconds(application))
    for outgoing in claimed:
        await _deliver(application, outgoing)
    return len(claimed)


async def send_now(application: Application, outgoing: Outgoing) -> bool:
    """Send a message the caller has just written to the outbox (claimed for a lease).

    Never raises for Telegram or the network: a failure is recorded, and a delivery
    round retries the message after its back-off. True if it was delivered now.
    """
    return await _deliver(application, outgoing)


async def _deliver(application: Application, outgoing: Outgoing) -> bool:
    message_id, chat_id = outgoing.message_id, outgoing.chat_id
    retry = guardians.code_not_sent if outgoing.code else outbox.mark_retry
    refused = guardians.code_refused if outgoing.code else outbox.mark_failed
    try:
        await application.bot.send_message(chat_id, **outgoing.reply.kwargs())
    except Forbidden:  # the chat blocked the bot
        log.info("outbox %s: chat blocked the bot; marked", message_id)
        await call(application, guardians.blocked_by_chat, message_id, chat_id)
    except RetryAfter as exc:  # flood control: wait as long as Telegram says
        wait = (
            exc.retry_after.total_seconds()
            if hasattr(exc.retry_after, "total_seconds")
            else float(exc.retry_after)
        )
        await call(application, retry, message_id, "RetryAfter", wait_seconds=wait)
    except BadRequest:  # chat not found or a message Telegram refuses: retrying cannot help
        log.warning("outbox %s refused by Telegram: failed", message_id)
        await call(application, refused, message_id, "BadRequest")
    except (TelegramError, OSError) as exc:  # network, time-outs, 5xx: back off and retry
        gave_up = await call(application, retry, message_id, type(exc).__name__)
        log.warning(
            "outbox %s not sent (%s)%s",
            message_id,
            type(exc).__name__,
            ": given up" if gave_up else "; will retry",
        )
    else:
        await call(
            application,
            guardians.code_delivered if outgoing.code else outbox.mark_delivered,
            message_id,
        )
        return True
    return False


def _housekeeping() -> tuple[int, int]:
    return persistence.purge_stale(), bot_updates.forget_processed_updates()


async def run(application: Application, stop: asyncio.Event) -> None:
    """Deliver round after round until `stop` is set; one failed round never stops it."""
    interval = flask_app(application).config.get("BOT_OUTBOX_INTERVAL", INTERVAL_SECONDS)
    next_housekeeping = next_sweep = 0.0
    while not stop.is_set():
        claimed = 0
        try:
            claimed = await deliver_due(application)
            if time.monotonic() >= next_sweep:
                dropped = await pending.drop_expired(application)
                if dropped:
                    log.info("dropped %d held message(s) nobody sent", dropped)
                next_sweep = time.monotonic() + PENDING_SWEEP_SECONDS
            if time.monotonic() >= next_housekeeping:
                drafts, updates = await call(application, _housekeeping)
                log.info(
                    "housekeeping: %d stale states, %d old update ids removed", drafts, updates
                )
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        except Exception as exc:  # e.g. the database is away for a moment
            log.error("outbox round failed: %s", type(exc).__name__)
        if claimed < BATCH:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
