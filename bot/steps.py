"""The steps of the guardian's conversation (bot.conversation): its states, the /new
draft in user_data["draft"] and how a step is asked, done, asked again or resumed.
"""

import time

from telegram import Update
from telegram.ext import CallbackContext, ConversationHandler

from bot import freetext, texts_draft, texts_follow
from bot.calls import call
from bot.persistence import DRAFT_TTL
from bot.replies import render, say, send
from webapp.models import Danger
from webapp.services import directory

END = ConversationHandler.END
# Stored as numbers in BotState: new states go at the end, so saved ones keep their meaning.
KIND, TEXT, PHOTO, PLACE, AGE, CONFIRM, EDIT, FOLLOW_CODE, RATE_WHY, FAMILY, PUBLIC = range(11)
# After each step of a fresh draft comes the next; an edited step goes back to the summary.
NEXT_STEP = {
    KIND: TEXT,
    TEXT: PHOTO,
    PHOTO: PLACE,
    PLACE: AGE,
    AGE: FAMILY,
    FAMILY: PUBLIC,
    PUBLIC: CONFIRM,
}
SHARING_STEPS = (FAMILY, PUBLIC)  # not asked when the words show danger


def client_key(update: Update) -> str:
    return f"telegram:{update.effective_chat.id}"


def current_draft(context: CallbackContext) -> dict | None:
    """The current draft, or None if there is none or it is older than DRAFT_TTL."""
    draft = context.user_data.get("draft")
    if draft and time.time() - draft.get("started", 0) > DRAFT_TTL.total_seconds():
        context.user_data.pop("draft", None)
        return None
    return draft


async def expired(update: Update, context: CallbackContext) -> int:
    await say(update, context, texts_draft.draft_expired)
    return END


async def prompt(update: Update, context: CallbackContext, state: int, page: int = 0) -> None:
    draft = current_draft(context) or {}
    if state == PLACE:
        reply = await call(context, lambda: texts_draft.ask_place(directory.area_choices(), page))
        await send(update, reply)
        return
    prompts = {
        KIND: lambda: texts_draft.ask_kind(),
        TEXT: lambda: texts_draft.ask_text(draft.get("kind")),
        PHOTO: lambda: texts_draft.ask_photo(),
        AGE: lambda: texts_draft.ask_age(),
        FAMILY: lambda: texts_draft.ask_family(),
        PUBLIC: lambda: texts_draft.ask_public(),
        CONFIRM: lambda: texts_draft.summary(draft),
        EDIT: lambda: texts_draft.edit_menu(),
        FOLLOW_CODE: lambda: texts_follow.ask_code(),
        RATE_WHY: lambda: texts_follow.ask_why(),
    }
    await send(update, render(context, prompts[state]))


async def goto(update: Update, context: CallbackContext, state: int) -> int:
    """Ask for `state` and remember it as the draft's step."""
    draft = current_draft(context)
    if draft is None:
        return await expired(update, context)
    draft["step"] = state
    await prompt(update, context, state)
    return state


def in_danger(draft: dict) -> bool:
    return draft.get("danger") in Danger.RAISED


def next_step(draft: dict, state: int) -> int:
    step = NEXT_STEP[state]
    while step in SHARING_STEPS and in_danger(draft):
        step = NEXT_STEP[step]
    return step


async def step_done(update: Update, context: CallbackContext, state: int) -> int:
    draft = current_draft(context)
    if draft is None:
        return await expired(update, context)
    if draft.get("editing"):
        draft["editing"] = False
        return await goto(update, context, CONFIRM)
    return await goto(update, context, next_step(draft, state))


def ask_again(state: int):
    """A callback for anything unexpected in `state`: ask the same question again.

    Words that show danger are answered with help first, never with "press a button".
    """

    async def ask_again(update: Update, context: CallbackContext) -> None:
        if await freetext.danger_first(update, context):
            return
        await prompt(update, context, state)

    return ask_again


async def resume(update: Update, context: CallbackContext) -> int:
    """Back to the draft after another flow (following, rating), or the end."""
    draft = current_draft(context)
    if not draft or draft.get("step") is None:
        return END
    await prompt(update, context, draft["step"])
    return draft["step"]
