"""Ratings of an answer: 满意 / 基本满意 close the item (bot.handlers); 不满意 asks why."""

from telegram import Update
from telegram.ext import CallbackContext

from bot import texts, texts_follow
from bot.calls import Refused, call
from bot.replies import button_pressed, say, send
from bot.steps import RATE_WHY, resume
from bot.texts import Reply
from webapp.models import Rating, Status
from webapp.services import errors, guardians


def rating_reply(chat_id: int, suggestion_id: int, rating: str, comment: str | None) -> Reply:
    suggestion = guardians.rate_as_guardian(
        guardians.require_contact(chat_id), suggestion_id, rating, comment
    )
    return texts_follow.rated(rating, reopened=suggestion.status == Status.REOPENED)


def parse_rating(data: str) -> tuple[int, str]:
    _prefix, suggestion_id, rating = data.split(":")
    return int(suggestion_id), rating


async def rate_unsatisfied(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    suggestion_id, _rating = parse_rating(update.callback_query.data)
    context.user_data["rating"] = suggestion_id
    await say(update, context, texts_follow.ask_why)
    return RATE_WHY


async def _rate_with(update: Update, context: CallbackContext, comment: str | None) -> int:
    suggestion_id = context.user_data.get("rating")
    if suggestion_id is None:
        return await resume(update, context)
    try:
        reply = await call(
            context,
            rating_reply,
            update.effective_chat.id,
            suggestion_id,
            Rating.UNSATISFIED,
            comment,
        )
        await send(update, reply)
    except Refused as refused:
        await send(update, Reply(texts.e(refused.text)))
        if refused.code == errors.CommentTooLong.code:
            return RATE_WHY
    context.user_data.pop("rating", None)
    return await resume(update, context)


async def rate_why(update: Update, context: CallbackContext) -> int:
    return await _rate_with(update, context, update.message.text)


async def rate_why_skip(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    return await _rate_with(update, context, None)
