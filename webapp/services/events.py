"""State changes: every one writes the new state and an Event together."""

from webapp.extensions import db
from webapp.models import Event, Suggestion

SYSTEM = "system"


def record(
    suggestion: Suggestion,
    action: str,
    actor: str,
    to_status: str | None = None,
    detail: dict | None = None,
) -> Event:
    """Add an event to the suggestion's history, moving it to `to_status` if given."""
    event = Event(
        suggestion=suggestion,
        actor=actor,
        action=action,
        from_status=suggestion.status,
        to_status=to_status or suggestion.status,
        detail=detail,
    )
    if to_status:
        suggestion.status = to_status
    db.session.add(event)
    return event
