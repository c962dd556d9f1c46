"""The guardian's conversations, declared as data: /new, /follow without a code, 不满意 → why.

One persistent ConversationHandler holds them, so a text message always means
one thing: the draft's next step, a tracking code or a rating comment. The /new
draft lives in user_data["draft"] (kept in BotState by bot.persistence) and only
after consent; a photo is kept as its Telegram file_id and fetched at confirm.
Following a code or rating mid-draft comes back to the draft afterwards.

/new: kind → text → photo → place → age → may the family read the words →
may other children see it → confirm. Words that show danger get the help lines
right after the text step, with a button to send at once, and are never asked
about sharing (neither is shared). The tracking code is a new message sent
before the summary's buttons are touched (bot.delivery).
"""

import time
import warnings

from telegram import Update
from telegram.ext import (
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import delivery, freetext, pending, texts
from bot.calls import Refused, call
from bot.persistence import DRAFT_TTL
from bot.replies import (
    button_pressed,
    refusals_shown,
    remove_buttons_quietly,
    render,
    say,
    send,
)
from bot.texts import Reply
from webapp.models import AGE_BANDS, Danger, Kind, Rating, Status
from webapp.services import directory, errors, guardians, suggestions
from webapp.services.photos import MAX_PHOTO_BYTES

NAME = "guardian"
END = ConversationHandler.END
# Stored as numbers in BotState: new states go at the end, so saved ones keep their meaning.
KIND, TEXT, PHOTO, PLACE, AGE, CONFIRM, EDIT, FOLLOW_CODE, RATE_WHY, FAMILY, PUBLIC = range(11)
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
# After each step of a fresh draft comes the next; an edited step goes back to the summary.
NEXT_STEP = {KIND: TEXT, TEXT: PHOTO, PHOTO: PLACE, PLACE: AGE, AGE: FAMILY, FAMILY: PUBLIC,
             PUBLIC: CONFIRM}
SHARING_STEPS = (FAMILY, PUBLIC)  # not asked when the words show danger
EDITABLE = {"kind": KIND, "text": TEXT, "photo": PHOTO, "place": PLACE, "age": AGE,
            "family": FAMILY, "public": PUBLIC}


def _client_key(update: Update) -> str:
    return f"telegram:{update.effective_chat.id}"


# --- the draft ------------------------------------------------------------------------

def _draft(context: CallbackContext) -> dict | None:
    """The current draft, or None if there is none or it is older than DRAFT_TTL."""
    draft = context.user_data.get("draft")
    if draft and time.time() - draft.get("started", 0) > DRAFT_TTL.total_seconds():
        context.user_data.pop("draft", None)
        return None
    return draft


async def _expired(update: Update, context: CallbackContext) -> int:
    await say(update, context, texts.draft_expired)
    return END


async def _prompt(update: Update, context: CallbackContext, state: int, page: int = 0) -> None:
    draft = _draft(context) or {}
    if state == PLACE:
        reply = await call(context, lambda: texts.ask_place(directory.area_choices(), page))
        await send(update, reply)
        return
    prompts = {
        KIND: lambda: texts.ask_kind(),
        TEXT: lambda: texts.ask_text(draft.get("kind")),
        PHOTO: lambda: texts.ask_photo(),
        AGE: lambda: texts.ask_age(),
        FAMILY: lambda: texts.ask_family(),
        PUBLIC: lambda: texts.ask_public(),
        CONFIRM: lambda: texts.summary(draft),
        EDIT: lambda: texts.edit_menu(),
        FOLLOW_CODE: lambda: texts.ask_code(),
        RATE_WHY: lambda: texts.ask_why(),
    }
    await send(update, render(context, prompts[state]))


async def _goto(update: Update, context: CallbackContext, state: int) -> int:
    """Ask for `state` and remember it as the draft's step."""
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
    draft["step"] = state
    await _prompt(update, context, state)
    return state


def _in_danger(draft: dict) -> bool:
    return draft.get("danger") in Danger.RAISED


def _next_step(draft: dict, state: int) -> int:
    step = NEXT_STEP[state]
    while step in SHARING_STEPS and _in_danger(draft):
        step = NEXT_STEP[step]
    return step


async def _step_done(update: Update, context: CallbackContext, state: int) -> int:
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
    if draft.get("editing"):
        draft["editing"] = False
        return await _goto(update, context, CONFIRM)
    return await _goto(update, context, _next_step(draft, state))


def _ask_again(state: int):
    """A callback for anything unexpected in `state`: ask the same question again.

    Words that show danger are answered with help first, never with "press a button".
    """

    async def ask_again(update: Update, context: CallbackContext) -> None:
        if await freetext.danger_first(update, context):
            return
        await _prompt(update, context, state)

    return ask_again


async def _resume(update: Update, context: CallbackContext) -> int:
    """Back to the draft after another flow (following, rating), or the end."""
    draft = _draft(context)
    if not draft or draft.get("step") is None:
        return END
    await _prompt(update, context, draft["step"])
    return draft["step"]


# --- /new ----------------------------------------------------------------------------------

@refusals_shown
async def new(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    await call(context, guardians.require_contact, update.effective_chat.id)
    pending.drop(context)
    context.user_data["draft"] = {"started": time.time()}
    return await _goto(update, context, KIND)


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
    context.user_data["draft"] = {"started": time.time(), "kind": kind, "text": text,
                                  "danger": Danger.NONE}
    return await _step_done(update, context, TEXT)


async def choose_kind(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    kind = update.callback_query.data.split(":", 1)[1]
    if kind not in Kind.ALL:
        return None
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    draft["kind"] = kind
    return await _step_done(update, context, KIND)


async def write_text(update: Update, context: CallbackContext) -> int | None:
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
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
    return await _step_done(update, context, TEXT)


async def text_needed(update: Update, context: CallbackContext) -> None:
    await say(update, context, texts.text_needed)


async def add_photo(update: Update, context: CallbackContext) -> int | None:
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
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
    return await _step_done(update, context, PHOTO)


async def skip_photo(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    draft.pop("photo", None)
    return await _step_done(update, context, PHOTO)


async def photo_needed(update: Update, context: CallbackContext) -> None:
    if await freetext.danger_first(update, context):
        return
    await say(update, context, texts.photo_needed)


def _set_place(draft: dict, *, place: str | None = None,
               area: tuple[str, str] | None = None) -> None:
    draft["place"] = place
    draft["area_code"], draft["area_label"] = area or (None, None)


async def location(update: Update, context: CallbackContext) -> int:
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    point = update.message.location
    _set_place(draft, place=render(context, texts.location_place, point.latitude, point.longitude))
    return await _step_done(update, context, PLACE)


async def choose_area(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    index = int(update.callback_query.data.split(":", 1)[1])
    areas = await call(context, directory.area_choices)
    if index >= len(areas):  # the directory changed meanwhile: ask again
        await _prompt(update, context, PLACE)
        return None
    _set_place(draft, area=areas[index])
    return await _step_done(update, context, PLACE)


async def area_page(update: Update, context: CallbackContext) -> None:
    await button_pressed(update)
    page = int(update.callback_query.data.split(":", 1)[1])
    await _prompt(update, context, PLACE, page=page)


async def place_text(update: Update, context: CallbackContext) -> int | None:
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    place = update.message.text.strip()
    if len(place) > suggestions.MAX_PLACE_LENGTH:
        await send(update, render(context, lambda: Reply(texts.e(errors.PlaceTooLong.message))))
        return None
    _set_place(draft, place=place)
    return await _step_done(update, context, PLACE)


async def skip_place(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    _set_place(draft)
    return await _step_done(update, context, PLACE)


async def choose_age(update: Update, context: CallbackContext) -> int | None:
    await button_pressed(update)
    band = update.callback_query.data.split(":", 1)[1]
    if band not in AGE_BANDS:
        return None
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    draft["age_band"] = band
    return await _step_done(update, context, AGE)


async def choose_family(update: Update, context: CallbackContext) -> int | None:
    return await _choose_yes_no(update, context, "family_may_read", FAMILY)


async def choose_public(update: Update, context: CallbackContext) -> int | None:
    return await _choose_yes_no(update, context, "public", PUBLIC)


async def _choose_yes_no(update: Update, context: CallbackContext, field: str,
                         state: int) -> int | None:
    await button_pressed(update)
    answer = update.callback_query.data.split(":", 1)[1]
    if answer not in ("yes", "no"):
        return None
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    # Words that show danger are never shared, whatever an old button says.
    draft[field] = answer == "yes" and not _in_danger(draft)
    return await _step_done(update, context, state)


def _submit(chat_id: int, draft: dict, photos: list[bytes], lease: int) -> delivery.Outgoing:
    shared = not _in_danger(draft)
    submitted = guardians.submit(
        guardians.require_contact(chat_id), kind=draft.get("kind"), text=draft.get("text"),
        age_band=draft.get("age_band"), area_code=draft.get("area_code"),
        place=draft.get("place"), photos=photos, lease_seconds=lease,
        public=shared and bool(draft.get("public")),
        family_may_read=shared and bool(draft.get("family_may_read")),
    )
    suggestion = submitted.suggestion
    reply = texts.submitted(submitted.code, guardians.danger_level(suggestion),
                            tuple(suggestion.urgent_reasons or ()))
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
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
    if not draft.get("kind") or not draft.get("text"):
        return await _goto(update, context, KIND if not draft.get("kind") else TEXT)
    photos = []
    if draft.get("photo"):
        telegram_file = await context.bot.get_file(draft["photo"]["file_id"])
        photos.append(bytes(await telegram_file.download_as_bytearray()))
    try:
        outgoing = await call(context, _submit, update.effective_chat.id, draft, photos,
                              delivery.lease_seconds(context.application))
    except Refused as refused:
        await send(update, Reply(texts.e(refused.text)))
        return await _goto(update, context, CONFIRM)
    context.user_data.pop("draft", None)
    # Stored: forget the draft now, so even a crash before the reply cannot send it twice.
    context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()
    await delivery.send_now(context.application, outgoing)
    await remove_buttons_quietly(update)
    return END


async def edit(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    return await _goto(update, context, EDIT)


async def edit_field(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    if (draft := _draft(context)) is None:
        return await _expired(update, context)
    field = update.callback_query.data.split(":", 1)[1]
    if field not in EDITABLE:
        return await _goto(update, context, CONFIRM)
    draft["editing"] = True
    return await _goto(update, context, EDITABLE[field])


async def cancel(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    context.user_data.pop("draft", None)
    context.user_data.pop("rating", None)
    pending.drop(context)
    await say(update, context, texts.cancelled)
    return END


# --- /follow --------------------------------------------------------------------------------

def _follow(chat_id: int, code: str, client_key: str) -> Reply:
    contact = guardians.require_contact(chat_id)
    suggestion = guardians.follow(contact, code, client_key)
    return texts.followed(suggestion.id, guardians.guardian_view(contact, suggestion))


@refusals_shown
async def follow_command(update: Update, context: CallbackContext) -> int | None:
    code = " ".join(context.args or [])
    if not code:
        return await follow_ask(update, context)
    reply = await call(context, _follow, update.effective_chat.id, code, _client_key(update))
    await send(update, reply)
    return await _resume(update, context)


@refusals_shown
async def follow_ask(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    await call(context, guardians.require_contact, update.effective_chat.id)
    await say(update, context, texts.ask_code)
    return FOLLOW_CODE


@refusals_shown
async def follow_code(update: Update, context: CallbackContext) -> int:
    if await freetext.danger_first(update, context):  # not a code: someone asks for help
        draft = _draft(context)
        return draft["step"] if draft and draft.get("step") is not None else END
    code = update.message.text.strip()
    reply = await call(context, _follow, update.effective_chat.id, code, _client_key(update))
    await send(update, reply)
    return await _resume(update, context)


# --- 不满意 → why ----------------------------------------------------------------------------

def rating_reply(chat_id: int, suggestion_id: int, rating: str, comment: str | None) -> Reply:
    suggestion = guardians.rate_as_guardian(
        guardians.require_contact(chat_id), suggestion_id, rating, comment)
    return texts.rated(rating, reopened=suggestion.status == Status.REOPENED)


def parse_rating(data: str) -> tuple[int, str]:
    _prefix, suggestion_id, rating = data.split(":")
    return int(suggestion_id), rating


async def rate_unsatisfied(update: Update, context: CallbackContext) -> int:
    await button_pressed(update, remove_buttons=False)
    suggestion_id, _rating = parse_rating(update.callback_query.data)
    context.user_data["rating"] = suggestion_id
    await say(update, context, texts.ask_why)
    return RATE_WHY


async def _rate_with(update: Update, context: CallbackContext, comment: str | None) -> int:
    suggestion_id = context.user_data.get("rating")
    if suggestion_id is None:
        return await _resume(update, context)
    try:
        reply = await call(context, rating_reply, update.effective_chat.id, suggestion_id,
                           Rating.UNSATISFIED, comment)
        await send(update, reply)
    except Refused as refused:
        await send(update, Reply(texts.e(refused.text)))
        if refused.code == errors.CommentTooLong.code:
            return RATE_WHY
    context.user_data.pop("rating", None)
    return await _resume(update, context)


async def rate_why(update: Update, context: CallbackContext) -> int:
    return await _rate_with(update, context, update.message.text)


async def rate_why_skip(update: Update, context: CallbackContext) -> int:
    await button_pressed(update)
    return await _rate_with(update, context, None)


# --- the handler, as data -------------------------------------------------------------------

def _button(callback, pattern: str) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=pattern)


WORDS = filters.TEXT & ~filters.COMMAND
ANYTHING_ELSE = ~filters.COMMAND & ~filters.StatusUpdate.ALL


def build(fallbacks: list) -> ConversationHandler:
    """The guardian's conversation; `fallbacks` come from bot.handlers (/cancel, /delete…)."""
    entry_points = [
        CommandHandler("new", new), _button(new, r"^menu:new$"),
        _button(new_from_text, r"^free:\w+:\w+$"),
        CommandHandler("follow", follow_command), _button(follow_ask, r"^menu:follow$"),
        _button(rate_unsatisfied, rf"^rate:\d+:{Rating.UNSATISFIED}$"),
    ]
    send_now = _button(confirm, r"^confirm:now$")  # words that show danger: no more steps
    states = {
        KIND: [_button(choose_kind, r"^kind:")],
        TEXT: [MessageHandler(WORDS, write_text), MessageHandler(ANYTHING_ELSE, text_needed)],
        PHOTO: [
            MessageHandler(filters.PHOTO | filters.Document.IMAGE, add_photo),
            _button(skip_photo, r"^photo:skip$"),
            send_now,
            MessageHandler(ANYTHING_ELSE, photo_needed),
        ],
        PLACE: [
            MessageHandler(filters.LOCATION, location),
            _button(choose_area, r"^area:\d+$"),
            _button(area_page, r"^areas:\d+$"),
            _button(skip_place, r"^place:skip$"),
            send_now,
            MessageHandler(WORDS, place_text),
        ],
        AGE: [_button(choose_age, r"^age:"), send_now],
        FAMILY: [_button(choose_family, r"^family:"), send_now],
        PUBLIC: [_button(choose_public, r"^public:"), send_now],
        CONFIRM: [
            _button(confirm, r"^confirm:(send|now)$"),
            _button(edit, r"^confirm:edit$"),
            _button(cancel, r"^confirm:cancel$"),
        ],
        EDIT: [_button(edit_field, r"^edit:"), send_now],
        FOLLOW_CODE: [MessageHandler(WORDS, follow_code)],
        RATE_WHY: [MessageHandler(WORDS, rate_why), _button(rate_why_skip, r"^why:skip$")],
    }
    # Anything else in a state (a sticker while buttons are shown…) asks the question again.
    for state, handlers in states.items():
        handlers.append(MessageHandler(ANYTHING_ELSE, _ask_again(state)))
    with warnings.catch_warnings():
        # Buttons are tracked per chat, not per message: intended (the state decides).
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=[CommandHandler("cancel", cancel), *fallbacks],
            allow_reentry=True,
            persistent=True,
            name=NAME,
        )
