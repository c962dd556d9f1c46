"""What the guardian reads: every message and button of the bot, in one place.

Messages are HTML (the bot's default parse mode): every piece of text that came
from a person (a suggestion, a place, an answer, an agency name) goes through
`e()`. Call these inside an app context with the bot's locale (bot.calls).
"""

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import pending
from bot.i18n import _, _l
from webapp.models import AGE_BANDS, Danger, Decision, Kind, Rating
from webapp.services import safeguarding

AREAS_PER_PAGE = 6
SNIPPET_LENGTH = 30
PART_LENGTH = 1200  # keeps a whole answer inside Telegram's 4096 characters

KINDS = {
    Kind.IDEA: _l("💡 An idea"),
    Kind.PROBLEM: _l("⚠️ A problem"),
    Kind.THANKS: _l("🙏 A thank-you"),
}
AGES = {
    "under6": _l("Under 6"),
    "6-8": _l("6 to 8"),
    "9-11": _l("9 to 11"),
    "12-14": _l("12 to 14"),
    "15-17": _l("15 to 17"),
    "adult": _l("A grown-up (myself)"),
}
DECISIONS = {
    Decision.YES: _l("Yes, we will do it"),
    Decision.PARTLY: _l("We can do part of it"),
    Decision.NO: _l("We cannot do it this time"),
}
RATINGS = {
    Rating.SATISFIED: _l("Satisfied"),
    Rating.BASICALLY: _l("Mostly satisfied"),
    Rating.UNSATISFIED: _l("Not satisfied"),
}


@dataclass(frozen=True)
class Reply:
    """A message to send: HTML text and optional inline buttons."""

    text: str
    markup: InlineKeyboardMarkup | None = None

    def kwargs(self) -> dict:
        return {"text": self.text, "reply_markup": self.markup}


def e(value: object) -> str:
    """Escape anything a person wrote before it goes into an HTML message."""
    return html.escape(str(value), quote=False)


def clip(value: str | None, length: int) -> str:
    value = (value or "").strip()
    return value if len(value) <= length else value[: length - 1] + "…"


def _buttons(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(label), callback_data=data) for label, data in row]
         for row in rows]
    )


# --- start, consent, menu, help ---------------------------------------------------------

def intro() -> Reply:
    text = "\n\n".join([
        _("<b>Welcome to 童言 (Tongyan)</b>"),
        _("Here a child, with you, can send an idea, a problem or a thank-you to the city. "
          "We pass it to the agency that must answer it, and the answer comes back to this chat."),
        _("<b>Who sees what</b>: the agency's staff read the message (with names and phone "
          "numbers hidden), the photo, the place and the age band. They see a pseudonym such as "
          "家长-7F3A, never your name, your Telegram account or your phone number."),
        _("<b>Your agreement</b>: if the child is under 14, a guardian must agree. We store "
          "nothing about this chat before you agree, and you can erase it at any time with "
          "/delete."),
        _("Do you agree?"),
    ])
    return Reply(text, _buttons([(_("I agree"), "consent:yes"),
                                 (_("I do not agree"), "consent:no")]))


def consent_declined() -> Reply:
    return Reply(_("All right: nothing was stored. Send /start whenever you change your mind."))


def menu(greeting: str | None = None) -> Reply:
    text = greeting or _("What would you like to do?")
    return Reply(text, _buttons(
        [(_("✏️ Send a suggestion"), "menu:new"), (_("📋 My suggestions"), "menu:mine")],
        [(_("🔗 Follow a child's code"), "menu:follow"), (_("❓ Help"), "menu:help")],
        [(_("🗑 Erase my data"), "menu:delete")],
    ))


def consented(pseudonym: str) -> Reply:
    return menu(_("Thank you. Staff will know you as <b>%(name)s</b>.", name=e(pseudonym)))


def help_text() -> Reply:
    return Reply("\n".join([
        _("<b>What I can do</b>"),
        _("/new – send an idea, a problem or a thank-you"),
        _("/mine – my suggestions and where they are"),
        _("/follow CODE – follow a suggestion a child made on a tablet"),
        _("/delete – erase this chat and unlink my suggestions"),
        _("/cancel – stop what we are doing"),
        _("Or just write here what you want to say: if someone is in danger, I show at once "
          "who can help."),
        "",
        _("In danger right now? Call 110. Want to talk to someone? Call 12355."),
    ]))


