"""Words typed to the bot outside /new: help at once when they show danger, one tap to send.

The words are analysed and nothing is stored: if they show danger (review or
urgent) the first reply carries the help lines that fit (none for a place hazard:
it says the people who fix it will be told) and one button that sends them as a
problem; otherwise the reply offers to make them a new message. The words wait
for the tap in bot.pending, for a short time only.
"""

from telegram import Update
from telegram.ext import CallbackContext

from bot import delivery, pending, texts, texts_draft
from bot.calls import call
from bot.replies import remove_buttons_quietly, render, say, send
from webapp.services import errors, guardians, suggestions


def _look(chat_id: int, text: str) -> tuple[guardians.FirstLook, bool]:
    return guardians.first_look(text), guardians.contact_for(chat_id) is not None


def _too_long(text: str) -> str | None:
    return str(errors.TextTooLong.message) if len(text) > suggestions.MAX_TEXT_LENGTH else None


async def danger_first(update: Update, context: CallbackContext) -> bool:
    """If the message's words show danger, answer with help and the one tap; True if so.

    For steps of a conversation where the words are not what was asked for: a
    disclosure is never answered with "please press a button".
    """
    message = update.message
    if message is None or not message.text:
        return False
    text = message.text.strip()
    look, consented = await call(context, _look, update.effective_chat.id, text)
    if not look.raised:
        return False
    await _help(update, context, text, look, consented)
    return True


async def _help(
    update: Update, context: CallbackContext, text: str, look: guardians.FirstLook, consented: bool
) -> None:
    too_long = _too_long(text)
    token = "" if too_long else pending.hold(context, text, consented)
    await say(update, context, texts.danger_help, look.kinds, consented, token, too_long)


async def free_text(update: Update, context: CallbackContext) -> None:
    """Words outside any conversation."""
    text = update.message.text.strip()
    look, consented = await call(context, _look, update.effective_chat.id, text)
    if look.raised:
        await _help(update, context, text, look, consented)
    elif not consented:
        await say(update, context, texts.consent_to_send)
    elif too_long := _too_long(text):
        await send(update, texts.Reply(texts.e(too_long)))
    else:
        await say(update, context, texts.offer_to_send, pending.hold(context, text, True))


def _send_for_help(chat_id: int, text: str, lease: int) -> delivery.Outgoing:
    submitted = guardians.send_for_help(chat_id, text, lease_seconds=lease)
    reply = texts_draft.submitted(
        submitted.code,
        guardians.danger_level(submitted.suggestion),
        tuple(submitted.suggestion.urgent_reasons or ()),
    )
    return delivery.Outgoing(submitted.code_message_id, chat_id, reply, code=True)


def _token(update: Update) -> str:
    return update.callback_query.data.split(":", 2)[2]


async def send_for_help(update: Update, context: CallbackContext) -> None:
    """The one tap: store the held words as a problem, then the tracking code at once."""
    query = update.callback_query
    text = pending.peek(context, _token(update))
    if text is None:
        await query.answer(render(context, texts.stale_button))
        return
    await query.answer()
    if text is pending.EXPIRED:
        await say(update, context, texts.pending_gone)
        await remove_buttons_quietly(update)
        return
    outgoing = await call(
        context,
        _send_for_help,
        update.effective_chat.id,
        text,
        delivery.lease_seconds(context.application),
    )
    # Stored: forget the words now, so even a crash before the reply cannot send them twice.
    pending.drop(context)
    context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()
    await delivery.send_now(context.application, outgoing)  # a new message, before any edit
    await remove_buttons_quietly(update)


async def do_not_send(update: Update, context: CallbackContext) -> None:
    query = update.callback_query
    await query.answer()
    if pending.peek(context, _token(update)) is not None:
        pending.drop(context)
    await say(update, context, texts.not_sent)
    await remove_buttons_quietly(update)
