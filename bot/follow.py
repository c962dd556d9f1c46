"""/follow: a tracking code, given with the command or asked for, then back to the draft."""

from telegram import Update
from telegram.ext import CallbackContext

from bot import freetext, texts_follow
from bot.calls import call
from bot.replies import button_pressed, refusals_shown, say, send
from bot.steps import END, FOLLOW_CODE, client_key, current_draft, resume
from bot.texts import Reply
from webapp.services import guardians


def _follow(chat_id: int, code: str, client_key: str) -> Reply:
    contact = guardians.require_contact(chat_id)
    suggestion = guardians.follow(contact, code, client_key)
    return texts_follow.followed(suggestion.id, guardians.guardian_view(contact, suggestion))


@refusals_shown
async def follow_command(update: Update, context: CallbackContext) -> int | None:
    code = " ".join(context.args or [])
    if not code:
        return await follow_ask(update, context)
    reply = await call(context, _follow, update.effective_chat.id, code, client_key(update))
    await send(update, reply)
    return await resume(update, context)


@refusals_shown
async def follow_ask(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    await call(context, guardians.require_contact, update.effective_chat.id)
    await say(update, context, texts_follow.ask_code)
    return FOLLOW_CODE


@refusals_shown
async def follow_code(update: Update, context: CallbackContext) -> int:
    if await freetext.danger_first(update, context):  # not a code: someone asks for help
        draft = current_draft(context)
        return draft["step"] if draft and draft.get("step") is not None else END
    code = update.message.text.strip()
    reply = await call(context, _follow, update.effective_chat.id, code, client_key(update))
    await send(update, reply)
    return await resume(update, context)
