"""What the guardian reads while writing a new message (/new), step by step.

HTML, every piece of text from a person through `e()` (see bot.texts).
"""

from bot.i18n import _
from bot.texts import AGES, AREAS_PER_PAGE, KINDS, Reply, buttons, clip, danger_note, e
from webapp.models import AGE_BANDS, Danger, Kind


def ask_kind() -> Reply:
    return Reply(
        _("What would you like to send?"),
        buttons([(label, f"kind:{kind}") for kind, label in KINDS.items()]),
    )


def ask_text(kind: str) -> Reply:
    prompts = {
        Kind.IDEA: _("Write the idea in your own words (the child's words are best)."),
        Kind.PROBLEM: _("Write what the problem is and where it is, in your own words."),
        Kind.THANKS: _("Write who you want to thank, and for what."),
    }
    return Reply(
        prompts.get(kind, prompts[Kind.IDEA])
        + "\n"
        + _("Up to 2000 characters. Please leave out names and phone numbers.")
    )


def text_needed() -> Reply:
    return Reply(_("Please write it in words."))


def ask_photo() -> Reply:
    return Reply(
        _("You can add one photo (optional). Send it now, or skip."),
        buttons([(_("Skip"), "photo:skip")]),
    )


def photo_needed() -> Reply:
    return Reply(_("Please send a photo, or press Skip."), buttons([(_("Skip"), "photo:skip")]))


def ask_place(areas: list[tuple[str, str]], page: int) -> Reply:
    start = page * AREAS_PER_PAGE
    rows = [
        [(label, f"area:{index}")]
        for index, (_code, label) in enumerate(areas[start : start + AREAS_PER_PAGE], start=start)
    ]
    pager = []
    if page > 0:
        pager.append((_("◀ Previous"), f"areas:{page - 1}"))
    if start + AREAS_PER_PAGE < len(areas):
        pager.append((_("Next ▶"), f"areas:{page + 1}"))
    if pager:
        rows.append(pager)
    rows.append([(_("Skip"), "place:skip")])
    return Reply(
        "\n".join(
            [
                _("Where is it? (optional)"),
                _("• send a location (📎 → Location): we keep it only to about 100 metres"),
                _("• or choose an area below"),
                _("• or write the spot, for example: the east gate of the school"),
            ]
        ),
        buttons(*rows),
    )


def location_place(latitude: float, longitude: float) -> str:
    """A coarse place: rounded to three decimals (about 100 m), never the exact point."""
    return _("Location %(lat)s,%(lon)s", lat=f"{latitude:.3f}", lon=f"{longitude:.3f}")


def ask_age() -> Reply:
    bands = [(AGES[band], f"age:{band}") for band in AGE_BANDS]
    return Reply(_("How old is the child?"), buttons(bands[:3], bands[3:]))


def summary(draft: dict) -> Reply:
    place = draft.get("area_label") or draft.get("place") or _("not given")
    lines = [
        _("<b>Please check before sending</b>"),
        _("Kind: %(kind)s", kind=KINDS[draft["kind"]]) if draft.get("kind") in KINDS else "",
        _("Message: %(text)s", text=e(clip(draft.get("text"), 2000))),
        _("Photo: %(photo)s", photo=_("yes") if draft.get("photo") else _("none")),
        _("Place: %(place)s", place=e(place)),
        _(
            "Age: %(age)s",
            age=AGES[draft["age_band"]] if draft.get("age_band") in AGES else _("not given"),
        ),
        _(
            "Family may read the words: %(answer)s",
            answer=_("yes") if draft.get("family_may_read") else _("no"),
        ),
        _(
            "Other children may see it: %(answer)s",
            answer=_("yes") if draft.get("public") else _("no"),
        ),
    ]
    return Reply(
        "\n".join(line for line in lines if line),
        buttons(
            [(_("✅ Send"), "confirm:send")],
            [(_("✏️ Change something"), "confirm:edit"), (_("✖️ Cancel"), "confirm:cancel")],
        ),
    )


def ask_family() -> Reply:
    return Reply(
        "\n".join(
            [
                _("<b>May the family read the words?</b>"),
                _("Others in the family can follow this with the tracking code."),
                _(
                    "• No (if you are not sure): they see where it is and the answer, "
                    "not the words."
                ),
                _("• Yes: they also read the words (names and phone numbers hidden)."),
            ]
        ),
        buttons(
            [(_("No, only where it is and the answer"), "family:no")],
            [(_("Yes, my family may read the words"), "family:yes")],
        ),
    )


def ask_public() -> Reply:
    return Reply(
        "\n".join(
            [
                _("<b>May other children see it?</b>"),
                _("• No (if you are not sure): only the people who answer it read it."),
                _(
                    "• Yes: after a grown-up has checked it, it is shown on the page of your area, "
                    "with names and phone numbers hidden, and other children can say “me too”."
                ),
            ]
        ),
        buttons(
            [(_("No, keep it private"), "public:no")],
            [(_("Yes, other children may see it"), "public:yes")],
        ),
    )


def edit_menu() -> Reply:
    return Reply(
        _("What would you like to change?"),
        buttons(
            [(_("Kind"), "edit:kind"), (_("Message"), "edit:text"), (_("Photo"), "edit:photo")],
            [(_("Place"), "edit:place"), (_("Age"), "edit:age")],
            [(_("Who may read it"), "edit:family"), (_("Other children"), "edit:public")],
            [(_("Back"), "edit:back")],
        ),
    )


def submitted(code: str, danger: str = Danger.NONE, kinds=()) -> Reply:
    """The tracking code, in a message of its own; for danger, the help that fits first."""
    lines = [
        _("<b>Sent. Thank you!</b>"),
        _("The tracking code is:"),
        f"<b>{e(code)}</b>",
    ]
    if danger in Danger.RAISED:
        lines[:0] = [danger_note(kinds), ""]
        lines.append(
            _(
                "Keep it safe. Only this chat can follow this message: you will get "
                "every change here, and the answer too."
            )
        )
    else:
        lines.append(
            _(
                "Keep it: with the code you can follow it and read the answer. You will "
                "get every change here, and the answer too."
            )
        )
    return Reply("\n".join(lines))


def cancelled() -> Reply:
    return Reply(_("Cancelled. Nothing was sent."))


def draft_expired() -> Reply:
    return Reply(_("That draft was too old and has been thrown away. Send /new to start again."))
