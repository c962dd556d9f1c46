"""Handlers: parse the update, call one service (through bot.calls), reply.

Groups: -1 admits an update (private chats only, once per update id, within the
per-chat rate limit); 0 holds the conversation and the commands; 1 writes the
conversation state and draft to the database right after each update.
"""

import contextlib
import logging

from telegram import BotCommand, ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import conversation, freetext, pending, rating, steps, texts, texts_follow
from bot.calls import call, flask_app
from bot.i18n import _
from bot.replies import (
    button_pressed,
    refusals_shown,
    remove_buttons_quietly,
    render,
    say,
    send,
)
from bot.texts import Reply
from webapp.models import Rating
from webapp.services import bot_updates, guardians

log = logging.getLogger(__name__)

UPDATES_PER_MINUTE = 30  # per chat; app.config BOT_UPDATES_PER_MINUTE overrides


# --- group -1: admission -------------------------------------------------------------------


async def admit(update: Update, context: CallbackContext) -> None:
    """Handle each update once, from private chats only, within the per-chat rate limit."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or update.edited_message:
        # Groups and channels: nothing to do, nothing stored. An edited old message is
        # not a new answer to whatever the bot asks now.
        raise ApplicationHandlerStop
    limit = flask_app(context).config.get("BOT_UPDATES_PER_MINUTE", UPDATES_PER_MINUTE)
    try:
        admission = await call(context, bot_updates.admit_update, update.update_id, chat.id, limit)
    except Exception as exc:
        log.error("update %s not admitted: %s", update.update_id, type(exc).__name__)
        await _apologise(update, context)
        raise ApplicationHandlerStop from None
    if admission == bot_updates.Admission.HANDLE:
        return
    if admission == bot_updates.Admission.DUPLICATE:
        log.info("update %s seen before: skipped", update.update_id)
    elif update.callback_query:
        await update.callback_query.answer()
    if admission == bot_updates.Admission.LIMITED_FIRST:
        await say(update, context, texts.too_fast)
    raise ApplicationHandlerStop


# --- group 1: persistence right away --------------------------------------------------------


async def save_state(update: Update, context: CallbackContext) -> None:
    """Write this chat's conversation state and draft now, not at the next interval."""
    if update.effective_user:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()


# --- errors -----------------------------------------------------------------------------


async def on_error(update: object, context: CallbackContext) -> None:
    """Log the error class and update id only (never text or chat ids); ask to try again."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__)
    if isinstance(update, Update):
        await _apologise(update, context)


async def _apologise(update: Update, context: CallbackContext) -> None:
    if update.callback_query:
        # Stops the button's spinner; fails harmlessly if the handler had answered it.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    if update.effective_chat is None:
        return
    try:
        await say(update, context, texts.try_again)
    except Exception as exc:  # the network may be what failed
        log.warning("could not apologise for update %s: %s", update.update_id, type(exc).__name__)


# --- start, consent, help, menu ----------------------------------------------------------------


def _greet(chat_id: int) -> Reply:
    contact = guardians.welcome(chat_id)
    return texts.intro() if contact is None else texts.menu()


async def start(update: Update, context: CallbackContext) -> None:
    await send(update, await call(context, _greet, update.effective_chat.id))


def _consent(chat_id: int) -> Reply:
    return texts.consented(guardians.give_consent(chat_id).pseudonym)


async def consent(update: Update, context: CallbackContext) -> None:
    await button_pressed(update)
    if update.callback_query.data == "consent:yes":
        await send(update, await call(context, _consent, update.effective_chat.id))
    else:
        await say(update, context, texts.consent_declined)


async def help_command(update: Update, context: CallbackContext) -> None:
    await button_pressed(update, remove_buttons=False)
    await say(update, context, texts.help_text)


async def nothing_to_cancel(update: Update, context: CallbackContext) -> None:
    pending.drop(context)
    await say(update, context, texts.menu)


async def not_understood(update: Update, context: CallbackContext) -> None:
    await say(update, context, texts.not_understood)


async def stale_button(update: Update, context: CallbackContext) -> None:
    await update.callback_query.answer(render(context, texts.stale_button))


# --- my suggestions, one card, ratings ---------------------------------------------------------


def _mine(chat_id: int) -> Reply:
    contact = guardians.require_contact(chat_id)
    items = guardians.my_suggestions(contact)
    return texts_follow.mine([(s.id, guardians.guardian_view(contact, s)) for s in items])


@refusals_shown
async def mine(update: Update, context: CallbackContext) -> None:
    await button_pressed(update, remove_buttons=False)
    await send(update, await call(context, _mine, update.effective_chat.id))


def _card(chat_id: int, suggestion_id: int) -> Reply:
    contact = guardians.require_contact(chat_id)
    suggestion = guardians.followed(contact, suggestion_id)
    return texts_follow.card(suggestion.id, guardians.guardian_view(contact, suggestion))


@refusals_shown
async def view(update: Update, context: CallbackContext) -> None:
    await button_pressed(update, remove_buttons=False)
    suggestion_id = int(update.callback_query.data.split(":", 1)[1])
    await send(update, await call(context, _card, update.effective_chat.id, suggestion_id))


@refusals_shown
async def rate(update: Update, context: CallbackContext) -> None:
    """满意 / 基本满意 close the item at once (不满意 asks why: bot.rating)."""
    await button_pressed(update, remove_buttons=False)
    suggestion_id, given = rating.parse_rating(update.callback_query.data)
    await send(
        update,
        await call(
            context, rating.rating_reply, update.effective_chat.id, suggestion_id, given, None
        ),
    )
    await remove_buttons_quietly(update)  # rated and said: a failed edit changes nothing


# --- /delete ------------------------------------------------------------------------------------


async def delete(update: Update, context: CallbackContext) -> None:
    await button_pressed(update, remove_buttons=False)
    await say(update, context, texts.delete_confirm)


def _delete(chat_id: int) -> Reply:
    contact = guardians.contact_for(chat_id)
    if contact is None:
        return texts.nothing_to_delete()
    return texts.deleted(guardians.delete_contact(contact))


async def delete_confirmed(update: Update, context: CallbackContext) -> int:
    """Erase the contact, then this chat's draft and conversation; ends any conversation."""
    await button_pressed(update)
    reply = await call(context, _delete, update.effective_chat.id)
    pending.drop(context)  # words held in memory for a tap go too
    context.application.drop_user_data(update.effective_user.id)
    await send(update, reply)
    return steps.END


