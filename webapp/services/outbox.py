"""The outbox: messages written in the same transaction, delivered after commit.

A worker claims due messages, sends each one and marks it delivered in a
transaction of its own right after the send. Delivery is at least once: a worker
that dies between the send and the mark sends that message again once its lease
has run out. A claim is a lease (next_attempt_at moved forward by a compare-and-set
UPDATE), so two workers never send the same message at the same time. A message
with a dedup_key is queued once however often it is enqueued (an alert step to one
contact), so a retried round does not send it twice.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Outbox, Suggestion, utcnow

LEASE_SECONDS = 30  # longer than one send may take
MAX_ATTEMPTS = 8  # failed sends before a message is given up
MAX_BACKOFF_SECONDS = 600
MAX_ERROR_LENGTH = 200


def enqueue(
    channel: str,
    recipient: str,
    payload: dict,
    suggestion: Suggestion | None = None,
    *,
    dedup_key: str | None = None,
) -> Outbox:
    """Queue a message; a worker delivers it with retries once the transaction commits.

    With a dedup_key, a message already queued under that key is returned instead.
    """
    if dedup_key is not None:
        existing = db.session.scalar(select(Outbox).where(Outbox.dedup_key == dedup_key))
        if existing is not None:
            return existing
    message = Outbox(
        channel=channel,
        recipient=recipient,
        payload=payload,
        dedup_key=dedup_key,
        suggestion_id=suggestion.id if suggestion else None,
    )
    if dedup_key is None:
        db.session.add(message)
        return message
    try:
        with db.session.begin_nested():  # another worker may have queued it a moment ago
            db.session.add(message)
    except IntegrityError:
        return db.session.scalars(select(Outbox).where(Outbox.dedup_key == dedup_key)).one()
    return message


def _pending():
    return (Outbox.delivered_at.is_(None), Outbox.failed_at.is_(None))


def claim_due(
    channel: str, limit: int = 20, lease_seconds: int = LEASE_SECONDS, now: datetime | None = None
) -> list[Outbox]:
    """Claim up to `limit` due messages of a channel for one delivery, oldest first.

    Each claim moves next_attempt_at forward by the lease only if nobody else moved
    it since it was read, so concurrent workers split the messages between them.
    """
    now = now or utcnow()
    due = db.session.execute(
        select(Outbox.id, Outbox.next_attempt_at)
        .where(Outbox.channel == channel, *_pending(), Outbox.next_attempt_at <= now)
        .order_by(Outbox.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id, seen_next in due:
        result = db.session.execute(
            update(Outbox)
            .where(Outbox.id == message_id, Outbox.next_attempt_at == seen_next, *_pending())
            .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(Outbox)
            .where(Outbox.id.in_(claimed))
            .order_by(Outbox.id)
            .execution_options(populate_existing=True)
        )
    )


def mark_delivered(message_id: int, now: datetime | None = None) -> bool:
    """Record that a message was sent; False if it was already marked."""
    result = db.session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.delivered_at.is_(None))
        .values(delivered_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after `attempts` failed sends: 2, 4, 8, … capped."""
    return min(2 ** max(attempts, 1), MAX_BACKOFF_SECONDS)


def mark_retry(
    message_id: int,
    error: str,
    *,
    wait_seconds: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    now: datetime | None = None,
) -> bool:
    """A send failed for now: try again after a back-off, or give up after max_attempts.

    `error` is a short class name, never message text. Returns True if given up.
    """
    now = now or utcnow()
    message = db.session.get(Outbox, message_id, populate_existing=True)
    if message is None or message.delivered_at or message.failed_at:
        return False
    message.attempts += 1
    message.last_error = error[:MAX_ERROR_LENGTH]
    if message.attempts >= max_attempts:
        message.failed_at = now
    else:
        wait = backoff_seconds(message.attempts) if wait_seconds is None else wait_seconds
        message.next_attempt_at = now + timedelta(seconds=wait)
    db.session.flush()
    return message.failed_at is not None


def mark_failed(message_id: int, error: str, now: datetime | None = None) -> None:
    """Give a message up for good (the recipient is gone or refuses it)."""
    db.session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, *_pending())
        .values(failed_at=now or utcnow(), last_error=error[:MAX_ERROR_LENGTH])
        .execution_options(synchronize_session=False)
    )


def fail_pending(channel: str, recipient: str, error: str, now: datetime | None = None) -> int:
    """Give up every undelivered message to one recipient; returns how many."""
    return db.session.execute(
        update(Outbox)
        .where(Outbox.channel == channel, Outbox.recipient == recipient, *_pending())
        .values(failed_at=now or utcnow(), last_error=error[:MAX_ERROR_LENGTH])
        .execution_options(synchronize_session=False)
    ).rowcount
