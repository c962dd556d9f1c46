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

import warnings

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.compose import (
    add_photo,
    area_page,
    cancel,
    choose_age,
    choose_area,
    choose_family,
    choose_kind,
    choose_public,
    confirm,
    edit,
    edit_field,
    location,
    new,
    new_from_text,
    photo_needed,
    place_text,
    skip_photo,
    skip_place,
    text_needed,
    write_text,
)
from bot.follow import follow_ask, follow_code, follow_command
from bot.rating import rate_unsatisfied, rate_why, rate_why_skip
from bot.steps import (
    AGE,
    CONFIRM,
    EDIT,
    FAMILY,
    FOLLOW_CODE,
    KIND,
    PHOTO,
    PLACE,
    PUBLIC,
    RATE_WHY,
    TEXT,
    ask_again,
)
from webapp.models import Rating

NAME = "guardian"


def _button(callback, pattern: str) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=pattern)


WORDS = filters.TEXT & ~filters.COMMAND
ANYTHING_ELSE = ~filters.COMMAND & ~filters.StatusUpdate.ALL


def build(fallbacks: list) -> ConversationHandler:
    """The guardian's conversation; `fallbacks` come from bot.handlers (/cancel, /delete…)."""
    entry_points = [
        CommandHandler("new", new),
        _button(new, r"^menu:new$"),
        _button(new_from_text, r"^free:\w+:\w+$"),
        CommandHandler("follow", follow_command),
        _button(follow_ask, r"^menu:follow$"),
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
        handlers.append(MessageHandler(ANYTHING_ELSE, ask_again(state)))
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