def please_consent() -> Reply:
    return Reply(_("Please send /start and agree first."))


def not_understood() -> Reply:
    return Reply(_("Sorry, I did not understand. Send /new to write a suggestion, or /help."))


# --- words typed outside a conversation, danger and help lines ---------------------------

def _help_lines(kinds) -> str:
    """The help lines that fit the kinds of danger, one a line (none for a place hazard)."""
    return "\n".join(f"☎️ <b>{e(line.number)}</b> {e(line.label)}"
                     for line in safeguarding.help_lines(kinds))


def _danger_words(kinds) -> list[str]:
    """What a guardian reads first when words show danger: a person, or a place hazard."""
    if safeguarding.is_person_in_danger(kinds):
        return [
            _("💛 <b>Thank you for telling us. Telling was right, and it is not your fault.</b>"),
            _("If someone is in danger right now, call:"),
            _help_lines(kinds),
        ]
    return [
        _("💛 <b>Thank you for telling us.</b> Please stay away from it, and keep other "
          "children away too."),
    ]


def danger_help(kinds, consented: bool, token: str, too_long: str | None = None) -> Reply:
    """The first reply to words that show danger: help lines and one tap to send them."""
    lines = _danger_words(kinds)
    if too_long:  # cannot be sent as it is: the help lines still come first
        return Reply("\n".join([*lines, "", e(too_long)]))
    if safeguarding.is_person_in_danger(kinds):
        lines += ["", _("Press the button and we pass this on to the people who can help, at "
                        "once (names and phone numbers hidden).")]
    else:
        lines += ["", _("If you send it, we tell the people who fix it at once.")]
    if consented:
        send_label = _("🆘 Send this to the people who can help")
    else:
        lines.append(_("Pressing it also means you agree that we keep this chat: staff see only "
                       "a pseudonym, and you can erase everything with /delete."))
        send_label = _("🆘 I agree: send this to the people who can help")
    lines.append(_("If you do not press it, nothing is sent and the words are forgotten within "
                   "%(minutes)s minutes.", minutes=pending.TTL_SECONDS // 60))
    return Reply("\n".join(lines), _buttons([(send_label, f"help:send:{token}")],
                                            [(_("Do not send"), f"help:drop:{token}")]))


def offer_to_send(token: str) -> Reply:
    """Words without danger typed outside /new: one tap makes them a new message."""
    return Reply(
        _("Would you like to send this to the city? Tap what it is and I will ask a few short "
          "questions (you can skip them). Or send /new to start from the beginning."),
        _buttons([(label, f"free:{kind}:{token}") for kind, label in KINDS.items()]))


def consent_to_send() -> Reply:
    return Reply(_("To send this to the city, please send /start and agree first. "
                   "Nothing was kept."))


def pending_gone() -> Reply:
    return Reply(_("To keep it private, that message was kept only for a short time and is "
                   "gone now. Please write it again if you want to send it."))


def not_sent() -> Reply:
    return Reply(_("All right: it was not sent, and nothing was kept."))


def draft_danger(kinds) -> Reply:
    """Right after the text step of /new, when the words show danger."""
    lines = _danger_words(kinds)
    if safeguarding.is_person_in_danger(kinds):
        lines += ["", _("You can send it now: a person will read it very soon. Or answer the "
                        "next questions first.")]
    else:
        lines += ["", _("If you send it, we tell the people who fix it at once. A photo and the "
                        "place help them find it.")]
    return Reply("\n".join(lines), _buttons([(_("🆘 Send it now"), "confirm:now")]))


# --- /new ----------------------------------------------------------------------------------

def ask_kind() -> Reply:
    return Reply(_("What would you like to send?"),
                 _buttons([(label, f"kind:{kind}") for kind, label in KINDS.items()]))


def ask_text(kind: str) -> Reply:
    prompts = {
        Kind.IDEA: _("Write the idea in your own words (the child's words are best)."),
        Kind.PROBLEM: _("Write what the problem is and where it is, in your own words."),
        Kind.THANKS: _("Write who you want to thank, and for what."),
    }
    return Reply(prompts.get(kind, prompts[Kind.IDEA]) + "\n"
                 + _("Up to 2000 characters. Please leave out names and phone numbers."))


def text_needed() -> Reply:
    return Reply(_("Please write it in words."))


def ask_photo() -> Reply:
    return Reply(_("You can add one photo (optional). Send it now, or skip."),
                 _buttons([(_("Skip"), "photo:skip")]))


def photo_needed() -> Reply:
    return Reply(_("Please send a photo, or press Skip."), _buttons([(_("Skip"), "photo:skip")]))


def ask_place(areas: list[tuple[str, str]], page: int) -> Reply:
    start = page * AREAS_PER_PAGE
    rows = [[(label, f"area:{index}")] for index, (_code, label) in
            enumerate(areas[start:start + AREAS_PER_PAGE], start=start)]
    pager = []
    if page > 0:
        pager.append((_("◀ Previous"), f"areas:{page - 1}"))
    if start + AREAS_PER_PAGE < len(areas):
        pager.append((_("Next ▶"), f"areas:{page + 1}"))
    if pager:
        rows.append(pager)
    rows.append([(_("Skip"), "place:skip")])
    return Reply("\n".join([
        _("Where is it? (optional)"),
        _("• send a location (📎 → Location): we keep it only to about 100 metres"),
        _("• or choose an area below"),
        _("• or write the spot, for example: the east gate of the school"),
    ]), _buttons(*rows))


def location_place(latitude: float, longitude: float) -> str:
    """A coarse place: rounded to three decimals (about 100 m), never the exact point."""
    return _("Location %(lat)s,%(lon)s", lat=f"{latitude:.3f}", lon=f"{longitude:.3f}")


def ask_age() -> Reply:
    bands = [(AGES[band], f"age:{band}") for band in AGE_BANDS]
    return Reply(_("How old is the child?"), _buttons(bands[:3], bands[3:]))


def summary(draft: dict) -> Reply:
    place = draft.get("area_label") or draft.get("place") or _("not given")
    lines = [
        _("<b>Please check before sending</b>"),
        _("Kind: %(kind)s", kind=KINDS[draft["kind"]]) if draft.get("kind") in KINDS else "",
        _("Message: %(text)s", text=e(clip(draft.get("text"), 2000))),
        _("Photo: %(photo)s", photo=_("yes") if draft.get("photo") else _("none")),
        _("Place: %(place)s", place=e(place)),
        _("Age: %(age)s", age=AGES[draft["age_band"]] if draft.get("age_band") in AGES
          else _("not given")),
        _("Family may read the words: %(answer)s",
          answer=_("yes") if draft.get("family_may_read") else _("no")),
        _("Other children may see it: %(answer)s",
          answer=_("yes") if draft.get("public") else _("no")),
    ]
    return Reply("\n".join(line for line in lines if line), _buttons(
        [(_("✅ Send"), "confirm:send")],
        [(_("✏️ Change something"), "confirm:edit"), (_("✖️ Cancel"), "confirm:cancel")],
    ))


def ask_family() -> Reply:
    return Reply("\n".join([
        _("<b>May the family read the words?</b>"),
        _("Others in the family can follow this with the tracking code."),
        _("• No (if you are not sure): they see where it is and the answer, not the words."),
        _("• Yes: they also read the words (names and phone numbers hidden)."),
    ]), _buttons([(_("No, only where it is and the answer"), "family:no")],
                 [(_("Yes, my family may read the words"), "family:yes")]))


def ask_public() -> Reply:
    return Reply("\n".join([
        _("<b>May other children see it?</b>"),
        _("• No (if you are not sure): only the people who answer it read it."),
        _("• Yes: after a grown-up has checked it, it is shown on the page of your area, with "
          "names and phone numbers hidden, and other children can say “me too”."),
    ]), _buttons([(_("No, keep it private"), "public:no")],
                 [(_("Yes, other children may see it"), "public:yes")]))


def edit_menu() -> Reply:
    return Reply(_("What would you like to change?"), _buttons(
        [(_("Kind"), "edit:kind"), (_("Message"), "edit:text"), (_("Photo"), "edit:photo")],
        [(_("Place"), "edit:place"), (_("Age"), "edit:age")],
        [(_("Who may read it"), "edit:family"), (_("Other children"), "edit:public")],
        [(_("Back"), "edit:back")],
    ))


def submitted(code: str, danger: str = Danger.NONE, kinds=()) -> Reply:
    """The tracking code, in a message of its own; for danger, the help that fits first."""
    lines = [
        _("<b>Sent. Thank you!</b>"),
        _("The tracking code is:"),
        f"<b>{e(code)}</b>",
    ]
    if danger in Danger.RAISED:
        lines[:0] = [danger_note(kinds), ""]
        lines.append(_("Keep it safe. Only this chat can follow this message: you will get "
                       "every change here, and the answer too."))
    else:
        lines.append(_("Keep it: with the code you can follow it and read the answer. You will "
                       "get every change here, and the answer too."))
    return Reply("\n".join(lines))


def danger_note(kinds) -> str:
    """On an item that shows danger, for the chat that sent it."""
    if safeguarding.is_person_in_danger(kinds):
        return "\n".join([
            _("⚠️ <b>A person will read this very soon.</b> If someone is in danger now, call:"),
            _help_lines(kinds),
        ])
    return _("⚠️ <b>We told the people who fix it.</b> Please stay away from it.")


def cancelled() -> Reply:
    return Reply(_("Cancelled. Nothing was sent."))


def draft_expired() -> Reply:
    return Reply(_("That draft was too old and has been thrown away. Send /new to start again."))


# --- following, my suggestions, cards, pushes ----------------------------------------------

def ask_code() -> Reply:
    return Reply(_("Send the child's tracking code, for example: 熊猫 苹果 3812"))


def _title(view: dict) -> str:
    """Kind and a snippet of the words, or kind and the day it was sent if they are private."""
    kind = KINDS.get(view.get("kind"), "")
    snippet = clip(view.get("text"), SNIPPET_LENGTH)
    if snippet:
        return f"{kind} “{e(snippet)}”"
    if view.get("sent_on"):
        _year, month, day = view["sent_on"].split("-")
        return f"{kind} " + _("(sent %(month)s/%(day)s)", month=int(month), day=int(day))
    return str(kind)


def mine(items: list[tuple[int, dict]]) -> Reply:
    if not items:
        return Reply(_("You do not follow any suggestion yet. Send /new, or /follow a code."))
    lines = [_("<b>My suggestions</b>")]
    rows = []
    for number, (suggestion_id, view) in enumerate(items, start=1):
        lines.append(f"{number}. {_title(view)}\n    {e(view['status_words'])}")
        rows.append([(f"{number}. {clip(view['status_words'], 24)}", f"view:{suggestion_id}")])
    return Reply("\n".join(lines), _buttons(*rows))


def card(suggestion_id: int, view: dict) -> Reply:
    """A suggestion as the guardian may see it: status, history, answer, rating buttons."""
    lines = [_title(view), _("<b>Now</b>: %(status)s", status=e(view["status_words"]))]
    if view.get("agency"):
        lines.append(_("<b>With</b>: %(agency)s", agency=e(view["agency"])))
    if view.get("urgent") or view.get("danger") in Danger.RAISED:
        lines.append(danger_note(view.get("kinds") or ()))
    for step in view.get("timeline", []):
        lines.append(f"· {e(step['at'][:10])} {e(step['text'])}")
    if view.get("answer"):
        lines += ["", _answer(view["answer"])]
    if view.get("rating"):
        lines.append(_("Your rating: %(rating)s", rating=RATINGS.get(view["rating"], "")))
    return Reply("\n".join(lines), rating_buttons(suggestion_id) if view.get("can_rate") else None)


def _answer(answer: dict) -> str:
    return "\n".join([
        _("<b>The answer from %(agency)s</b>", agency=e(answer["agency"])),
        e(DECISIONS.get(answer["decision"], "")),
        _("<b>Why</b>: %(why)s", why=e(clip(answer["why"], PART_LENGTH))),
        _("<b>What happens next</b>: %(next)s", next=e(clip(answer["next"], PART_LENGTH))),
    ])


def rating_buttons(suggestion_id: int) -> InlineKeyboardMarkup:
    return _buttons([(label, f"rate:{suggestion_id}:{rating}")
                     for rating, label in RATINGS.items()])


def push(action: str, suggestion_id: int, view: dict) -> Reply:
    """A state change of a followed suggestion, as it reaches the chat."""
    agency = e(view.get("agency") or "")
    news = {
        "routed": _("It was passed to %(agency)s.", agency=agency),
        "accepted": _("%(agency)s has started working on it.", agency=agency),
        "transferred": _("It was passed to %(agency)s, who can help better.", agency=agency),
        "returned": _("A grown-up is finding out who can help with this."),
        "marked_complex": _("This needs more time: several people are working it out together."),
        "answered": _("%(agency)s has answered.", agency=agency),
        "rated": _("The answer was rated. Thank you!"),
        "rejected": _("This message could not be taken up."),
        "closed": _("It is finished."),
    }.get(action, _("Something changed."))
    lines = [_("🔔 <b>News about</b> %(title)s", title=_title(view)), news,
             _("<b>Now</b>: %(status)s", status=e(view["status_words"]))]
    markup = None
    if action == "answered" and view.get("answer"):
        lines += ["", _answer(view["answer"])]
        if view.get("can_rate"):
            lines += ["", _("What do you think of the answer?")]
            markup = rating_buttons(suggestion_id)
    return Reply("\n".join(lines), markup)


def ask_why() -> Reply:
    return Reply(_("Sorry it did not help. What is missing or wrong? Write a few words, or skip."),
                 _buttons([(_("Skip"), "why:skip")]))


def rated(rating: str, reopened: bool) -> Reply:
    if reopened:
        return Reply(_("Thank you for telling us. They will look at it again and answer again."))
    if rating == Rating.UNSATISFIED:
        return Reply(_("Thank you for telling us. Your rating has been passed on."))
    return Reply(_("Thank you for your rating!"))


def followed(suggestion_id: int, view: dict) -> Reply:
    reply = card(suggestion_id, view)
    lines = [_("You now follow this suggestion: every change comes to this chat.")]
    if view.get("words_hidden"):
        lines.append(_("You see where it is and the answer. The child's own words stay private, "
                       "unless the child chose to share them with the family."))
    return Reply("\n".join(lines) + "\n\n" + reply.text, reply.markup)


# --- staff: /duty CODE ------------------------------------------------------------------------

def duty_usage() -> Reply:
    return Reply(_("For staff: send /duty and the code from the staff console, to get urgent "
                   "alerts in this chat."))


def duty_linked() -> Reply:
    return Reply(_("Linked: urgent alerts now come to this chat too."))


def duty_failed() -> Reply:
    return Reply(_("That code did not work. Please check it, or make a new one in the "
                   "staff console."))


# --- /delete and trouble --------------------------------------------------------------

def delete_confirm() -> Reply:
    return Reply(
        _("This erases this chat from Tongyan: you will get no more news, and your suggestions "
          "stay without any link to you. Erase?"),
        _buttons([(_("Yes, erase"), "delete:yes"), (_("No, keep"), "delete:no")]),
    )


def deleted(unlinked: int) -> Reply:
    return Reply(_("Erased. %(count)s suggestion(s) no longer have any link to this chat. "
                   "Send /start to begin again.", count=unlinked))


def nothing_to_delete() -> Reply:
    return Reply(_("There is nothing stored about this chat."))


def kept() -> Reply:
    return Reply(_("Nothing was erased."))


def try_again() -> Reply:
    return Reply(_("Sorry, something went wrong on our side. Please try again in a moment. "
                   "Whatever you sent and confirmed before is safe."))


def too_fast() -> Reply:
    return Reply(_("That is a lot of messages at once. Please wait a minute and try again."))


def stale_button() -> str:
    return _("This button is no longer active.")