async def delete_declined(update: Update, context: CallbackContext) -> None:
    await button_pressed(update)
    await say(update, context, texts.kept)


# --- staff: /duty CODE links this chat for urgent alerts ---------------------------------------


@refusals_shown
async def duty(update: Update, context: CallbackContext) -> None:
    code = " ".join(context.args or []).strip()
    if not code:
        await say(update, context, texts.duty_usage)
        return
    linked = await call(context, guardians.link_duty_chat, code, update.effective_chat.id)
    await say(update, context, texts.duty_linked if linked else texts.duty_failed)


# --- the chat blocked or unblocked the bot ------------------------------------------------------


def _membership(chat_id: int, blocked: bool) -> None:
    contact = guardians.contact_for(chat_id)
    if contact is not None:
        if blocked:
            guardians.mark_blocked(contact)
        else:
            guardians.welcome(chat_id)


async def membership(update: Update, context: CallbackContext) -> None:
    status = update.my_chat_member.new_chat_member.status
    await call(
        context,
        _membership,
        update.effective_chat.id,
        status in (ChatMember.BANNED, ChatMember.LEFT),
    )


# --- wiring -----------------------------------------------------------------------------


def commands() -> list[BotCommand]:
    """The command menu Telegram shows (call in the bot's locale)."""
    return [
        BotCommand("new", _("Send a suggestion")),
        BotCommand("mine", _("My suggestions")),
        BotCommand("follow", _("Follow a child's code")),
        BotCommand("help", _("Help")),
        BotCommand("cancel", _("Stop what we are doing")),
        BotCommand("delete", _("Erase my data")),
    ]


def install(application: Application) -> None:
    """Add every handler to the application, in order."""
    delete_yes = CallbackQueryHandler(delete_confirmed, pattern=r"^delete:yes$")
    application.add_handler(TypeHandler(Update, admit), group=-1)
    application.add_handlers(
        [
            conversation.build(fallbacks=[delete_yes]),
            CommandHandler("start", start),
            CallbackQueryHandler(consent, pattern=r"^consent:(yes|no)$"),
            CommandHandler("help", help_command),
            CallbackQueryHandler(help_command, pattern=r"^menu:help$"),
            CommandHandler("mine", mine),
            CallbackQueryHandler(mine, pattern=r"^menu:mine$"),
            CallbackQueryHandler(view, pattern=r"^view:\d+$"),
            CallbackQueryHandler(
                rate, pattern=rf"^rate:\d+:({Rating.SATISFIED}|{Rating.BASICALLY})$"
            ),
            CommandHandler("delete", delete),
            CallbackQueryHandler(delete, pattern=r"^menu:delete$"),
            delete_yes,
            CallbackQueryHandler(delete_declined, pattern=r"^delete:no$"),
            CommandHandler("cancel", nothing_to_cancel),
            CommandHandler("duty", duty),
            CallbackQueryHandler(freetext.send_for_help, pattern=r"^help:send:\w+$"),
            CallbackQueryHandler(freetext.do_not_send, pattern=r"^help:drop:\w+$"),
            ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
            CallbackQueryHandler(stale_button),
            MessageHandler(filters.TEXT & ~filters.COMMAND, freetext.free_text),
            MessageHandler(~filters.StatusUpdate.ALL, not_understood),
        ]
    )
    application.add_handler(TypeHandler(Update, save_state), group=1)
    application.add_error_handler(on_error)
