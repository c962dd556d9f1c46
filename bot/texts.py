"""What the guardian reads: every message and button of the bot, in three modules: this
one (start, consent, menu, help, danger and help lines, /duty, /delete, trouble),
bot.texts_draft (the /new steps) and bot.texts_follow (following, cards, news, ratings).

Messages are HTML (the bot's default parse mode): every piece of text that came
from a person (a suggestion, a place, an answer, an agency name) goes through
`e()`. Call these inside an app context with the bot's locale (bot.calls).
"""

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import pending
from bot.i18n import _, _l
from webapp.models import Decision, Kind, Rating
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


def buttons(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(str(label), callback_data=data) for label, data in row]
            for row in rows
        ]
    )


# --- start, consent, menu, help ---------------------------------------------------------


def intro() -> Reply:
    text = "\n\n".join(
        [
            _("<b>Welcome to 童言 (Tongyan)</b>"),
            _(
                "Here a child, with you, can send an idea, a problem or a thank-you to the city. "
                "We pass it to the agency that must answer it, and the answer comes back to this "
                "chat."
            ),
            _(
                "<b>Who sees what</b>: the agency's staff read the message (with names and phone "
                "numbers hidden), the photo, the place and the age band. They see a pseudonym "
                "such as 家长-7F3A, never your name, your Telegram account or your phone number."
            ),
            _(
                "<b>Your agreement</b>: if the child is under 14, a guardian must agree. We store "
                "nothing about this chat before you agree, and you can erase it at any time with "
                "/delete."
            ),
            _("Do you agree?"),
        ]
    )
    return Reply(
        text, buttons([(_("I agree"), "consent:yes"), (_("I do not agree"), "consent:no")])
    )


def consent_declined() -> Reply:
    return Reply(_("All right: nothing was stored. Send /start whenever you change your mind."))


def menu(greeting: str | None = None) -> Reply:
    text = greeting or _("What would you like to do?")
    return Reply(
        text,
        buttons(
            [(_("✏️ Send a suggestion"), "menu:new"), (_("📋 My suggestions"), "menu:mine")],
            [(_("🔗 Follow a child's code"), "menu:follow"), (_("❓ Help"), "menu:help")],
            [(_("🗑 Erase my data"), "menu:delete")],
        ),
    )


def consented(pseudonym: str) -> Reply:
    return menu(_("Thank you. Staff will know you as <b>%(name)s</b>.", name=e(pseudonym)))


def help_text() -> Reply:
    return Reply(
        "\n".join(
            [
                _("<b>What I can do</b>"),
                _("/new – send an idea, a problem or a thank-you"),
                _("/mine – my suggestions and where they are"),
                _("/follow CODE – follow a suggestion a child made on a tablet"),
                _("/delete – erase this chat and unlink my suggestions"),
                _("/cancel – stop what we are doing"),
                _(
                    "Or just write here what you want to say: if someone is in danger, I show at "
                    "once who can help."
                ),
                "",
                _("In danger right now? Call 110. Want to talk to someone? Call 12355."),
            ]
        )
    )


def not_understood() -> Reply:
    return Reply(_("Sorry, I did not understand. Send /new to write a suggestion, or /help."))


# --- words typed outside a conversation, danger and help lines ---------------------------


def _help_lines(kinds) -> str:
    """The help lines that fit the kinds of danger, one a line (none for a place hazard)."""
    return "\n".join(
        f"☎️ <b>{e(line.number)}</b> {e(line.label)}" for line in safeguarding.help_lines(kinds)
    )


def _danger_words(kinds) -> list[str]:
    """What a guardian reads first when words show danger: a person, or a place hazard."""
    if safeguarding.is_person_in_danger(kinds):
        return [
            _("💛 <b>Thank you for telling us. Telling was right, and it is not your fault.</b>"),
            _("If someone is in danger right now, call:"),
            _help_lines(kinds),
        ]
    return [
        _(
            "💛 <b>Thank you for telling us.</b> Please stay away from it, and keep other "
            "children away too."
        ),
    ]


