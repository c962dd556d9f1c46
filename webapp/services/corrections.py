"""Staff corrections as training lines: items the model routed wrong and people put right."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Event, Reply, Suggestion

CORRECTING_ACTIONS = ("transferred", "returned")


def training_lines(since: datetime | None = None) -> Iterator[dict[str, str]]:
    """One corpus line ({"text", "agency"}) per answered item whose agency staff changed.

    The agency is the one that answered: it took the item as its own. The text is the
    redacted one, the only version that may leave the database. Urgent items stay out:
    a child's disclosure does not belong in a training file. Sentiment and urgency are
    left unlabelled, since no person checked them.
    """
    corrected = select(Event.suggestion_id).where(Event.action.in_(CORRECTING_ACTIONS))
    if since is not None:
        corrected = corrected.where(Event.created_at >= since)
    query = (
        select(Suggestion)
        .where(
            Suggestion.id.in_(corrected),
            Suggestion.urgent.is_(False),
            Suggestion.redacted_text.is_not(None),
            Suggestion.replies.any(),
        )
        .options(selectinload(Suggestion.replies).joinedload(Reply.agency))
        .order_by(Suggestion.id)
        .execution_options(yield_per=500)
    )
    for suggestion in db.session.scalars(query):
        yield {"text": suggestion.redacted_text, "agency": suggestion.answer.agency.code}
