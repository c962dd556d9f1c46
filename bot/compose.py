"""/new: kind → text → photo → place → age → may the family read the words → may other
children see it → confirm (the steps themselves: bot.steps; the handler: bot.conversation).
"""

import time

from telegram import Update
from telegram.ext import CallbackContext

from bot import delivery, freetext, pending, texts, texts_draft
from bot.calls import Refused, call
from bot.replies import (
    button_pressed,
    refusals_shown,
    remove_buttons_quietly,
    render,
    say,
    send,
)
from bot.steps import (
    AGE,
    CONFIRM,
    EDIT,
    END,
    FAMILY,
    KIND,
    PHOTO,
    PLACE,
    PUBLIC,
    TEXT,
    current_draft,
    expired,
    goto,
    in_danger,
    prompt,
    step_done,
)
from bot.texts import Reply
from webapp.models import AGE_BANDS, Danger, Kind
from webapp.services import directory, errors, guardians, suggestions
from webapp.services.photos import MAX_PHOTO_BYTES

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
EDITABLE = {
    "kind": KIND,
    "text": TEXT,
    "photo": PHOTO,
    "place": PLACE,
    "age": AGE,
    "family": FAMILY,
    "public": PUBLIC,
}


@refusals_shown
async def new(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    await call(context, guardians.require_contact, update.effective_chat.id)
    pending.drop(context)
    context.user_data["draft"] = {"started": time.time()}
    return await goto(update, context, KIND)


@refusals_shown
async def new_from_text(update: Update, context: CallbackContext) -> int | None:
    """One tap on words typed outside /new: they become the text of a new draft."""
    query = update.callback_query
    _prefix, kind, token = query.data.split(":", 2)
    text = pending.peek(context, token)
    if kind not in Kind.ALL or text is None:
        await query.answer(render(context, texts.stale_button))
        return None
    await button_pressed(update)
    if text is pending.EXPIRED:
        await say(update, context, texts.pending_gone)
        return None
    await call(context, guardians.require_contact, update.effective_chat.id)
    pending.drop(context)
    context.user_data["draft"] = {
        "started": time.time(),
        "kind": kind,
        "text": text,
        "danger": Danger.NONE,
    }
    return await step_done(update, context, TEXT)


async def choose_kind(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    kind = update.callback_query.data.split(":", 1)[1]
    if kind not in Kind.ALL:
        return None
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    draft["kind"] = kind
    return await step_done(update, context, KIND)


async def write_text(update: Update, context: CallbackContext) -> int | None:
    draft = current_draft(context)
    if draft is None:
        return await expired(update, context)
    text = update.message.text.strip()
    # Shape only, with the service's own limit and message; the service checks again.
    if len(text) > suggestions.MAX_TEXT_LENGTH:
        await send(update, render(context, lambda: Reply(texts.e(errors.TextTooLong.message))))
        return None
    draft["text"] = text
    # Help comes right after the words, not after photo, place, age and confirmation.
    look = await call(context, guardians.first_look, text)
    draft["danger"], draft["kinds"] = look.danger, list(look.kinds)
    if look.raised:
        draft["family_may_read"] = draft["public"] = False  # neither is shared
        await say(update, context, texts.draft_danger, look.kinds)
    return await step_done(update, context, TEXT)


async def text_needed(update: Update, context: CallbackContext) -> None:
    await say(update, context, texts_draft.text_needed)


async def add_photo(update: Update, context: CallbackContext) -> int | None:
    draft = current_draft(context)
    if draft is None:
        return await expired(update, context)
    message = update.message
    if message.photo:
        picture, mime_type = message.photo[-1], "image/jpeg"  # the largest size
    else:
        picture, mime_type = message.document, message.document.mime_type
    refusal = None
    if mime_type not in PHOTO_TYPES:
        refusal = errors.PhotoRejected.message
    elif (picture.file_size or 0) > MAX_PHOTO_BYTES:
        refusal = errors.PhotoTooLarge.message
    if refusal is not None:
        await send(update, render(context, lambda: Reply(texts.e(refusal))))
        return None
    draft["photo"] = {"file_id": picture.file_id}
    return await step_done(update, context, PHOTO)


async def skip_photo(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    draft.pop("photo", None)
    return await step_done(update, context, PHOTO)


async def photo_needed(update: Update, context: CallbackContext) -> None:
    if await freetext.danger_first(update, context):
        return
    await say(update, context, texts_draft.photo_needed)


def _set_place(
    draft: dict, *, place: str | None = None, area: tuple[str, str] | None = None
) -> None:
    draft["place"] = place
    draft["area_code"], draft["area_label"] = area or (None, None)


async def location(update: Update, context: CallbackContext) -> int:
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    point = update.message.location
    _set_place(
        draft, place=render(context, texts_draft.location_place, point.latitude, point.longitude)
    )
    return await step_done(update, context, PLACE)


async def choose_area(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    index = int(update.callback_query.data.split(":", 1)[1])
    areas = await call(context, directory.area_choices)
    if index >= len(areas):  # the directory changed meanwhile: ask again
        await prompt(update, context, PLACE)
        return None
    _set_place(draft, area=areas[index])
    return await step_done(update, context, PLACE)


async def area_page(update: Update, context: CallbackContext) -> None:
    await button_pressed(update)
    page = int(update.callback_query.data.split(":", 1)[1])
    await prompt(update, context, PLACE, page=page)


async def place_text(update: Update, context: CallbackContext) -> int | None:
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    place = update.message.text.strip()
    if len(place) > suggestions.MAX_PLACE_LENGTH:
        await send(update, render(context, lambda: Reply(texts.e(errors.PlaceTooLong.message))))
        return None
    _set_place(draft, place=place)
    return await step_done(update, context, PLACE)


async def skip_place(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    _set_place(draft)
    return await step_done(update, context, PLACE)


async def choose_age(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    band = update.callback_query.data.split(":", 1)[1]
    if band not in AGE_BANDS:
        return None
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    draft["age_band"] = band
    return await step_done(update, context, AGE)


async def choose_family(update: Update, context: CallbackContext) -> int | None:
    return await _choose_yes_no(update, context, "family_may_read", FAMILY)


async def choose_public(update: Update, context: CallbackContext) -> int | None:
    return await _choose_yes_no(update, context, "public", PUBLIC)


async def _choose_yes_no(
    update: Update, context: CallbackContext, field: str, state: int
) -> int | None:
    await button_pressed(update)
    answer = update.callback_query.data.split(":", 1)[1]
    if answer not in ("yes", "no"):
        return None
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    # Words that show danger are never shared, whatever an old button says.
    draft[field] = answer == "yes" and not in_danger(draft)
    return await step_done(update, context, state)


def _submit(chat_id: int, draft: dict, photos: list[bytes], lease: int) -> delivery.Outgoing:
    shared = not in_danger(draft)
    submitted = guardians.submit(
        guardians.require_contact(chat_id),
        kind=draft.get("kind"),
        text=draft.get("text"),
        age_band=draft.get("age_band"),
        area_code=draft.get("area_code"),
        place=draft.get("place"),
        photos=photos,
        lease_seconds=lease,
        public=shared and bool(draft.get("public")),
        family_may_read=shared and bool(draft.get("family_may_read")),
    )
    suggestion = submitted.suggestion
    reply = texts_draft.submitted(
        submitted.code, guardians.danger_level(suggestion), tuple(suggestion.urgent_reasons or ())
    )
    return delivery.Outgoing(submitted.code_message_id, chat_id, reply, code=True)


async def confirm(update: Update, context: CallbackContext) -> int:
    """Send the draft: fetch the photo, store through the service, send the tracking code.

    The code goes through the outbox, written with the suggestion, and is sent as a
    new message before the buttons are taken off: if that send fails, delivery
    retries it; if taking the buttons off fails, nothing else does. A refusal shows
    why and the summary again; any other failure before the commit (database,
    network) reaches the error handler, which asks to try again, and the draft and
    the summary's buttons stay as they are.
    """
    await button_pressed(update, remove_buttons=False)
    draft = current_draft(context)
    if draft is None:
        return await expired(update, context)
    if not draft.get("kind") or not draft.get("text"):
        return await goto(update, context, KIND if not draft.get("kind") else TEXT)
    photos = []
    if draft.get("photo"):
        telegram_file = await context.bot.get_file(draft["photo"]["file_id"])
        photos.append(bytes(await telegram_file.download_as_bytearray()))
    try:
        outgoing = await call(
            context,
            _submit,
            update.effective_chat.id,
            draft,
            photos,
            delivery.lease_seconds(context.application),
        )
    except Refused as refused:
        await send(update, Reply(texts.e(refused.text)))
        return await goto(update, context, CONFIRM)
    context.user_data.pop("draft", None)
    # Stored: forget the draft now, so even a crash before the reply cannot send it twice.
    context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()
    await delivery.send_now(context.application, outgoing)
    await remove_buttons_quietly(update)
    return END


async def edit(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    return await goto(update, context, EDIT)


async def edit_field(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := current_draft(context)) is None:
        return await expired(update, context)
    field = update.callback_query.data.split(":", 1)[1]
    if field not in EDITABLE:
        return await goto(update, context, CONFIRM)
    draft["editing"] = True
    return await goto(update, context, EDITABLE[field])


async def cancel(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    context.user_data.pop("draft", None)
    context.user_data.pop("rating", None)
    pending.drop(context)
    await say(update, context, texts_draft.cancelled)
    return END
