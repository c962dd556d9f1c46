"""The outbox: messages written in the same transaction, delivered after commit."""

from webapp.extensions import db
from webapp.models import Outbox, Suggestion


def enqueue(channel: str, recipient: str, payload: dict, suggestion: Suggestion | None = None) -> Outbox:
    """Queue a message; a worker delivers it with retries once the transaction commits."""
    message = Outbox(channel=channel, recipient=recipient, payload=payload,
                     suggestion_id=suggestion.id if suggestion else None)
    db.session.add(message)
    return message
