"""What the guardian reads about a suggestion they follow: the list, its card, news of
each change, the answer and its rating.

HTML, every piece of text from a person through `e()` (see bot.texts).
"""

from telegram import InlineKeyboardMarkup

from bot.i18n import _
from bot.texts import (
    DECISIONS,
    KINDS,
    PART_LENGTH,
    RATINGS,
    SNIPPET_LENGTH,
    Reply,
    buttons,
    clip,
    danger_note,
    e,
)
from webapp.models import Danger, Rating


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
    return Reply("\n".join(lines), buttons(*rows))


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
    return "\n".join(
        [
            _("<b>The answer from %(agency)s</b>", agency=e(answer["agency"])),
            e(DECISIONS.get(answer["decision"], "")),
            _("<b>Why</b>: %(why)s", why=e(clip(answer["why"], PART_LENGTH))),
            _("<b>What happens next</b>: %(next)s", next=e(clip(answer["next"], PART_LENGTH))),
        ]
    )


def rating_buttons(suggestion_id: int) -> InlineKeyboardMarkup:
    return buttons([(label, f"rate:{suggestion_id}:{rating}") for rating, label in RATINGS.items()])


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
    lines = [
        _("🔔 <b>News about</b> %(title)s", title=_title(view)),
        news,
        _("<b>Now</b>: %(status)s", status=e(view["status_words"])),
    ]
    markup = None
    if action == "answered" and view.get("answer"):
        lines += ["", _answer(view["answer"])]
        if view.get("can_rate"):
            lines += ["", _("What do you think of the answer?")]
            markup = rating_buttons(suggestion_id)
    return Reply("\n".join(lines), markup)


def ask_why() -> Reply:
    return Reply(
        _("Sorry it did not help. What is missing or wrong? Write a few words, or skip."),
        buttons([(_("Skip"), "why:skip")]),
    )


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
        lines.append(
            _(
                "You see where it is and the answer. The child's own words stay private, "
                "unless the child chose to share them with the family."
            )
        )
    return Reply("\n".join(lines) + "\n\n" + reply.text, reply.markup)
