"""Rendering and sending replies from handlers."""

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from flask_babel import force_locale
from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackContext

from bot import texts
from bot.calls import Refused, flask_app, locale
from bot.texts import Reply

T = TypeVar("T")
log = logging.getLogger(__name__)


def render(context: CallbackContext | Application, fn: Callable[..., T], *args, **kwargs) -> T:
    """Build a reply in the bot's locale (no database, no await inside)."""
    app = flask_app(context)
    with app.app_context(), force_locale(locale(app)):
        return fn(*args, **kwargs)


async def send(update: Update, reply: Reply) -> None:
    await update.effective_chat.send_message(**reply.kwargs())


async def say(
    update: Update, context: CallbackContext, fn: Callable[..., Reply], *args, **kwargs
) -> None:
    """Render a reply from bot.texts and send it to the chat of the update."""
    await send(update, render(context, fn, *args, **kwargs))


async def button_pressed(update: Update, remove_buttons: bool = True) -> None:
    """Acknowledge a button; take the buttons off that message so it is not pressed twice."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if remove_buttons:
        await remove_buttons_of(update)


async def remove_buttons_of(update: Update) -> None:
    """Take the buttons off the message whose button was pressed."""
    with contextlib.suppress(BadRequest):  # too old to edit, or already without buttons
        await update.callback_query.edit_message_reply_markup(reply_markup=None)


async def remove_buttons_quietly(update: Update) -> None:
    """Take the buttons off after the work is done and said: a failure here changes nothing.

    Used once something is committed and its reply (a tracking code) already sent, so
    a failed edit cannot make the guardian believe it did not work.
    """
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except (TelegramError, OSError) as exc:
        log.info("buttons of update %s not removed: %s", update.update_id, type(exc).__name__)


def refusals_shown(handler):
    """A service's refusal (DomainError) is shown to the guardian; the state stays as it was."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: CallbackContext):
        try:
            return await handler(update, context)
        except Refused as refused:
            await send(update, Reply(texts.e(refused.text)))
            return None

    return wrapper
