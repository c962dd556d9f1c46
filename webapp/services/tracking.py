"""What a child (or guardian) sees of a suggestion, the same on web, API and bot."""

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Agency, Event, Status, Suggestion
from webapp.services import events, support

# Everything a follower is told of, the receipt, and what a council did about it.
CHILD_VISIBLE_ACTIONS = {
    "received",
    *events.NOTIFIED_ACTIONS,
    "linked",
    "council_adopted",
    "council_escalated",
}


def status_words(status: str) -> str:
    """A status in words a child understands."""
    return {
        Status.RECEIVED: _("We got your message"),
        Status.ROUTED: _("Waiting for the right people to read it"),
        Status.ACCEPTED: _("Being worked on"),
        Status.TRANSFERRED: _("Being worked on"),
        Status.RETURNED: _("Waiting for the right people to read it"),
        Status.ANSWERED: _("Answered: please read it"),
        Status.REOPENED: _("They are looking at it again"),
        Status.CLOSED: _("Finished"),
        Status.REJECTED: _("Not taken up"),
    }.get(status, status)


def event_words(event: Event, agency_names: dict[str, str]) -> str:
    """One step of the history in child words; staff details never appear."""
    agency = agency_names.get((event.detail or {}).get("agency"), "")
    action = event.action
    if action == "received":
        return _("We got your message. Thank you for speaking up!")
    if action == "routed":
        if (event.detail or {}).get("triage"):
            return _("A grown-up is finding out who can help with this.")
        return _("We passed your message to %(agency)s.", agency=agency)
    if action == "accepted":
        return _("%(agency)s has started working on it.", agency=agency)
    if action == "transferred":
        return _("It was passed to %(agency)s, who can help better.", agency=agency)
    if action == "returned":
        return _("A grown-up is finding out who can help with this.")
    if action == "marked_complex":
        return _("This needs more time: several people are working it out together.")
    if action == "answered":
        return _("%(agency)s has answered you.", agency=agency)
    if action == "rated":
        if event.to_status == Status.REOPENED:
            return _("You said you were not happy, so they will look at it again.")
        return _("You rated the answer. Thank you!")
    if action == "rejected":
        return _("This message could not be taken up.")
    if action == "linked":
        return _("Other children said the same thing. You will all get the answer together.")
    if action == "council_adopted":
        return _("A children's council talked about this and voted for it.")
    if action == "council_escalated":
        return _(
            "The children's council passed it on to the council above, to give it more weight."
        )
    return _("Something changed.")


def child_view(suggestion: Suggestion) -> dict:
    """Status, agency, history and answer as the child may see them."""
    answer = suggestion.answer
    names = dict(db.session.execute(select(Agency.code, Agency.name)).all())
    return {
        "status": suggestion.status,
        "status_words": status_words(suggestion.status),
        "kind": suggestion.kind,
        "text": suggestion.redacted_text,  # None until checked for personal data
        "agency": suggestion.agency.name if suggestion.agency else None,
        "urgent": suggestion.urgent,
        "timeline": [
            {"at": e.created_at.isoformat(timespec="minutes") + "Z", "text": event_words(e, names)}
            for e in suggestion.events
            if e.action in CHILD_VISIBLE_ACTIONS
        ],
        "answer": None
        if answer is None
        else {
            "agency": answer.agency.name,
            "decision": answer.decision,
            "why": answer.why,
            "next": answer.next_steps,
            "at": answer.created_at.isoformat(timespec="minutes") + "Z",
        },
        "can_rate": suggestion.status == Status.ANSWERED,
        "rating": suggestion.rating,
        # Other children who said the same (linked items and "me too"s), and whether
        # another child may still add a "me too".
        "said_the_same": support.said_the_same([suggestion])[suggestion.id],
        "supportable": support.is_listable(suggestion),
    }
