"""Who follows a suggestion: guardian chats that hear about every change of it.

The child sees on the tracking page how many chats follow their message and may stop
them all. (Which chat may follow what is decided in services.guardians.)
"""

from sqlalchemy import delete, func, select

from webapp.extensions import db
from webapp.models import Subscription, Suggestion
from webapp.services import events


def count(suggestion: Suggestion) -> int:
    """How many chats follow this suggestion."""
    return db.session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.suggestion_id == suggestion.id)
    )


def stop_all(suggestion: Suggestion, actor: str) -> int:
    """No chat hears about this suggestion any more; returns how many were following."""
    stopped = (
        db.session.execute(
            delete(Subscription)
            .where(Subscription.suggestion_id == suggestion.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    if stopped:
        # The loaded collection would still list the deleted rows (and notify them).
        db.session.expire(suggestion, ["subscriptions"])
        events.record(suggestion, "followers_stopped", actor, detail={"count": stopped})
        db.session.flush()
    return stopped
