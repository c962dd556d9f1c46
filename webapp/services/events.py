"""State changes: every one writes the new state and an Event together."""

from webapp.extensions import db
from webapp.models import Event, Suggestion
from webapp.services import outbox

SYSTEM = "system"
# Changes a child or guardian hears about; "received" is confirmed on the spot.
NOTIFIED_ACTIONS = {
    "routed",
    "accepted",
    "transferred",
    "returned",
    "marked_complex",
    "answered",
    "rated",
    "rejected",
}


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
    if action in NOTIFIED_ACTIONS:
        notify_subscribers(suggestion, action)
    return event


def notify_subscribers(suggestion: Suggestion, action: str) -> None:
    """Queue a message to every guardian who follows this suggestion."""
    for subscription in suggestion.subscriptions:
        if subscription.contact.blocked_at is None:
            outbox.enqueue(
                "telegram",
                str(subscription.contact_id),
                {
                    "type": "status",
                    "suggestion_id": suggestion.id,
                    "action": action,
                    "status": suggestion.status,
                },
                suggestion,
            )