def danger_help(kinds, consented: bool, token: str, too_long: str | None = None) -> Reply:
    """The first reply to words that show danger: help lines and one tap to send them."""
    lines = _danger_words(kinds)
    if too_long:  # cannot be sent as it is: the help lines still come first
        return Reply("\n".join([*lines, "", e(too_long)]))
    if safeguarding.is_person_in_danger(kinds):
        lines += [
            "",
            _(
                "Press the button and we pass this on to the people who can help, at "
                "once (names and phone numbers hidden)."
            ),
        ]
    else:
        lines += ["", _("If you send it, we tell the people who fix it at once.")]
    if consented:
        send_label = _("🆘 Send this to the people who can help")
    else:
        lines.append(
            _(
                "Pressing it also means you agree that we keep this chat: staff see only "
                "a pseudonym, and you can erase everything with /delete."
            )
        )
        send_label = _("🆘 I agree: send this to the people who can help")
    lines.append(
        _(
            "If you do not press it, nothing is sent and the words are forgotten within "
            "%(minutes)s minutes.",
            minutes=pending.TTL_SECONDS // 60,
        )
    )
    return Reply(
        "\n".join(lines),
        buttons([(send_label, f"help:send:{token}")], [(_("Do not send"), f"help:drop:{token}")]),
    )


def offer_to_send(token: str) -> Reply:
    """Words without danger typed outside /new: one tap makes them a new message."""
    return Reply(
        _(
            "Would you like to send this to the city? Tap what it is and I will ask a few short "
            "questions (you can skip them). Or send /new to start from the beginning."
        ),
        buttons([(label, f"free:{kind}:{token}") for kind, label in KINDS.items()]),
    )


def consent_to_send() -> Reply:
    return Reply(
        _("To send this to the city, please send /start and agree first. Nothing was kept.")
    )


def pending_gone() -> Reply:
    return Reply(
        _(
            "To keep it private, that message was kept only for a short time and is "
            "gone now. Please write it again if you want to send it."
        )
    )


def not_sent() -> Reply:
    return Reply(_("All right: it was not sent, and nothing was kept."))


def draft_danger(kinds) -> Reply:
    """Right after the text step of /new, when the words show danger."""
    lines = _danger_words(kinds)
    if safeguarding.is_person_in_danger(kinds):
        lines += [
            "",
            _(
                "You can send it now: a person will read it very soon. Or answer the "
                "next questions first."
            ),
        ]
    else:
        lines += [
            "",
            _(
                "If you send it, we tell the people who fix it at once. A photo and the "
                "place help them find it."
            ),
        ]
    return Reply("\n".join(lines), buttons([(_("🆘 Send it now"), "confirm:now")]))


def danger_note(kinds) -> str:
    """On an item that shows danger, for the chat that sent it."""
    if safeguarding.is_person_in_danger(kinds):
        return "\n".join(
            [
                _("⚠️ <b>A person will read this very soon.</b> If someone is in danger now, call:"),
                _help_lines(kinds),
            ]
        )
    return _("⚠️ <b>We told the people who fix it.</b> Please stay away from it.")


# --- staff: /duty CODE ------------------------------------------------------------------------


def duty_usage() -> Reply:
    return Reply(
        _(
            "For staff: send /duty and the code from the staff console, to get urgent "
            "alerts in this chat."
        )
    )


def duty_linked() -> Reply:
    return Reply(_("Linked: urgent alerts now come to this chat too."))


def duty_failed() -> Reply:
    return Reply(
        _("That code did not work. Please check it, or make a new one in the staff console.")
    )


# --- /delete and trouble --------------------------------------------------------------


def delete_confirm() -> Reply:
    return Reply(
        _(
            "This erases this chat from Tongyan: you will get no more news, and your suggestions "
            "stay without any link to you. Erase?"
        ),
        buttons([(_("Yes, erase"), "delete:yes"), (_("No, keep"), "delete:no")]),
    )


def deleted(unlinked: int) -> Reply:
    return Reply(
        _(
            "Erased. %(count)s suggestion(s) no longer have any link to this chat. "
            "Send /start to begin again.",
            count=unlinked,
        )
    )


def nothing_to_delete() -> Reply:
    return Reply(_("There is nothing stored about this chat."))


def kept() -> Reply:
    return Reply(_("Nothing was erased."))


def try_again() -> Reply:
    return Reply(
        _(
            "Sorry, something went wrong on our side. Please try again in a moment. "
            "Whatever you sent and confirmed before is safe."
        )
    )


def too_fast() -> Reply:
    return Reply(_("That is a lot of messages at once. Please wait a minute and try again."))


def stale_button() -> str:
    return _("This button is no longer active.")
